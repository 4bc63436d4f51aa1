// Response shapes for the OpenAPI document (issue 19): what a generated client types its answers with. They
// describe what apps/vrm/src/api/resources.ts and the controllers return; loose objects (more fields may come)
// so that adding a field to an answer is not a breaking change for a client.
import { z } from 'zod';

const id = z.string().describe('object id');

export const Problem = z.looseObject({
  type: z.string().describe('https://virtsim.dev/problems/<code>[/<rule>]'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('bad input, field by field'),
  errorCount: z.number().int().optional(),
  leader: z.string().optional().describe('on a standby vrm\'s 503: the leader\'s address'),
}).describe('an RFC 9457 problem document (application/problem+json)');

export const Cluster = z.looseObject({
  id, name: z.string(), hostCount: z.number().int(), vmCount: z.number().int(), ruleCount: z.number().int(),
  vmsByState: z.record(z.string(), z.number().int()),
});

export const Host = z.looseObject({
  id, clusterId: z.string(), name: z.string(),
  state: z.string().describe('connected, maintenance, standby, powered-off, failed, ...'),
  power: z.string(), maintenance: z.boolean(), fault: z.string().nullable(), threads: z.number().int(),
  vmCount: z.number().int(), vmIds: z.array(z.string()), spec: z.record(z.string(), z.unknown()),
});

export const Vm = z.looseObject({
  id, name: z.string(), clusterId: z.string(), state: z.string(), hostId: z.string().nullable(),
  vcpus: z.number().int(), memoryMiB: z.number().int(), spec: z.record(z.string(), z.unknown()),
});

export const Rule = z.looseObject({ id, clusterId: z.string(), kind: z.string() });

export const Task = z.looseObject({
  id, kind: z.string(), state: z.enum(['queued', 'running', 'succeeded', 'failed']), progress: z.number(),
  result: z.unknown().optional(), error: z.unknown().optional(), target: z.string().nullable().optional(),
  hint: z.string().optional().describe('what to do when the task waits for a stopped simulated clock'),
});

export const SimClock = z.looseObject({
  simTime: z.number().describe('simulated seconds since the start'), tick: z.number().int(),
  mode: z.enum(['manual', 'running']), rate: z.number().nullable().describe('simulated seconds per real second'),
});

export const Leader = z.looseObject({
  role: z.enum(['leader', 'standby']), self: z.string().nullable(), epoch: z.number().int().nullable(), leader: z.unknown(),
});

const pageOf = (item: z.ZodType) => z.object({ items: z.array(item), nextCursor: z.string().nullable().describe('pass as ?cursor= for the next page; null on the last') });

/** every named response schema: components.schemas.<name> */
export const RESPONSE_SCHEMAS: Record<string, z.ZodType> = {
  Problem, Cluster, Host, Vm, Rule, Task, SimClock, Leader,
  ClusterList: pageOf(Cluster), HostList: pageOf(Host), VmList: pageOf(Vm), RuleList: pageOf(Rule), TaskList: pageOf(Task),
};

/** an example for each named response schema a reader meets first */
export const EXAMPLES: Record<string, unknown> = {
  Problem: { type: 'https://virtsim.dev/problems/invalid', title: 'Bad request', status: 400, detail: 'invalid host', errors: [{ path: 'memoryMiB', message: 'Too small: expected number to be >=1024' }] },
  Cluster: { id: 'cluster-1', name: 'DC0_C0', hostCount: 4, vmCount: 8, ruleCount: 0, vmsByState: { running: 2, stopped: 6 } },
  Host: { id: 'host-1', clusterId: 'cluster-1', name: 'DC0_C0_H0', state: 'connected', power: 'on', maintenance: false, fault: null, threads: 32, vmCount: 2, vmIds: ['vm-1', 'vm-2'], spec: {} },
  Vm: { id: 'vm-1', name: 'DC0_C0_RP0_VM0', clusterId: 'cluster-1', state: 'running', hostId: 'host-1', vcpus: 2, memoryMiB: 4096, spec: {} },
  Task: { id: 'task-7', kind: 'vm.migrate', state: 'running', progress: 40 },
  SimClock: { simTime: 3600, tick: 360, mode: 'running', rate: 60 },
};

/** operationId -> [one-line summary, named response schema or null (free-form JSON)] */
export const OPERATIONS: Record<string, [string, string | null]> = {
  health_check: ['Health of this service (database, messaging, caught up)', null],
  health_live: ['Liveness probe', null],
  health_ready: ['Readiness probe', null],
  health_metrics: ['Prometheus metrics', null],
  me_me: ['The caller\'s role', null],
  clusters_create: ['Create a cluster', 'Cluster'],
  clusters_list: ['List clusters', 'ClusterList'],
  clusters_get: ['Get a cluster', 'Cluster'],
  clusters_patch: ['Change a cluster\'s HA, DRS, DPM or admission settings', 'Cluster'],
  clusters_addHost: ['Add a host to a cluster', 'Host'],
  clusters_hosts: ['List the hosts of a cluster', 'HostList'],
  clusters_createRule: ['Create a rule group (affinity, anti-affinity, VM-host)', 'Rule'],
  clusters_rules: ['List the rules of a cluster', 'RuleList'],
  clusters_deleteRule: ['Delete a rule', null],
  clusters_drsRecommendations: ['DRS recommendations for a cluster', null],
  clusters_applyRecommendation: ['Apply a DRS recommendation', null],
  hosts_list: ['List hosts', 'HostList'],
  hosts_get: ['Get a host with every service\'s view of it', 'Host'],
  hosts_cpuModes: ['The CPU virtualization model of a host', null],
  hosts_runMix: ['Run an instruction mix under every CPU virtualization mode of a host', null],
  hosts_maintenance: ['Enter or exit maintenance (evacuates first)', null],
  hosts_power: ['Power a host on, off or to standby', 'Host'],
  hosts_fault: ['Inject a host fault (power loss, isolation, crash)', null],
  hosts_recover: ['Recover a host from an injected fault', null],
  vmBatch_batch: ['Create many VMs as one batch task', 'Task'],
  encapsulation_export: ['Export a VM as an archive (tar)', null],
  encapsulation_import: ['Import a VM archive', 'Task'],
  vms_create: ['Create a VM (a task)', 'Task'],
  vms_list: ['List VMs', 'VmList'],
  vms_get: ['Get a VM with every service\'s view of it', 'Vm'],
  vms_reconfigure: ['Reconfigure a VM (hot-add vCPUs or memory)', 'Vm'],
  vms_delete: ['Delete a VM', null],
  vms_history: ['The events of a VM', null],
  vms_translate: ['Translate a guest virtual address (GVA -> GPA -> HPA)', null],
  vms_translateMany: ['Translate many guest virtual addresses in order', null],
  vms_power: ['Power a VM on, off, suspend or reset', 'Vm'],
  vms_migrate: ['Migrate a VM to another host (a task)', 'Task'],
  vms_fault: ['Inject a VM fault', null],
  vms_installTools: ['Install the guest tools (paravirtual drivers) in a VM', null],
  vms_addDisk: ['Add a disk to a VM (hot-plug where the bus and guest allow)', null],
  vms_removeDisk: ['Remove a disk from a VM', null],
  vms_addNic: ['Add a NIC to a VM (hot-plug where the model and guest allow)', null],
  vms_removeNic: ['Remove a NIC from a VM', null],
  cpu_instructions: ['The instruction table of the CPU virtualization model', null],
  tasks_list: ['List tasks', 'TaskList'],
  tasks_get: ['Get a task (?wait=true waits for its end)', 'Task'],
  sim_now: ['The simulated clock: time, mode and rate', 'SimClock'],
  sim_advance: ['Advance the simulated clock by some seconds', null],
  sim_run: ['Run the simulated clock by itself at a rate', 'SimClock'],
  sim_pause: ['Pause the running simulated clock', 'SimClock'],
  events_list: ['Read the event log, page by page', null],
  events_stream: ['Follow the event log (server-sent events)', null],
  events_import: ['Import an event log into an empty or matching installation', null],
  state_state: ['Every service\'s state (optionally at a past log position)', null],
  state_hash: ['Every service\'s state hash', null],
  state_verify: ['Check every service\'s state against a replay of the log', null],
  audit_list: ['Audit trail: automatic decisions and who did what', null],
  leader_get: ['Which vrm leads', 'Leader'],
  invariants_list: ['Invariants of the system and their breaches', null],
  whatIf_run: ['Run a what-if on a copy of the log', null],
  whatIf_get: ['Get a what-if\'s result', null],
  guestOs_list: ['Known guest operating systems', null],
};

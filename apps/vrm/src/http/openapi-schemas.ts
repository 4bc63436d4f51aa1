// Response shapes for the OpenAPI document (issue 19): what a generated client types its answers with. They
// describe what apps/vrm/src/api/resources.ts and the controllers return; loose objects (more fields may come)
// so that adding a field to an answer is not a breaking change for a client. A schema named here and used inside
// another one is a $ref to it in the document. launcher/openapi.e2e.spec.ts checks real answers against them.
import { VmBios } from '@virtsim/contracts';
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

export const HaProtectionWarning = z.looseObject({
  unprotected: z.number().int().min(1).describe('running VMs HA does not protect'),
  vmIds: z.array(z.string()).describe('the first 20 of them by id'),
  message: z.string(),
}).describe('cluster HA is on but some running VMs are not HA-protected: a host failure leaves them down');

export const Cluster = z.looseObject({
  id, name: z.string(), hostCount: z.number().int(), vmCount: z.number().int(), ruleCount: z.number().int(),
  vmsByState: z.record(z.string(), z.number().int()),
  // null: HA is off, or every running VM is protected (optional in the document only: its example leaves it out)
  haProtection: HaProtectionWarning.nullable().optional(),
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
  bios: VmBios.describe('firmware, SMBIOS uuid and boot order: fixed at creation, kept by export and import (a copy gets a new uuid)'),
  cpuFeatures: z.array(z.string()).nullable().describe('CPU features the running or suspended guest saw at power-on (IMC); null when off'),
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
const count = z.number().int().min(0);
const anyRecord = z.record(z.string(), z.unknown());

const HealthIndicator = z.looseObject({ status: z.enum(['up', 'down']) });
export const Health = z.looseObject({
  status: z.enum(['ok', 'error', 'shutting_down']),
  info: z.record(z.string(), HealthIndicator).optional().describe('database, messaging, projections: the checks that passed'),
  error: z.record(z.string(), HealthIndicator).optional().describe('the checks that failed'),
  details: z.record(z.string(), HealthIndicator).optional(),
}).describe('a health check (liveness answers only status)');

export const Me = z.looseObject({
  role: z.enum(['admin', 'operator', 'auditor']),
  may: z.looseObject({ operate: z.boolean().describe('run VMs and hosts'), changePolicy: z.boolean().describe('change clusters, rules, policy') }),
});

/** a recorded event as the log holds it */
export const RecordedEvent = z.looseObject({
  position: z.number().int().min(1), streamId: z.string(), streamVersion: z.number().int().min(1), eventId: z.string(),
  type: z.string().describe('past-tense event type, e.g. VmPlaced'), schemaVersion: z.number().int().min(1),
  data: anyRecord, metadata: anyRecord.describe('simTime, actor, correlationId, causationId, ...'), recordedAt: z.string(),
});

export const DrsRecommendation = z.looseObject({
  id: z.string(), vmId: z.string(), vmName: z.string().nullable(), fromHostId: z.string(), toHostId: z.string(),
  priority: z.number().int().min(1).max(5), rationale: anyRecord.describe('why the move: reason (load, must-rule, ...), imbalance before and after, ruleId'),
});
export const DrsRecommendations = z.looseObject({
  clusterId: z.string(), passAt: z.number().nullable().describe('simulated time of the last DRS pass'),
  automation: z.string().describe('manual, partially-automated or fully-automated'), enabled: z.boolean(),
  items: z.array(DrsRecommendation),
});
export const DrsApplied = z.looseObject({
  clusterId: z.string(), recommendationId: z.string(), vmId: z.string(), fromHostId: z.string(), toHostId: z.string(),
  migrationId: z.string().nullable(), alreadyApplied: z.boolean().describe('true when this recommendation was applied before: nothing new started'),
});

const CpuTotals = z.looseObject({
  instructions: count, traps: count, hypercalls: count, vmExits: count, wrongResults: count,
  cycles: z.number(), nativeCycles: z.number(), overheadPercent: z.number(),
});
export const CpuModeRun = z.looseObject({
  mode: z.string(), arch: z.string(), hypervisorType: z.string(),
  rows: z.array(anyRecord).describe('one row per instruction and context: class, ring, trapped, handledBy, cycles'),
  byClass: z.record(z.string(), anyRecord), totals: CpuTotals,
});
export const CpuModeRefused = z.looseObject({
  refused: z.looseObject({ code: z.string(), rule: z.string().optional(), message: z.string() }).describe('why this mode cannot run the guest (e.g. paravirtual Windows)'),
});
const CpuModeOutcome = z.union([CpuModeRun, CpuModeRefused]);
export const HostCpuModes = z.looseObject({
  hostId: z.string(), vmId: z.string().nullable(), arch: z.string(), hypervisor: anyRecord, mixSource: z.string(), mode: z.string(),
  mix: anyRecord, result: CpuModeOutcome.describe('the host\'s own mode'), modes: z.record(z.string(), CpuModeOutcome),
});
export const CpuMixRun = z.looseObject({
  hostId: z.string(), hostMode: z.string(), hypervisorType: z.string(), guestFamily: z.enum(['linux', 'windows']),
  modes: z.record(z.string(), CpuModeOutcome).describe('mode -> the mix run under it, or why it was refused'),
});
export const InstructionCatalogue = z.looseObject({
  arch: z.string(), rings: z.array(z.looseObject({ ring: z.number().int(), holds: z.string() })),
  vmxOperations: z.record(z.string(), z.string()).nullable(),
  classes: z.record(z.string(), z.array(z.looseObject({ mnemonic: z.string(), note: z.string() }))),
  classicallyVirtualizable: z.boolean(), why: z.string(), modes: z.array(z.string()),
});

export const Evacuation = z.looseObject({
  hostId: z.string(), dryRun: z.boolean(),
  moves: z.array(z.looseObject({ vmId: z.string(), migrationId: z.string().optional(), targetHostId: z.string(), live: z.boolean(), state: z.enum(['queued', 'running']).optional() })),
  alreadyMoving: z.array(z.string()).describe('VMs already migrating off the host'),
});
export const HostMaintenance = Host.extend({
  evacuation: Evacuation.nullable().optional().describe('entering: the moves planned (null when the host had no VM)'),
  task: Task.nullable().optional().describe('entering: the task that follows the VMs leaving (null when none had to move)'),
});
export const HostFaultInjected = z.looseObject({
  hostId: z.string(), clusterId: z.string(), kind: z.enum(['power-loss', 'network-isolation', 'hypervisor-crash']), haEnabled: z.boolean(),
  vmsDown: z.array(z.string()), events: count.describe('events written'), position: z.number().int().optional(),
});
export const HostRecovered = z.looseObject({
  hostId: z.string(), clusterId: z.string(), cleared: z.string().nullable().describe('the fault cleared (null: none was injected)'), events: count, position: z.number().int().optional(),
});
export const VmFaultInjected = z.looseObject({
  vmId: z.string(), clusterId: z.string(), kind: z.enum(['guest-os-crash', 'vmm-process-crash']),
  detectable: z.boolean().describe('whether HA can see the crash (VM monitoring for a guest crash)'), haEnabled: z.boolean(), events: count, position: z.number().int().optional(),
});

export const Translation = z.looseObject({
  vmId: z.string(), hostId: z.string().nullable(), mode: z.string().describe('ept, shadow, ...'), gva: z.string(), gpa: z.string().nullable(), hpa: z.string().nullable(),
  guestPageKiB: z.number().int(), hostPageKiB: z.number().int(), tlb: z.enum(['hit', 'miss']), memoryReferences: count, nativeReferences: count,
  fault: z.string().nullable(), steps: z.array(anyRecord).describe('each page-table read of the walk'), tlbEntries: count,
});
export const TranslationList = z.object({ items: z.array(Translation) });

export const ClockAdvanced = z.looseObject({ tick: z.number().int(), simTime: z.number(), ticks: count.describe('steps run'), events: count.describe('events written') });

export const EventImported = z.looseObject({
  received: count, alreadyPresent: count.describe('events the log already held (compared, not stored twice)'), appended: count, head: z.number().int().describe('the log\'s last position'),
});

export const ServicesState = z.looseObject({
  position: z.number().int(), hash: z.string().describe('combined hash of every service\'s state'),
  services: z.record(z.string(), anyRecord).describe('service -> its projection state'),
});
export const ServicesHash = z.looseObject({ position: z.number().int(), hash: z.string(), services: z.record(z.string(), z.string()) });
export const Verification = z.looseObject({
  ok: z.boolean(),
  services: z.array(z.looseObject({ service: z.string(), position: z.number().int(), liveHash: z.string(), rebuiltHash: z.string(), equal: z.boolean() })),
});

export const AuditEntry = z.looseObject({
  position: z.number().int(), simTime: z.number().nullable(), type: z.string(), action: z.string().describe('drs, dpm, ha, memory, migration, placement, refusal, rules, ...'),
  vmId: z.string().nullable(), hostId: z.string().nullable().describe('of a move: where the VM went'), fromHostId: z.string().nullable(),
  rationale: z.unknown(), correlationId: z.string().nullable(), causationId: z.string().nullable(), data: anyRecord,
  sentence: z.string().describe('what happened (or did not, and why) in words'),
  whyNot: z.boolean().describe('true: the entry says what an automatic decision did NOT do, and why'),
});

export const Invariant = z.looseObject({
  id: z.string(), text: z.string(), protects: z.array(z.string()), status: z.enum(['holds', 'violated']),
  since: z.number().int().nullable(), sinceSimTime: z.number().nullable(), openBreaches: count, breaches: count,
  subjects: z.array(z.string()), lastEvidence: z.unknown(),
});
export const InvariantReport = z.looseObject({ position: z.number().int(), holds: z.boolean(), invariants: z.array(Invariant) });

export const WhatIfJob = z.looseObject({
  id: z.string(), state: z.enum(['queued', 'running', 'succeeded', 'failed']), progress: z.string(),
  result: z.looseObject({
    at: z.number().int().describe('the log position forked'), seconds: z.number(), steps: count,
    columns: z.array(z.looseObject({ name: z.string(), changes: z.array(z.unknown()), figures: anyRecord, hash: z.string(), position: z.number().int() })),
    table: z.array(z.array(z.union([z.string(), z.number(), z.null()]))).describe('rows of figures, first row the column names'),
  }).nullable(),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
});

/** every named response schema: components.schemas.<name> */
export const RESPONSE_SCHEMAS: Record<string, z.ZodType> = {
  Problem, HaProtectionWarning, Cluster, Host, Vm, Rule, Task, SimClock, Leader,
  ClusterList: pageOf(Cluster), HostList: pageOf(Host), VmList: pageOf(Vm), RuleList: pageOf(Rule), TaskList: pageOf(Task),
  Health, Me, RecordedEvent, EventList: pageOf(RecordedEvent), DrsRecommendation, DrsRecommendations, DrsApplied,
  CpuModeRun, CpuModeRefused, HostCpuModes, CpuMixRun, InstructionCatalogue, InstructionCatalogueList: z.object({ items: z.array(InstructionCatalogue) }),
  Evacuation, HostMaintenance, HostFaultInjected, HostRecovered, VmFaultInjected, Translation, TranslationList, ClockAdvanced,
  EventImported, ServicesState, ServicesHash, Verification, AuditEntry, AuditList: pageOf(AuditEntry), Invariant, InvariantReport, WhatIfJob,
};

/** an example for each named response schema a reader meets first */
export const EXAMPLES: Record<string, unknown> = {
  Problem: { type: 'https://virtsim.dev/problems/invalid', title: 'Bad request', status: 400, detail: 'invalid host', errors: [{ path: 'memoryMiB', message: 'Too small: expected number to be >=1024' }] },
  Cluster: { id: 'cluster-1', name: 'DC0_C0', hostCount: 4, vmCount: 8, ruleCount: 0, vmsByState: { running: 2, stopped: 6 } },
  Host: { id: 'host-1', clusterId: 'cluster-1', name: 'DC0_C0_H0', state: 'connected', power: 'on', maintenance: false, fault: null, threads: 32, vmCount: 2, vmIds: ['vm-1', 'vm-2'], spec: {} },
  Vm: {
    id: 'vm-1', name: 'DC0_C0_RP0_VM0', clusterId: 'cluster-1', state: 'running', hostId: 'host-1', vcpus: 2, memoryMiB: 4096, spec: {},
    bios: { firmware: 'bios', uuid: '51b16457-17a4-7859-d8e7-a3d7e574fe28', bootOrder: ['disk', 'cdrom', 'network'] }, cpuFeatures: ['sse4_2', 'avx', 'avx2'],
  },
  Task: { id: 'task-7', kind: 'vm.migrate', state: 'running', progress: 40 },
  SimClock: { simTime: 3600, tick: 360, mode: 'running', rate: 60 },
};

/** operationId -> [one-line summary, named response schema or null (no JSON body, or a schema the route declares itself)] */
export const OPERATIONS: Record<string, [string, string | null]> = {
  health_check: ['Health of this service (database, messaging, caught up)', 'Health'],
  health_live: ['Liveness probe', 'Health'],
  health_ready: ['Readiness probe', 'Health'],
  health_metrics: ['Prometheus metrics', null],
  me_me: ['The caller\'s role', 'Me'],
  clusters_create: ['Create a cluster', 'Cluster'],
  clusters_list: ['List clusters', 'ClusterList'],
  clusters_get: ['Get a cluster', 'Cluster'],
  clusters_patch: ['Change a cluster\'s HA, DRS, DPM or admission settings', 'Cluster'],
  clusters_addHost: ['Add a host to a cluster', 'Host'],
  clusters_hosts: ['List the hosts of a cluster', 'HostList'],
  clusters_createRule: ['Create a rule group (affinity, anti-affinity, VM-host)', 'Rule'],
  clusters_rules: ['List the rules of a cluster', 'RuleList'],
  clusters_deleteRule: ['Delete a rule', null],
  clusters_drsRecommendations: ['DRS recommendations for a cluster', 'DrsRecommendations'],
  clusters_applyRecommendation: ['Apply a DRS recommendation', 'DrsApplied'],
  hosts_list: ['List hosts', 'HostList'],
  hosts_get: ['Get a host with every service\'s view of it', 'Host'],
  hosts_cpuModes: ['The CPU virtualization model of a host', 'HostCpuModes'],
  hosts_runMix: ['Run an instruction mix under every CPU virtualization mode of a host', 'CpuMixRun'],
  hosts_maintenance: ['Enter or exit maintenance (evacuates first)', 'HostMaintenance'],
  hosts_power: ['Power a host on, off or to standby', 'Host'],
  hosts_fault: ['Inject a host fault (power loss, isolation, crash)', 'HostFaultInjected'],
  hosts_recover: ['Recover a host from an injected fault', 'HostRecovered'],
  vmBatch_batch: ['Create many VMs as one batch task', 'Task'],
  encapsulation_export: ['Export a stopped or suspended VM as files (tar: config with BIOS and saved state, disk descriptors)', null],
  encapsulation_import: ['Import an exported VM: the same VM (its id unless taken), or a copy with name', 'Task'],
  vms_create: ['Create a VM (a task)', 'Task'],
  vms_list: ['List VMs', 'VmList'],
  vms_get: ['Get a VM with every service\'s view of it', 'Vm'],
  vms_reconfigure: ['Reconfigure a VM (hot-add vCPUs or memory)', 'Vm'],
  vms_delete: ['Delete a VM', null],
  vms_history: ['The events of a VM', 'EventList'],
  vms_translate: ['Translate a guest virtual address (GVA -> GPA -> HPA)', 'Translation'],
  vms_translateMany: ['Translate many guest virtual addresses in order', 'TranslationList'],
  vms_power: ['Power a VM on, off, suspend or reset', 'Vm'],
  vms_migrate: ['Migrate a VM to another host (a task)', 'Task'],
  vms_fault: ['Inject a VM fault', 'VmFaultInjected'],
  vms_installTools: ['Install the guest tools (paravirtual drivers) in a VM', 'Task'],
  vms_addDisk: ['Add a disk to a VM (hot-plug where the bus and guest allow)', 'Vm'],
  vms_removeDisk: ['Remove a disk from a VM', 'Vm'],
  vms_addNic: ['Add a NIC to a VM (hot-plug where the model and guest allow)', 'Vm'],
  vms_removeNic: ['Remove a NIC from a VM', 'Vm'],
  cpu_instructions: ['The instruction table of the CPU virtualization model', 'InstructionCatalogueList'],
  tasks_list: ['List tasks', 'TaskList'],
  tasks_get: ['Get a task (?wait=true waits for its end)', 'Task'],
  sim_now: ['The simulated clock: time, mode and rate', 'SimClock'],
  sim_advance: ['Advance the simulated clock by some seconds', 'ClockAdvanced'],
  sim_run: ['Run the simulated clock by itself at a rate', 'SimClock'],
  sim_pause: ['Pause the running simulated clock', 'SimClock'],
  events_list: ['Read the event log, page by page', 'EventList'],
  events_stream: ['Follow the event log (server-sent events)', null],
  events_import: ['Import an event log into an empty or matching installation', 'EventImported'],
  state_state: ['Every service\'s state (optionally at a past log position)', 'ServicesState'],
  state_hash: ['Every service\'s state hash', 'ServicesHash'],
  state_verify: ['Check every service\'s state against a replay of the log', 'Verification'],
  audit_list: ['Audit trail: automatic decisions and who did what', 'AuditList'],
  leader_get: ['Which vrm leads', 'Leader'],
  invariants_list: ['Invariants of the system and their breaches', 'InvariantReport'],
  whatIf_run: ['Run a what-if on a copy of the log', 'WhatIfJob'],
  whatIf_get: ['Get a what-if\'s result', 'WhatIfJob'],
  guestOs_list: ['Known guest operating systems', null],
};

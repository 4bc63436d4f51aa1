// Issue 4: the scheduler at full cluster size (128 hosts, 8,000 running VMs, 20 rule groups of every kind),
// plain node: placement decision p50 / p99, one DRS pass, one scheduling tick, and the state's memory.
import { ClusterSpec, HostSpec, RuleSpec, VmSpec, type RecordedEvent } from '@virtsim/contracts';
import { placement } from '@virtsim/domain';
import { evolveScheduler, initialSchedulerState, type SchedulerState } from '../apps/scheduler/src/state.js';
import { planTick } from '../apps/scheduler/src/tick.js';
import { cpuMs, fmt, heapDeltaMiB, percentile, record, recordCompute, samplesOf } from './harness.js';

const HOSTS = 128;
const VMS = 8000;
const hostId = (i: number) => `h${String(i).padStart(3, '0')}`;
const vmId = (i: number) => `vm${String(i).padStart(5, '0')}`;

let position = 0;
const rec = (type: string, data: unknown): RecordedEvent => ({ position: ++position, streamId: 's', streamVersion: position, eventId: '', type, schemaVersion: 1, data, metadata: {}, recordedAt: '' });
const hostSpec = (name: string) => HostSpec.parse({
  name, memoryMiB: 262144, numaNodes: 2, hypervisor: { type: 'type1', mode: 'hardware-assisted' },
  cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx'] },
});

/** the setup log: 128 hosts, 8,000 running 1-vCPU / 2 GiB VMs round robin (the first 16 hosts' VMs busy), 20 rules */
export function schedulerLog(): RecordedEvent[] {
  const events: RecordedEvent[] = [rec('ClusterCreated', { clusterId: 'c1', spec: ClusterSpec.parse({ name: 'big', drs: { enabled: true, automation: 'manual', threshold: 5 }, dpm: { enabled: true } }) })];
  for (let h = 0; h < HOSTS; h++) events.push(rec('HostAdded', { hostId: hostId(h), clusterId: 'c1', spec: hostSpec(hostId(h)) }));
  for (let i = 0; i < VMS; i++) {
    const h = hostId(i % HOSTS);
    const spec = VmSpec.parse({ name: vmId(i), clusterId: 'c1', vcpus: 1, memoryMiB: 2048, guestOs: { family: 'linux', version: '22' }, workload: { cpuDemandMhz: i % HOSTS < 16 ? 4500 : 500, pattern: i % 2 ? 'diurnal' : 'constant' } });
    events.push(rec('VmCreationRequested', { vmId: vmId(i), spec }));
    events.push(rec('VmPlaced', { vmId: vmId(i), clusterId: 'c1', hostId: h, numa: { nodes: [i % 2], vcpusPerNode: [1], memoryMiBPerNode: [2048] }, brokenShouldRules: [], reason: 'seed' }));
    events.push(rec('VmStateChanged', { vmId: vmId(i), clusterId: 'c1', hostId: h, from: 'starting', to: 'running', reason: 'seed' }));
  }
  // 20 rule groups consistent with the round-robin layout (VM i on host i % 128): 5 of each kind
  const group = (start: number, n: number) => Array.from({ length: n }, (_, k) => vmId(start + k));
  const hostRange = (start: number, n: number) => Array.from({ length: n }, (_, k) => hostId(start + k));
  const onHosts = (first: number, width: number, n: number) => Array.from({ length: n }, (_, k) => vmId(k * HOSTS + first + (k % width)));
  const rule = (ruleId: string, spec: Omit<RuleSpec, 'name'>) => rec('RuleCreated', { ruleId, clusterId: 'c1', spec: RuleSpec.parse({ name: ruleId, ...spec }) });
  for (let g = 0; g < 5; g++) {
    events.push(rule(`anti-${g}`, { kind: 'vm-anti-affinity', vms: [...group(g * 10, 10), `new-${g}`] }));
    events.push(rule(`aff-${g}`, { kind: 'vm-affinity', vms: [vmId(1000 + g * HOSTS), `new-${g + 5}`] }));
    events.push(rule(`must-${g}`, { kind: 'vm-host-must', vms: onHosts(g * 20, 40, 60), hosts: hostRange(g * 20, 40) }));
    events.push(rule(`should-${g}`, { kind: 'vm-host-should', vms: [...onHosts(g * 10, 8, 60), `new-${g + 10}`], hosts: hostRange(g * 10, 8) }));
  }
  return events;
}

const fold = (events: RecordedEvent[]): SchedulerState => {
  const s = initialSchedulerState();
  for (const e of events) evolveScheduler(s, e);
  return s;
};

export async function benchScheduler(): Promise<void> {
  const log = schedulerLog();
  const { mib, value: state, exact } = heapDeltaMiB(() => fold(log));
  const p = state.placement;
  const rules = Object.keys(p.rules).length;
  const violations = placement.ruleViolations(p, 'c1').length;
  process.stderr.write(`  ${Object.keys(p.hosts).length} hosts, ${Object.keys(p.vms).length} VMs, ${rules} rules, ${violations} violations\n`);
  const foldMs = samplesOf(3, () => fold(log));
  recordCompute('scheduler', `fold of the ${log.length.toLocaleString('en-US')}-event setup log`, foldMs);
  const json = JSON.stringify(state).length / 1048576;
  record({ group: 'scheduler', name: 'state at 128 hosts / 8,000 VMs: heap delta / JSON size', ours: `${exact ? fmt(mib, ' MiB') : 'n/a (no gc)'} / ${fmt(json, ' MiB')}` });

  // placement decisions: new VMs of 1-4 vCPUs / 1-3 GiB, a quarter of them members of a rule group
  const decisions: number[] = [];
  for (let i = 0; i < 2020; i++) {
    const id = i % 4 === 0 ? `new-${i % 15}` : `fresh-${i}`;
    const spec = VmSpec.parse({ name: id, clusterId: 'c1', vcpus: 1 + (i % 4), memoryMiB: 1024 * (1 + (i % 3)), guestOs: { family: 'linux', version: '22' } });
    const { ms, value } = cpuMs(() => placement.placeVm(p, { vmId: id, spec }));
    if (!value.hostId) throw new Error('no host');
    if (i >= 20) decisions.push(ms);
  }
  record({ group: 'scheduler', name: 'placement decision (placeVm), 2,000 decisions: p50 / p99', ours: `${fmt(percentile(decisions, 50), ' ms')} / ${fmt(percentile(decisions, 99), ' ms')}`, target: 'p99 <= 2 ms', ok: percentile(decisions, 99) <= 2 });

  const drsRuns = samplesOf(5, () => placement.recommendDrs(p, { clusterId: 'c1', simTime: 300 }));
  const recs = placement.recommendDrs(p, { clusterId: 'c1', simTime: 300 }).length;
  recordCompute('scheduler', `one DRS pass (recommendDrs, ${recs} moves)`, drsRuns, 200);

  // the scheduling tick: publish the first tick's samples so the measured ticks are the steady state
  const first = planTick(state, { tick: 1, simTime: 10, tickSeconds: 10 });
  for (const list of first.appends.values()) for (const e of list) evolveScheduler(state, rec(e.type, e.data));
  const ticks = Array.from({ length: 7 }, (_, k) => cpuMs(() => planTick(state, { tick: 2 + k, simTime: 20 + 10 * k, tickSeconds: 10 })).ms);
  recordCompute('scheduler', 'one scheduling tick (vCPU scheduling of 8,000 VMs + DPM)', ticks, 50);
  const drsTicks = Array.from({ length: 3 }, () => cpuMs(() => planTick(state, { tick: 30, simTime: 300, tickSeconds: 10 })).ms);
  recordCompute('scheduler', 'a tick at a 300 s boundary (tick + DRS pass)', drsTicks);
}

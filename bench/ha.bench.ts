// Issue 7: HA restart planning when 8 hosts of a full cluster (128 hosts, 8,000 VMs) fail at once (~500 VMs):
// the ha-monitor's own tick (dry run -> scheduler.select-hosts -> real run -> inventory echo) in plain node, the
// scheduler's select-hosts answer computed as the scheduler does (placeVm on a scratch copy, one per restart).
// The failover wall time through a booted vrm is not measured here.
import { ClusterSpec, HostSpec, VmSpec, type EventOf, type GrantAnswer, type NumaPlacement, type RecordedEvent, type SelectHostsAnswer, type SelectHostsItem } from '@virtsim/contracts';
import { ha, placement } from '@virtsim/domain';
import { InventoryEcho } from '../apps/ha-monitor/src/echo.js';
import { grantPlacer, recordingPlacer } from '../apps/ha-monitor/src/placement.js';
import { evolveHaMonitor, initialHaMonitorState } from '../apps/ha-monitor/src/state.js';
import { evolveScheduler, initialSchedulerState, type SchedulerState } from '../apps/scheduler/src/state.js';
import { cpuMs, fmt, record, recordCompute } from './harness.js';

const HOSTS = 128;
const VMS = 8000;
const PRIORITIES = ['high', 'medium', 'low'] as const;
const hostId = (i: number) => `h${String(i).padStart(3, '0')}`;
let position = 0;
const rec = (streamId: string, e: EventOf): RecordedEvent => ({ position: ++position, streamId, streamVersion: 1, eventId: `${position}`, type: e.type, schemaVersion: 1, data: e.data, metadata: {}, recordedAt: '' });

function clusterLog(): RecordedEvent[] {
  const log: RecordedEvent[] = [];
  const add = (streamId: string, e: EventOf) => log.push(rec(streamId, e));
  add('cluster-c1', { type: 'ClusterCreated', data: { clusterId: 'c1', spec: ClusterSpec.parse({ name: 'big', cpuOvercommitRatio: 4, ha: { enabled: true, hostFailuresTolerated: 1, failureDetectionSeconds: 30, isolationResponse: 'power-off' } }) } });
  for (let h = 0; h < HOSTS; h++) {
    add('cluster-c1', { type: 'HostAdded', data: { hostId: hostId(h), clusterId: 'c1', spec: HostSpec.parse({
      name: hostId(h), memoryMiB: 1048576, numaNodes: 2, hypervisor: { type: 'type1', mode: 'hardware-assisted' },
      cpu: { sockets: 2, coresPerSocket: 32, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx'] }, datastores: [{ name: 'shared-ds', kind: 'shared', capacityGiB: 10240 }],
    }) } });
  }
  for (let v = 0; v < VMS; v++) {
    const vmId = `vm${v}`;
    const host = hostId(v % HOSTS);
    const spec = VmSpec.parse({ name: vmId, clusterId: 'c1', vcpus: 2, memoryMiB: 4096, toolsInstalled: true, guestOs: { family: 'linux', version: '22' }, ha: { enabled: true, priority: PRIORITIES[v % 3] } });
    add('cluster-c1', { type: 'VmCreationRequested', data: { vmId, spec } });
    add('placement-c1', { type: 'VmPlaced', data: { vmId, clusterId: 'c1', hostId: host, numa: { nodes: [v % 2], memoryMiBPerNode: [4096], vcpusPerNode: [2] }, brokenShouldRules: [], reason: 'seed' } });
    for (const [from, to] of [['creating', 'stopped'], ['stopped', 'starting'], ['starting', 'running']] as const) {
      add('cluster-c1', { type: 'VmStateChanged', data: { vmId, clusterId: 'c1', hostId: host, from, to, reason: 'seed' } });
    }
  }
  return log;
}

/** what scheduler.select-hosts does: one placeVm per restart unit on a scratch copy (grants count for the next) */
function selectHosts(state: SchedulerState, clusterId: string, requests: SelectHostsItem[]): SelectHostsAnswer {
  const scratch = placement.scratchCopy(state.placement);
  const grants: Record<string, GrantAnswer> = {};
  for (const item of requests) {
    for (const id of item.vmIds) placement.detachVm(scratch, id);
    const vm = scratch.vms[item.vmIds[0]!]!;
    try {
      const d = placement.placeVm(scratch, { vmId: vm.id, spec: vm.spec, excludeHosts: item.excludeHosts, preferHost: item.preferHost });
      placement.attachVm(scratch, vm.id, d.hostId, d.numa as NumaPlacement);
      grants[item.key] = { hostId: d.hostId, brokenShouldRules: d.brokenShouldRules, numa: d.numa };
    } catch (e) {
      grants[item.key] = { refused: (e as Error).message };
    }
  }
  return { clusterId, grants };
}

export async function benchHa(): Promise<void> {
  const log = clusterLog();
  const s = initialHaMonitorState();
  const sched = initialSchedulerState();
  for (const e of log) { evolveHaMonitor(s, e); evolveScheduler(sched, e); }
  const cs = s.clusters.c1!;
  const both = (e: EventOf) => { const r = rec('ha-c1', e); evolveHaMonitor(s, r); evolveScheduler(sched, r); };
  // 8 hosts lose power at once; detection takes the ticks at 10 s and 20 s
  for (let h = 0; h < 8; h++) for (const e of ha.decideHa({ type: 'InjectHostFault', hostId: hostId(h * 16), kind: 'power-loss', simTime: 0 }, cs)) both(e);
  for (const t of [10, 20]) {
    const r = ha.haTick(cs, { simTime: t, tickSeconds: 10, place: recordingPlacer().place });
    for (const e of r.events) both(e);
  }
  const tick = { simTime: 30, tickSeconds: 10 };
  const run = () => {
    const dry = cpuMs(() => { const recorder = recordingPlacer(); ha.haTick(cs, { ...tick, place: recorder.place }); return recorder.items(); });
    const answer = cpuMs(() => selectHosts(sched, 'c1', dry.value));
    const real = cpuMs(() => {
      const r = ha.haTick(cs, { ...tick, place: grantPlacer(answer.value).place });
      const echo = new InventoryEcho(s, cs);
      for (const e of r.events) echo.apply(e);
      return r.events;
    });
    return { dry: dry.ms, select: answer.ms, real: real.ms, total: dry.ms + answer.ms + real.ms, units: dry.value.length, restarted: real.value.filter((e) => e.type === 'VmRestarted').length };
  };
  run();
  const runs = Array.from({ length: 5 }, run);
  const last = runs[runs.length - 1]!;
  process.stderr.write(`  ${last.units} restart units, ${last.restarted} VMs restarted; dry ${last.dry.toFixed(1)} / select-hosts ${last.select.toFixed(1)} / real+echo ${last.real.toFixed(1)} ms\n`);
  recordCompute('ha', `restart planning, 8 of 128 hosts fail (${last.restarted} VMs): HA tick + select-hosts`, runs.map((r) => r.total), 100);
  record({ group: 'ha', name: '  of which: dry run / scheduler select-hosts / real run + inventory echo', ours: [runs.map((r) => r.dry), runs.map((r) => r.select), runs.map((r) => r.real)].map((x) => fmt([...x].sort((a, b) => a - b)[2]!, ' ms')).join(' / ') });
}

// Issue 8: the migration service at full cluster size (128 hosts, 8,000 VMs, 10 GbE), plain node:
//  - ~500 concurrent live migrations advanced by one 10 s tick (decideTick: the pure part of migration.tick)
//  - maintenance evacuation of a host with 62 VMs: planning time of migration.evacuate (the service's own
//    command with its select-hosts answered as the scheduler computes it, io-backend saying "no passthrough"),
//    then simulated time until the host is empty, ticking the service's own migration.tick every 10 s.
import { ClusterSpec, HostSpec, VmSpec, type EventOf, type NumaPlacement, type RecordedEvent } from '@virtsim/contracts';
import { migration, placement } from '@virtsim/domain';
import type { AppendBatch } from '@virtsim/event-store';
import { StepDecisions, StepOutcomes, type ServiceContext } from '@virtsim/service-kit';
import { Migrations } from '../apps/migration/src/commands.js';
import { decideTick } from '../apps/migration/src/tick.js';
import { evolveMigrationService, initialMigrationServiceState, type MigrationServiceState } from '../apps/migration/src/state.js';
import { evolveScheduler, initialSchedulerState, type SchedulerState } from '../apps/scheduler/src/state.js';
import { cpuMs, fmt, record, recordCompute } from './harness.js';

const HOSTS = 128;
const VMS = 8000;
const hostId = (i: number) => `h${String(i % HOSTS).padStart(3, '0')}`;
let position = 0;
const rec = (streamId: string, e: EventOf): RecordedEvent => ({ position: ++position, streamId, streamVersion: 1, eventId: `e${position}`, type: e.type, schemaVersion: 1, data: e.data, metadata: {}, recordedAt: '' });

/** 128 hosts (64 threads, 512 GiB, 10 GbE), 8,000 running VMs of 1-5 GiB dirtying 5-34 MiB/s, round robin */
function clusterLog(): RecordedEvent[] {
  const log: RecordedEvent[] = [];
  const add = (streamId: string, e: EventOf) => log.push(rec(streamId, e));
  add('cluster-c1', { type: 'ClusterCreated', data: { clusterId: 'c1', spec: ClusterSpec.parse({ name: 'c1', seed: 3 }) } });
  for (let i = 0; i < HOSTS; i++) {
    add('cluster-c1', { type: 'HostAdded', data: { hostId: hostId(i), clusterId: 'c1', spec: HostSpec.parse({
      name: hostId(i), memoryMiB: 524288, numaNodes: 2, hypervisor: { type: 'type1', mode: 'hardware-assisted' }, migrationNetworkGbps: 10,
      cpu: { sockets: 2, coresPerSocket: 16, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx'] },
    }) } });
  }
  for (let i = 0; i < VMS; i++) {
    const vmId = `vm${i}`;
    const memoryMiB = 1024 + (i % 5) * 1024;
    const spec = VmSpec.parse({ name: vmId, clusterId: 'c1', vcpus: 2, memoryMiB, guestOs: { family: 'linux', version: '22' }, workload: { dirtyRateMiBps: 5 + (i % 30) } });
    add('cluster-c1', { type: 'VmCreationRequested', data: { vmId, spec } });
    add('placement-c1', { type: 'VmPlaced', data: { vmId, clusterId: 'c1', hostId: hostId(i), numa: { nodes: [i % 2], memoryMiBPerNode: [memoryMiB], vcpusPerNode: [2] }, brokenShouldRules: [], reason: 'seed' } });
    for (const [from, to] of [['creating', 'stopped'], ['stopped', 'starting'], ['starting', 'running']]) {
      add(`vm-${vmId}`, { type: 'VmStateChanged', data: { vmId, clusterId: 'c1', hostId: hostId(i), from, to, reason: 'seed' } });
    }
  }
  return log;
}

function fold(log: RecordedEvent[]): MigrationServiceState {
  const s = initialMigrationServiceState();
  for (const e of log) evolveMigrationService(s, e);
  return s;
}

async function concurrentTick(log: RecordedEvent[]): Promise<void> {
  const s = fold(log);
  const n = 512; // 8 per host on 10 GbE: at most 512 run at once on 128 hosts
  for (let i = 0; i < n; i++) {
    const vm = s.vms[`vm${i}`]!;
    const facts = (id: string) => ({ id, name: id, clusterId: 'c1', up: true, maintenance: false, migrationNetworkGbps: 10 as const, cpuFeatures: [] });
    const events = migration.migrationDecider.decide({
      type: 'RequestLiveMigration', migrationId: `m${i + 1}`, at: 0, capacity: { fits: true }, source: facts(hostId(i)), target: facts(hostId(i + 1 + (i % 7))),
      vm: { id: `vm${i}`, name: vm.name, clusterId: 'c1', state: 'running', hostId: hostId(i), memoryMiB: vm.memoryMiB, disksGiB: [], cpuFeatures: [], passthroughDevices: [], workload: vm.workload },
    }, s.m);
    for (const e of events) evolveMigrationService(s, rec('migration-c1', e));
  }
  const running = Object.values(s.m.migrations).filter((m) => m.status === 'running').length;
  const first = Array.from({ length: 5 }, () => cpuMs(() => decideTick(s, { simTime: 10, tickSeconds: 10 })).ms);
  recordCompute('migration', `${running} concurrent live migrations advanced by one 10 s tick (first tick)`, first, 50);
  const worst: number[] = [];
  let completed = 0;
  for (let t = 10; t <= 120 && completed < n; t += 10) {
    const r = cpuMs(() => decideTick(s, { simTime: t, tickSeconds: 10 }));
    worst.push(r.ms);
    for (const e of r.value.events) evolveMigrationService(s, rec('migration-c1', e));
    completed += r.value.events.filter((e) => e.type === 'MigrationCompleted').length;
  }
  record({ group: 'migration', name: `  every tick until all ${n} complete (${worst.length} ticks): worst`, ours: fmt(Math.max(...worst), ' ms'), target: '<= 50 ms', ok: Math.max(...worst) <= 50 });
}

/** scheduler.select-hosts as the scheduler computes it: placeVm per request on a scratch copy */
function selectHosts(state: SchedulerState, requests: { key: string; vmIds: string[]; excludeHosts: string[] }[]) {
  const scratch = placement.scratchCopy(state.placement);
  const grants: Record<string, unknown> = {};
  for (const item of requests) {
    const vm = scratch.vms[item.vmIds[0]!]!;
    placement.detachVm(scratch, vm.id);
    try {
      const d = placement.placeVm(scratch, { vmId: vm.id, spec: vm.spec, excludeHosts: item.excludeHosts });
      placement.attachVm(scratch, vm.id, d.hostId, d.numa as NumaPlacement);
      grants[item.key] = { hostId: d.hostId, numa: d.numa, brokenShouldRules: d.brokenShouldRules };
    } catch (e) {
      grants[item.key] = { refused: (e as Error).message };
    }
  }
  return { grants };
}

async function evacuation(log: RecordedEvent[]): Promise<void> {
  const s = fold(log);
  const sched = initialSchedulerState();
  for (const e of log) evolveScheduler(sched, e);
  const target = hostId(127);
  const onHost = Object.keys(s.hostVms[target] ?? {}).length;
  let selectMs = 0;
  const ctx = {
    state: s,
    log: { warn: () => undefined, info: () => undefined, error: () => undefined, debug: () => undefined },
    projection: { catchUp: async () => undefined },
    commands: {
      expected: () => 'any',
      run: async (f: (st: MigrationServiceState) => unknown) => {
        const d = (await f(s)) as { appends: AppendBatch[]; result: object };
        for (const b of d.appends) for (const e of b.events) { const r = rec(b.streamId, e as EventOf); evolveMigrationService(s, r); evolveScheduler(sched, r); }
        return { ...d.result, position };
      },
    },
    call: (rpc: { subject: string }, body: never) => ctx.request(rpc.subject, body),
    // keyed commands run as idempotent steps (service-kit); here each is decided afresh
    runSteps: (f: (st: MigrationServiceState, steps: StepDecisions) => unknown) => ctx.commands.run((st) => f(st, new StepDecisions('migration', new StepOutcomes('migration')))),
    request: async (subject: string, body: { requests?: { key: string; vmIds: string[]; excludeHosts: string[] }[] }) => {
      if (subject === 'io-backend.can-migrate') return { ok: true, blockingDevices: [] };
      if (subject === 'scheduler.select-hosts') { const r = cpuMs(() => selectHosts(sched, body.requests!)); selectMs += r.ms; return r.value; }
      throw new Error(`unexpected request ${subject}`);
    },
  };
  const svc = new Migrations(ctx as unknown as ServiceContext<MigrationServiceState>);
  const start = process.cpuUsage();
  const answer = await svc.evacuate({ hostId: target, reason: 'maintenance', dryRun: false });
  const used = process.cpuUsage(start);
  const planMs = (used.user + used.system) / 1000;
  record({ group: 'migration', name: `evacuation of a host with ${onHost} VMs: planning (migration.evacuate incl. select-hosts ${fmt(selectMs, ' ms')})`, ours: fmt(planMs, ' ms') });
  let simTime = 0;
  let tick = 0;
  const tickMs: number[] = [];
  while (Object.keys(s.hostVms[target] ?? {}).length > 0 && simTime < 3600) {
    tick++;
    simTime += 10;
    const t0 = process.cpuUsage();
    await svc.tick({ tick, simTime, tickSeconds: 10 });
    const u = process.cpuUsage(t0);
    tickMs.push((u.user + u.system) / 1000);
  }
  const left = Object.keys(s.hostVms[target] ?? {}).length;
  record({ group: 'migration', name: `  simulated time until the host is empty (${answer.moves.length} moves, 10 s ticks)`, ours: left ? `not empty after ${simTime} s (${left} left)` : `${simTime} s (${tick} ticks, worst tick ${fmt(Math.max(...tickMs), ' ms')})` });
}

export async function benchMigration(): Promise<void> {
  const log = clusterLog();
  await concurrentTick(log);
  await evacuation(log);
}

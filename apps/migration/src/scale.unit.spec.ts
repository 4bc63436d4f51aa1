// Scale of the migration shell without a database: the projection folds a large log in place (O(1) per event),
// and one tick with ~500 concurrent live migrations is decided well within budget.
import type { EventOf, RecordedEvent } from '@virtsim/contracts';
import { migration } from '@virtsim/domain';
import { decideTick } from './tick.js';
import { evolveMigrationService, initialMigrationServiceState, type MigrationServiceState } from './state.js';

const HOSTS = 128;
const hostId = (i: number) => `h${String(i % HOSTS).padStart(3, '0')}`;

function recorder() {
  let position = 0;
  return (streamId: string, e: EventOf): RecordedEvent => ({
    position: ++position, streamId, streamVersion: 1, eventId: `e${position}`, type: e.type, schemaVersion: 1, data: e.data, metadata: {}, recordedAt: '',
  });
}

function seed(vms: number): { s: MigrationServiceState; fold: (streamId: string, e: EventOf) => void } {
  const s = initialMigrationServiceState();
  const rec = recorder();
  const fold = (streamId: string, e: EventOf) => { evolveMigrationService(s, rec(streamId, e)); };
  fold('cluster-c1', { type: 'ClusterCreated', data: { clusterId: 'c1', spec: { name: 'c1', seed: 3 } } });
  for (let i = 0; i < HOSTS; i++) {
    fold('cluster-c1', { type: 'HostAdded', data: { hostId: hostId(i), clusterId: 'c1', spec: { name: hostId(i), migrationNetworkGbps: 10, cpu: { vendor: 'intel', features: [] } } } });
  }
  for (let i = 0; i < vms; i++) {
    const vmId = `vm${i}`;
    fold('cluster-c1', { type: 'VmCreationRequested', data: { vmId, spec: { name: vmId, clusterId: 'c1', vcpus: 2, memoryMiB: 1024 + (i % 5) * 1024, workload: { dirtyRateMiBps: 5 + (i % 30) }, disks: [] } } });
    fold('placement-c1', { type: 'VmPlaced', data: { vmId, clusterId: 'c1', hostId: hostId(i), numa: { nodes: [0], memoryMiBPerNode: [1024], vcpusPerNode: [2] }, brokenShouldRules: [], reason: 'seed' } });
    for (const [from, to] of [['creating', 'stopped'], ['stopped', 'starting'], ['starting', 'running']]) {
      fold(`vm-${vmId}`, { type: 'VmStateChanged', data: { vmId, clusterId: 'c1', hostId: hostId(i), from, to, reason: 'seed' } });
    }
  }
  return { s, fold };
}

describe('migration shell at scale', () => {
  it('folds 200k inventory events in place, well under 10 us each', () => {
    const t0 = performance.now();
    const { s, fold } = seed(20_000); // 20k VMs x 5 events + hosts
    for (let i = 0; i < 100_000; i++) fold('clock', { type: 'ClockAdvanced', data: { tick: i, simTime: i * 10, tickSeconds: 10 } });
    const ms = performance.now() - t0;
    if (process.env.PERF_LOG) console.log(`fold 200k events: ${ms.toFixed(0)} ms`);
    expect(Object.keys(s.vms)).toHaveLength(20_000);
    // timing is measured by `npm run bench`, never asserted: a loaded CI machine is no benchmark
    console.log(`timing (scale.unit.spec.ts): ms / 200_000 = ${ms / 200_000}`);
  });

  it('500 concurrent live migrations (128 hosts, 10 GbE) advanced by one 10 s tick well within 50 ms', () => {
    const n = 512;
    const { s, fold } = seed(n);
    // request every move through the domain, fold the events as the projection would
    for (let i = 0; i < n; i++) {
      const vm = s.vms[`vm${i}`]!;
      const src = hostId(i); const dst = hostId(i + 1 + (i % 7));
      const facts = (id: string) => ({ id, name: id, clusterId: 'c1', up: true, maintenance: false, migrationNetworkGbps: 10 as const, cpuFeatures: [] });
      const events = migration.migrationDecider.decide({
        type: 'RequestLiveMigration', migrationId: `m${i + 1}`, at: 0, capacity: { fits: true }, source: facts(src), target: facts(dst),
        vm: { id: `vm${i}`, name: vm.name, clusterId: 'c1', state: 'running', hostId: src, memoryMiB: vm.memoryMiB, disksGiB: [], cpuFeatures: [], passthroughDevices: [], workload: vm.workload },
      }, s.m);
      for (const e of events) fold('migration-c1', e);
    }
    const running = Object.values(s.m.migrations).filter((m) => m.status === 'running').length;
    expect(running).toBeGreaterThan(450);
    // the first tick (every migration in round 0, ~800 events) decided repeatedly: it is pure
    const first: number[] = [];
    for (let k = 0; k < 5; k++) { const t0 = performance.now(); decideTick(s, { simTime: 10, tickSeconds: 10 }); first.push(performance.now() - t0); }
    if (process.env.PERF_LOG) console.log(`first tick x5: ${first.map((x) => x.toFixed(1)).join(' ')} ms`);
    let worst = 0; let completed = 0;
    for (let t = 10; t <= 60; t += 10) {
      const t0 = performance.now();
      const { events } = decideTick(s, { simTime: t, tickSeconds: 10 });
      worst = Math.max(worst, performance.now() - t0);
      for (const e of events) fold('migration-c1', e);
      completed += events.filter((e) => e.type === 'MigrationCompleted').length;
      if (process.env.PERF_LOG) console.log(`tick ${t}: ${events.length} events, ${(performance.now() - t0).toFixed(1)} ms`);
    }
    expect(completed).toBe(n);
    expect(Object.keys(s.finished)).toHaveLength(n);
    // timing is measured by `npm run bench`, never asserted: a loaded CI machine is no benchmark
    console.log(`timing (scale.unit.spec.ts): worst = ${worst}`);
  });
});

// migration booted over PostgreSQL on NATS and in-process, beside a fake scheduler (select-host / select-hosts)
// and a fake io-backend (can-migrate). The log is seeded with the inventory events the vrm, scheduler and HA would
// have written; the clock is advanced the way the vrm does it (ClockAdvanced on `clock`, then migration.tick).
import { Controller, Module } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { unprocessable, VirtsimError, type EventOf } from '@virtsim/contracts';
import { bootService, loadConfig, Runtime, type RunningService } from '@virtsim/service-kit';
import { createTestDatabase, lawfulLifecycle, natsUrl, seededVm, uniqueName } from '@virtsim/testing';
import { migrationDefinition } from './service.js';
import type { MigrationServiceState } from './state.js';

const AVX512 = ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl'];
const BASE = ['fpu', 'sse', 'sse2', 'avx', 'avx2'];

const clusterCreated = (clusterId: string): EventOf => ({
  type: 'ClusterCreated',
  data: { clusterId, spec: { name: clusterId, cpuOvercommitRatio: 4, memoryOvercommit: false, memoryOvercommitRatio: 1.5, seed: 1 } },
});
const hostAdded = (clusterId: string, hostId: string, gbps: 1 | 10 = 1, features: string[] = BASE): EventOf => ({
  type: 'HostAdded',
  data: {
    hostId, clusterId,
    spec: {
      name: `${hostId}-name`, memoryMiB: 262144, numaNodes: 2, hugePagesMiB: 0, pciDevices: [], migrationNetworkGbps: gbps,
      datastores: [{ name: 'shared-ds', kind: 'shared', capacityGiB: 10240 }],
      cpu: { sockets: 1, coresPerSocket: 32, threadsPerCore: 1, mhz: 2600, vendor: 'intel', model: 'x', arch: 'x86', features },
      hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' },
    },
  },
});
interface VmOpts { memoryMiB?: number; dirty?: number; state?: 'running' | 'stopped' }
function vmEvents(clusterId: string, vmId: string, hostId: string, o: VmOpts = {}): ReturnType<typeof seededVm> {
  return seededVm(clusterId, vmId, hostId, {
    memoryMiB: o.memoryMiB, state: o.state,
    spec: { workload: { cpuDemandMhz: 500, activeMemoryMiB: 256, dirtyRateMiBps: o.dirty ?? 1, iops: 100, ioSizeKiB: 8, readRatio: 0.7, pattern: 'constant' } },
  });
}

// ---- fakes: hosts of each cluster in preference order; 'full1' never has room; VMs named pinned-* fit nowhere
const CLUSTER_HOSTS: Record<string, string[]> = {};
const VM_CLUSTER: Record<string, string> = {};
const grantNuma = { nodes: [1], memoryMiBPerNode: [1024], vcpusPerNode: [2] };

@Controller()
class FakeScheduler {
  @MessagePattern('scheduler.select-host')
  selectHost(@Payload() req: { vmId: string; excludeHosts?: string[]; preferHost?: string }) {
    const hosts = (CLUSTER_HOSTS[VM_CLUSTER[req.vmId] ?? ''] ?? []).filter((h) => !(req.excludeHosts ?? []).includes(h));
    const ok = hosts.filter((h) => h !== 'full1');
    if (!ok.length) {
      throw unprocessable('placement.noHost', `no host can take VM ${req.vmId}`, { filters: [{ filter: 'excluded', rejected: 3 }, { filter: 'memory', rejected: hosts.length }] });
    }
    const hostId = req.preferHost && ok.includes(req.preferHost) ? req.preferHost : ok[0]!;
    return { vmId: req.vmId, hostId, numa: grantNuma, brokenShouldRules: [], gpus: [], loadAfter: 0.1 };
  }

  @MessagePattern('scheduler.select-hosts')
  selectHosts(@Payload() req: { clusterId: string; requests: { key: string; vmIds: string[]; excludeHosts: string[] }[] }) {
    const grants: Record<string, unknown> = {};
    for (const r of req.requests) {
      const hostId = (CLUSTER_HOSTS[req.clusterId] ?? []).find((h) => !r.excludeHosts.includes(h) && h !== 'full1');
      grants[r.key] = r.key.startsWith('pinned') || !hostId ? { refused: 'memory: no host has 1024 MiB free' } : { hostId, numa: grantNuma, brokenShouldRules: [] };
    }
    return { clusterId: req.clusterId, grants };
  }
}
@Controller()
class FakeIo {
  @MessagePattern('io-backend.can-migrate')
  canMigrate(@Payload() req: { vmId: string }) {
    if (req.vmId.startsWith('gpu')) return { ok: false, blockingDevices: [{ deviceId: 'dev-1', guestName: 'gpu0', mode: 'passthrough', hostModel: 'NVIDIA A100', pciIndex: 0 }] };
    return { ok: true, blockingDevices: [] };
  }
}
@Module({ controllers: [FakeScheduler] })
class FakeSchedulerModule {}
@Module({ controllers: [FakeIo] })
class FakeIoModule {}
const fake = (name: 'scheduler' | 'io-backend', module: unknown) => ({
  name, module: module as never, projection: { name: `fake-${name}`, initialState: () => ({}), evolve: (s: object) => s },
});

describe.each(['nats', 'in-process'] as const)('migration over %s', (transport) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let rt: Runtime;
  let svc: RunningService<MigrationServiceState>;
  let fakes: RunningService<object>[] = [];
  const clock = { tick: 0, simTime: 0 };

  const ask = (pattern: string, data: unknown) => svc.ctx.request<any>(pattern, data, 20000);
  const fails = (pattern: string, data: unknown) => ask(pattern, data).then(() => { throw new Error(`${pattern} answered`); }, (e) => VirtsimError.from(e));
  const stream = (id: string) => rt.store.readStream(id);
  const append = (streamId: string, events: EventOf[]) => rt.store.append({ streamId, expectedVersion: 'any', events }, { simTime: clock.simTime });

  async function seedCluster(clusterId: string, hosts: { id: string; gbps?: 1 | 10; features?: string[] }[], vms: { id: string; host: string; o?: VmOpts }[]) {
    CLUSTER_HOSTS[clusterId] = hosts.map((h) => h.id);
    for (const vm of vms) VM_CLUSTER[vm.id] = clusterId;
    const cluster: EventOf[] = [clusterCreated(clusterId), ...hosts.map((h) => hostAdded(clusterId, h.id, h.gbps, h.features))];
    const placement: EventOf[] = [];
    for (const vm of vms) {
      const e = vmEvents(clusterId, vm.id, vm.host, vm.o);
      cluster.push(...e.cluster);
      placement.push(...e.placement);
    }
    await append(`cluster-${clusterId}`, cluster);
    if (placement.length) await append(`placement-${clusterId}`, placement);
  }

  /** the vrm's clock: ClockAdvanced, then the migration phase */
  async function advance(ticks: number, tickSeconds = 10) {
    const answers = [];
    for (let i = 0; i < ticks; i++) {
      clock.tick++;
      clock.simTime += tickSeconds;
      await append('clock', [{ type: 'ClockAdvanced', data: { tick: clock.tick, simTime: clock.simTime, tickSeconds } }]);
      answers.push(await ask('migration.tick', { tick: clock.tick, simTime: clock.simTime, tickSeconds, correlationId: `tick-${clock.tick}` }));
    }
    return answers;
  }

  const ofMigration = async (clusterId: string, migrationId: string) =>
    (await stream(`migration-${clusterId}`)).filter((e) => (e.data as { migrationId: string }).migrationId === migrationId);

  /** every VmStateChanged of a VM (seed + migration) must be a lawful hop from where the previous one left it */
  const lifecycle = (vmId: string, clusterId: string) => lawfulLifecycle(rt.store, vmId, clusterId);

  beforeAll(async () => {
    db = await createTestDatabase(`mig_${transport}`);
    const env = { DATABASE_URL: db.url, VIRTSIM_SUBJECT_PREFIX: uniqueName('mig'), LOG_LEVEL: 'silent', ...(transport === 'nats' ? { NATS_URL: natsUrl() } : {}) };
    rt = await Runtime.create(loadConfig(env));
    // c1 (1 GbE): a* basic live move, b* concurrency, f* target failure, e* refused evacuation, g* evacuation, k* cancel
    await seedCluster('c1', [
      { id: 'a1' }, { id: 'a2' }, { id: 'b1' }, { id: 'b2' }, { id: 'f1' }, { id: 'f2' }, { id: 'full1' }, { id: 'e1' }, { id: 'g1' }, { id: 'g2', gbps: 10 }, { id: 'k1' }, { id: 'k2' }, { id: 's1' }, { id: 's2' },
    ], [
      { id: 'small', host: 'a1' }, { id: 'gpu-vm', host: 'a1' }, { id: 'off', host: 'a1', o: { state: 'stopped' } },
      ...[1, 2, 3, 4, 5].map((i) => ({ id: `conc${i}`, host: 'b1' })),
      { id: 'big', host: 'f1', o: { memoryMiB: 4096 } },
      { id: 'e-ok', host: 'e1' }, { id: 'gpu-e', host: 'e1' }, { id: 'pinned-e', host: 'e1', o: { state: 'stopped' } },
      { id: 'g-run', host: 'g1', o: { memoryMiB: 2048 } }, { id: 'g-off', host: 'g1', o: { state: 'stopped' } },
      { id: 'k-vm', host: 'k1', o: { memoryMiB: 8192 } }, { id: 'src-vm', host: 's1', o: { memoryMiB: 4096 } },
    ]);
    // c2 (no IMC baseline): x1 has AVX-512, x2 does not
    await seedCluster('c2', [{ id: 'x1', gbps: 10, features: [...BASE, ...AVX512] }, { id: 'x2', gbps: 10, features: BASE }], [{ id: 'imc-vm', host: 'x1' }]);
    fakes = [await bootService(rt, fake('scheduler', FakeSchedulerModule)), await bootService(rt, fake('io-backend', FakeIoModule))];
    svc = await bootService(rt, migrationDefinition);
  });
  afterAll(async () => {
    await svc.stop();
    for (const f of fakes) await f.stop();
    await rt.close();
    await db.drop();
  });

  test('a 1 GiB live move over 1 GbE with a low dirty rate completes in one 10 s tick (~8.7 s): rounds, VmRelocated, running again', async () => {
    const started = await ask('migration.start', { vmId: 'small', targetHostId: 'a2', live: true, reason: 'operator', requestedBy: 'api', correlationId: 'corr-1' });
    expect(started).toMatchObject({ migrationId: 'm1', vmId: 'small', kind: 'live', sourceHostId: 'a1', targetHostId: 'a2', state: 'running' });
    const requested = await ofMigration('c1', 'm1');
    expect(requested.map((e) => e.type)).toEqual(['MigrationRequested', 'MigrationStarted']);
    expect(requested[0]!.data).toMatchObject({ numa: grantNuma, reason: 'operator', requestedBy: 'api', memoryMiB: 1024 });
    expect(requested[0]!.metadata).toMatchObject({ simTime: 0, correlationId: 'corr-1' });
    expect((await stream('vm-small')).map((e) => e.data)).toEqual([expect.objectContaining({ from: 'running', to: 'migrating', hostId: 'a1' })]);
    expect(await ask('migration.status', { migrationId: 'm1' })).toMatchObject({ migrationId: 'm1', vmId: 'small', state: 'running', progress: 0 });

    const [tick] = await advance(1);
    expect(tick).toMatchObject({ completed: 1 });
    const done = (await ofMigration('c1', 'm1')).find((e) => e.type === 'MigrationCompleted')!;
    const c = done.data as { totalSeconds: number; downtimeMs: number; rounds: unknown[]; outcome: string; sentMiB: number };
    expect(c.outcome).toBe('converged');
    expect(c.rounds.length).toBeGreaterThanOrEqual(1);
    expect(c.totalSeconds).toBeGreaterThan(8.5);
    expect(c.totalSeconds).toBeLessThan(9);
    expect(c.downtimeMs).toBeGreaterThan(20);
    expect(c.downtimeMs).toBeLessThan(300);
    expect(done.metadata).toMatchObject({ simTime: 10, tick: 1, correlationId: 'tick-1' });

    const { states, events } = await lifecycle('small', 'c1');
    expect(states.slice(-2)).toEqual(['migrating', 'running']);
    expect(events.map((e) => e.type)).toEqual(['VmStateChanged', 'VmRelocated', 'VmStateChanged']);
    expect(events[1]!.data).toMatchObject({ fromHostId: 'a1', toHostId: 'a2', numa: grantNuma, reason: 'live-migration' });

    const status = await ask('migration.status', { migrationId: 'm1' });
    expect(status).toMatchObject({ state: 'succeeded', progress: 100, result: { sourceHostId: 'a1', targetHostId: 'a2', outcome: 'converged', totalSeconds: c.totalSeconds } });
    expect(status.result.rounds[0]).toMatchObject({ index: 0, sentMiB: 1024 });
    expect(await ask('migration.vm', { vmId: 'small' })).toMatchObject({ current: null, last: { migrationId: 'm1', state: 'succeeded' } });
    // a repeated tick decides nothing again
    expect(await ask('migration.tick', { tick: 1, simTime: 10, tickSeconds: 10 })).toMatchObject({ events: 0, repeated: true });
  });

  test('refusals: VM state, IMC features, passthrough, full target, target cluster, bad payload; nothing appended', async () => {
    expect(await fails('migration.start', { vmId: 'off', targetHostId: 'a2', live: true })).toMatchObject({ code: 'conflict', details: { rule: 'migration.vm-state' } });
    const imc = await fails('migration.start', { vmId: 'imc-vm', targetHostId: 'x2' });
    expect(imc).toMatchObject({ code: 'conflict', details: { rule: 'imc.features', hostId: 'x2' } });
    expect(imc.message).toContain('avx512f');
    expect((imc.details as { missing: string[] }).missing).toEqual([...AVX512].sort());
    const pt = await fails('migration.start', { vmId: 'gpu-vm', targetHostId: 'a2' });
    expect(pt).toMatchObject({ code: 'conflict', details: { rule: 'migration.passthrough' } });
    expect(pt.message).toContain('gpu0');
    const full = await fails('migration.start', { vmId: 'gpu-vm', targetHostId: 'full1', live: false });
    expect(full).toMatchObject({ code: 'conflict', details: { rule: 'migration.vm-state' } }); // running: not cold
    const cap = await fails('migration.start', { vmId: 'off', targetHostId: 'full1', live: false });
    expect(cap).toMatchObject({ code: 'unprocessable', details: { rule: 'migration.capacity', hostId: 'full1' } });
    expect(cap.message).toContain('memory');
    // leaving the cluster (C4): an unknown target cluster, a named host outside the named cluster
    expect(await fails('migration.start', { vmId: 'off', targetClusterId: 'c9', live: false })).toMatchObject({ code: 'not-found' });
    expect(await fails('migration.start', { vmId: 'off', targetClusterId: 'c1', targetHostId: 'x2', live: false })).toMatchObject({ code: 'conflict', details: { rule: 'migration.target-host', targetClusterId: 'c1' } });
    expect(await fails('migration.start', { vmId: 'nope' })).toMatchObject({ code: 'not-found' });
    expect(await fails('migration.start', { vmId: '' })).toMatchObject({ code: 'invalid' });
    for (const vm of ['off', 'imc-vm', 'gpu-vm']) expect(await stream(`vm-${vm}`)).toHaveLength(0);
    expect(await stream('migration-c2')).toHaveLength(0);
  });

  test('a stopped VM moves cold to the host the scheduler picks, and comes back stopped; on the shared datastore both mount only its 1 MiB of configuration moves', async () => {
    const r = await ask('migration.start', { vmId: 'off', live: false, idempotencyKey: 'off:move' });
    expect(r).toMatchObject({ kind: 'cold', sourceHostId: 'a1', targetHostId: 'a2', state: 'running' });
    expect(await ask('migration.start', { vmId: 'off', live: false, idempotencyKey: 'off:move' })).toMatchObject({ migrationId: r.migrationId, repeated: true });
    await advance(1); // the 10 GiB disk stays on shared-ds (both hosts mount it): 1 MiB over 1 GbE, well within the tick
    expect(await ask('migration.status', { migrationId: r.migrationId })).toMatchObject({ state: 'succeeded', kind: 'cold', result: { outcome: 'copied', sentMiB: 1 } });
    const { states, events } = await lifecycle('off', 'c1');
    expect(states.slice(-2)).toEqual(['migrating', 'stopped']);
    expect(events[1]).toMatchObject({ type: 'VmRelocated', data: { reason: 'cold-migration', toHostId: 'a2' } });
  });

  test('4 concurrent migrations per 1 GbE host: the 5th is queued, starts when a slot frees, all complete', async () => {
    const ids: string[] = [];
    const states: string[] = [];
    for (const i of [1, 2, 3, 4, 5]) {
      const r = await ask('migration.start', { vmId: `conc${i}`, targetHostId: 'b2' });
      ids.push(r.migrationId);
      states.push(r.state);
    }
    expect(states).toEqual(['running', 'running', 'running', 'running', 'queued']);
    const host = await ask('migration.host', { hostId: 'b1' });
    expect(host).toMatchObject({ networkGbps: 1, limits: { maxConcurrent: 4 }, link: { running: 4, maxConcurrent: 4, free: 0 } });
    expect(host.running).toHaveLength(4);
    expect(host.queued.map((q: { migrationId: string }) => q.migrationId)).toEqual([ids[4]]);
    expect(await ask('migration.status', { migrationId: ids[4] })).toMatchObject({ state: 'queued', progress: 0 });

    await advance(8);
    const log = await stream('migration-c1');
    const at = (type: string, id: string) => log.findIndex((e) => e.type === type && (e.data as { migrationId: string }).migrationId === id);
    for (const id of ids) expect(at('MigrationCompleted', id)).toBeGreaterThan(0);
    const firstDone = Math.min(...ids.slice(0, 4).map((id) => at('MigrationCompleted', id)));
    expect(at('MigrationStarted', ids[4]!)).toBeGreaterThan(firstDone);
    expect((await ask('migration.host', { hostId: 'b1' })).link.running).toBe(0);
  });

  test('the target host fails mid-migration: rolled back, the VM stays running on its source', async () => {
    const { migrationId } = await ask('migration.start', { vmId: 'big', targetHostId: 'f2' });
    await advance(1);
    const mid = await ask('migration.status', { migrationId });
    expect(mid).toMatchObject({ state: 'running', phase: 'pre-copy' });
    expect(mid.progress).toBeGreaterThan(10);
    expect(mid.progress).toBeLessThan(60);
    expect(await ask('migration.vm', { vmId: 'big' })).toMatchObject({ current: { migrationId, state: 'running' } });

    await append('ha-c1', [
      { type: 'HostFailureDetected', data: { clusterId: 'c1', simTime: clock.simTime, hostId: 'f2', missedSeconds: 30, reason: 'no heartbeat' } },
      { type: 'HostFenced', data: { clusterId: 'c1', simTime: clock.simTime, hostId: 'f2', method: 'power-lost', vmIds: [], reason: 'fenced' } },
    ]);
    const [tick] = await advance(1);
    expect(tick).toMatchObject({ failed: 1 });
    const types = (await ofMigration('c1', migrationId)).map((e) => e.type);
    expect(types).toContain('MigrationRolledBack');
    expect(types).not.toContain('MigrationCompleted');
    const { states, events } = await lifecycle('big', 'c1');
    expect(states.slice(-2)).toEqual(['migrating', 'running']);
    expect(events.some((e) => e.type === 'VmRelocated')).toBe(false);
    expect(events.at(-1)!.data).toMatchObject({ hostId: 'f1', to: 'running' });
    expect(await ask('migration.status', { migrationId })).toMatchObject({
      state: 'failed', result: { outcome: 'rolled-back', sourceHostId: 'f1', targetHostId: 'f2' }, error: { details: { rule: 'migration.rolled-back' } },
    });
    // a new move to the failed host is refused
    expect(await fails('migration.start', { vmId: 'big', targetHostId: 'f2' })).toMatchObject({ details: { rule: 'migration.target-host' } });
  });

  test('the source host loses power mid-migration: aborted at the next tick, the VM is left to HA (no state change from migration)', async () => {
    const { migrationId } = await ask('migration.start', { vmId: 'src-vm', targetHostId: 's2' });
    await advance(1);
    // the injected fault cuts the migration at once, before HA detects it (and with HA off, nothing ever would)
    await append('ha-c1', [{ type: 'HostFaultInjected', data: { clusterId: 'c1', simTime: clock.simTime, hostId: 's1', kind: 'power-loss' } }]);
    await advance(1);
    expect((await ofMigration('c1', migrationId)).map((e) => e.type)).toContain('MigrationAborted');
    expect((await stream('vm-src-vm')).map((e) => (e.data as { to?: string }).to)).toEqual(['migrating']);
    expect(await ask('migration.status', { migrationId })).toMatchObject({ state: 'failed', result: { outcome: 'aborted' }, error: { details: { rule: 'migration.aborted' } } });
    expect(await ask('migration.vm', { vmId: 'src-vm' })).toMatchObject({ current: null, last: { migrationId } });
  });

  test('cancel: the running migration ends, the VM is running on its source again; cancelling twice is refused', async () => {
    const { migrationId } = await ask('migration.start', { vmId: 'k-vm', targetHostId: 'k2' });
    expect(await fails('migration.start', { vmId: 'k-vm', targetHostId: 'k2' })).toMatchObject({ details: { rule: 'migration.in-progress' } });
    await advance(1);
    expect(await ask('migration.cancel', { migrationId })).toMatchObject({ migrationId, state: 'cancelled', rolledBack: true });
    expect(await ask('migration.status', { migrationId })).toMatchObject({ state: 'cancelled', error: { details: { rule: 'migration.cancelled' } } });
    expect(await fails('migration.cancel', { migrationId })).toMatchObject({ code: 'conflict', details: { rule: 'migration.finished' } });
    expect(await fails('migration.cancel', { migrationId: 'm999' })).toMatchObject({ code: 'not-found' });
    const { states } = await lifecycle('k-vm', 'c1');
    expect(states.slice(-2)).toEqual(['migrating', 'running']);
  });

  test('evacuation: refused listing each VM that cannot move (nothing appended); a movable host: dry run, then the moves', async () => {
    const before = (await stream('migration-c1')).length;
    const err = await fails('migration.evacuate', { hostId: 'e1', reason: 'maintenance', dryRun: true });
    expect(err).toMatchObject({ code: 'conflict', details: { rule: 'migration.evacuation', hostId: 'e1' } });
    const refusals = (err.details as { refusals: { vmId: string; reason: string }[] }).refusals;
    expect(refusals.map((r) => r.vmId).sort()).toEqual(['gpu-e', 'pinned-e']);
    expect(refusals.find((r) => r.vmId === 'gpu-e')!.reason).toContain('gpu0');
    expect(err.message).toContain('pinned-e');
    expect(await fails('migration.evacuate', { hostId: 'e1', reason: 'maintenance', dryRun: false })).toMatchObject({ details: { rule: 'migration.evacuation' } });
    expect((await stream('migration-c1')).length).toBe(before);
    expect(await stream('vm-e-ok')).toHaveLength(0);

    const dry = await ask('migration.evacuate', { hostId: 'g1', reason: 'maintenance', dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, moves: [{ vmId: 'g-run', live: true }, { vmId: 'g-off', live: false }] });
    expect((await stream('migration-c1')).length).toBe(before);
    const real = await ask('migration.evacuate', { hostId: 'g1', reason: 'maintenance', dryRun: false });
    expect(real.moves).toEqual([
      expect.objectContaining({ vmId: 'g-run', live: true, migrationId: expect.stringMatching(/^m\d+$/) }),
      expect.objectContaining({ vmId: 'g-off', live: false }),
    ]);
    for (const m of real.moves) expect(m.targetHostId).not.toBe('g1');
    expect(await ask('migration.evacuate', { hostId: 'g1', reason: 'maintenance', dryRun: true })).toMatchObject({ moves: [], alreadyMoving: ['g-off', 'g-run'] });
    await advance(12);
    for (const m of real.moves) expect(await ask('migration.status', { migrationId: m.migrationId })).toMatchObject({ state: 'succeeded' });
    expect((await lifecycle('g-off', 'c1')).states.at(-1)).toBe('stopped');
    expect((await lifecycle('g-run', 'c1')).states.at(-1)).toBe('running');
  });

  test('after a restart (state rebuilt from the log) a repeated start answers from the log: the success, and the refusal', async () => {
    const refused = await fails('migration.start', { vmId: 'off', targetHostId: 'full1', live: false, idempotencyKey: 'off:full' });
    expect(refused).toMatchObject({ code: 'unprocessable', details: { rule: 'migration.capacity' } });
    const before = await rt.store.headPosition();
    await svc.stop();
    svc = await bootService(rt, migrationDefinition);
    const first = (await stream('migration-c1')).find((e) => e.metadata.idempotencyKey === 'off:move')!;
    expect(await ask('migration.start', { vmId: 'off', live: false, idempotencyKey: 'off:move' })).toMatchObject({ migrationId: (first.data as { migrationId: string }).migrationId, repeated: true });
    const again = await fails('migration.start', { vmId: 'off', targetHostId: 'full1', live: false, idempotencyKey: 'off:full' });
    expect({ code: again.code, message: again.message }).toEqual({ code: refused.code, message: refused.message });
    expect(await rt.store.headPosition()).toBe(before);
    expect((await stream('steps-migration')).map((e) => (e.data as { idempotencyKey: string }).idempotencyKey)).toEqual(['off:full']);
  });

  test('the projection replays to the same hash', async () => {
    const verify = await ask('migration.verify', {});
    expect(verify).toMatchObject({ service: 'migration', equal: true });
  });
});

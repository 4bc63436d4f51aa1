// The memory-manager booted over PostgreSQL on both transports: reserve / release (saga steps), power-on
// check, online grow, translation walk, read models, and ticks: relocation follow-up, offline resize, and an
// overcommitted host that shares, balloons and swaps. The log is seeded with inventory and placement events
// appended directly.
import { ClusterSpec, HostSpec, VirtsimError, VmSpec, type EventOf, type RecordedEvent } from '@virtsim/contracts';
import { bootService, loadConfig, Runtime, type RunningService } from '@virtsim/service-kit';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { memoryManagerDefinition } from './service.js';
import type { MemoryManagerState } from './state.js';

const cluster = (clusterId: string, over: Record<string, unknown> = {}): EventOf => ({ type: 'ClusterCreated', data: { clusterId, spec: ClusterSpec.parse({ name: clusterId, ...over }) } });
const host = (hostId: string, clusterId: string, memoryMiB: number, over: Record<string, unknown> = {}): EventOf => ({
  type: 'HostAdded',
  data: {
    hostId, clusterId,
    spec: HostSpec.parse({
      name: hostId, memoryMiB, numaNodes: 1, hypervisor: { type: 'type1', mode: 'hardware-assisted' },
      cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept'] },
      ...over,
    }),
  },
});
const vmRequested = (vmId: string, clusterId: string, over: Record<string, unknown> = {}): EventOf => ({
  type: 'VmCreationRequested',
  data: { vmId, spec: VmSpec.parse({ name: vmId, clusterId, vcpus: 2, memoryMiB: 4096, guestOs: { family: 'linux', distro: 'ubuntu', version: '22.04' }, ...over }) },
});
const numa1 = (vcpus: number, memoryMiB: number) => ({ nodes: [0], vcpusPerNode: [vcpus], memoryMiBPerNode: [memoryMiB] });
const placed = (vmId: string, clusterId: string, hostId: string, memoryMiB = 4096): EventOf =>
  ({ type: 'VmPlaced', data: { vmId, clusterId, hostId, numa: numa1(2, memoryMiB), brokenShouldRules: [], reason: 'seed' } });
const running = (vmId: string, clusterId: string, hostId: string): EventOf =>
  ({ type: 'VmStateChanged', data: { vmId, clusterId, hostId, from: 'stopped', to: 'running', reason: 'seed' } });

describe.each(['nats', 'in-process'] as const)('memory-manager over %s', (transport) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let rt: Runtime;
  let svc: RunningService<MemoryManagerState>;

  const seed = (streamId: string, events: EventOf[], simTime = 0) =>
    rt.store.append({ streamId, expectedVersion: 'any', events: events.map((e) => ({ type: e.type, data: e.data })) }, { simTime });
  const ask = (pattern: string, data: unknown) => svc.ctx.request<any>(pattern, data, 10_000);
  const fail = (pattern: string, data: unknown) => ask(pattern, data).then(() => { throw new Error(`${pattern} answered`); }, (e) => e as VirtsimError);
  const stream = async (streamId: string): Promise<RecordedEvent<any>[]> => rt.store.readStream(streamId);
  let clock = 0;
  /** a tick that reclaimed memory, asked again later */
  let repeatedTick: { tick: number; simTime: number; tickSeconds: number };
  const tick = async () => {
    clock++;
    await seed('clock', [{ type: 'ClockAdvanced', data: { tick: clock, simTime: clock * 10, tickSeconds: 10 } }], clock * 10);
    return ask('memory-manager.tick', { tick: clock, simTime: clock * 10, tickSeconds: 10 });
  };

  beforeAll(async () => {
    db = await createTestDatabase(`mem_${transport}`);
    const env = { DATABASE_URL: db.url, VIRTSIM_SUBJECT_PREFIX: uniqueName('mem'), LOG_LEVEL: 'silent', ...(transport === 'nats' ? { NATS_URL: natsUrl() } : {}) };
    rt = await Runtime.create(loadConfig(env));
    // c1 (no overcommit): hp1 16 GiB with an 8 GiB huge-page pool, e1 / e2 32 GiB EPT hosts
    // c2 (overcommit 1.5x): o1 16 GiB
    await seed('cluster-c1', [cluster('c1'), host('hp1', 'c1', 16384, { hugePagesMiB: 8192 }), host('e1', 'c1', 32768), host('e2', 'c1', 32768)]);
    await seed('cluster-c2', [cluster('c2', { memoryOvercommit: true, memoryOvercommitRatio: 1.5, seed: 7 }), host('o1', 'c2', 16384)]);
    await seed('vm-hv1', [vmRequested('hv1', 'c1', { hugePages: true })]);
    await seed('vm-hv2', [vmRequested('hv2', 'c1', { hugePages: true, memoryMiB: 6144 })]);
    for (const id of ['ev1', 'ev2', 'ev3', 'lost']) await seed(`vm-${id}`, [vmRequested(id, 'c1')]);
    await seed('placement-c1', [placed('hv1', 'c1', 'hp1'), placed('hv2', 'c1', 'hp1', 6144), placed('ev1', 'c1', 'e1'), placed('ev2', 'c1', 'e1'), placed('ev3', 'c1', 'e1')]);
    // 3,800 of 4,096 MiB active: touched at the first tick (M4: only touched memory is resident)
    for (let i = 1; i <= 5; i++) await seed(`vm-o${i}`, [vmRequested(`o${i}`, 'c2', { memoryMiB: 4096, workload: { activeMemoryMiB: 3800 } })]);
    await seed('placement-c2', [1, 2, 3, 4, 5].map((i) => placed(`o${i}`, 'c2', 'o1')));
    svc = await bootService(rt, memoryManagerDefinition);
  });
  afterAll(async () => {
    await svc?.stop();
    await rt?.close();
    await db?.drop();
  });

  test('reserve on a huge-page host: VmMemoryReserved on memory-c1, backed by the pool; a repeat answers the same', async () => {
    const r = await ask('memory-manager.reserve-memory', { vmId: 'hv1', idempotencyKey: 'hv1:reserve-memory', correlationId: 'corr-hv1' });
    expect(r).toMatchObject({ vmId: 'hv1', hostId: 'hp1', clusterId: 'c1', memoryMiB: 4096, hugeBacked: true, backedMiB: 4096, alreadyReserved: false, numa: { nodes: [0] } });
    const events = await stream('memory-c1');
    expect(events.map((e) => [e.type, e.data.vmId, e.data.hostId, e.data.hugeBacked])).toEqual([['VmMemoryReserved', 'hv1', 'hp1', true]]);
    expect(events[0]!.metadata).toMatchObject({ simTime: 0, correlationId: 'corr-hv1' });
    expect(await ask('memory-manager.reserve-memory', { vmId: 'hv1', idempotencyKey: 'hv1:reserve-memory' })).toMatchObject({ hostId: 'hp1', hugeBacked: true, repeated: true });
    expect(await stream('memory-c1')).toHaveLength(1);
    const h = await ask('memory-manager.host', { hostId: 'hp1' });
    expect(h.hugePages).toEqual({ totalMiB: 8192, freeMiB: 4096, reservedMiB: 4096 });
    expect(h.nodes[0]).toMatchObject({ hugePoolMiB: 8192, hugeUsedMiB: 4096 });
  });

  test('the pool is short: 422 memory.hugePagesShort with the figures, nothing appended; the repeat answers the same', async () => {
    const err = await fail('memory-manager.reserve-memory', { vmId: 'hv2', idempotencyKey: 'hv2:reserve-memory' });
    expect(err).toBeInstanceOf(VirtsimError);
    expect(err).toMatchObject({ code: 'unprocessable', details: { rule: 'memory.hugePagesShort', freeMiB: 4096, neededMiB: 6144 } });
    expect(err.message).toMatch(/huge-page pool is short/);
    expect(await fail('memory-manager.reserve-memory', { vmId: 'hv2', idempotencyKey: 'hv2:reserve-memory' })).toMatchObject({ code: 'unprocessable', details: { rule: 'memory.hugePagesShort' } });
    expect(await stream('memory-c1')).toHaveLength(1);
    // power-on check of the same VM there: the same refusal, no events
    expect(await fail('memory-manager.check-power-on', { vmId: 'hv2', hostId: 'hp1' })).toMatchObject({ code: 'unprocessable', details: { rule: 'memory.hugePagesShort' } });
    expect(await ask('memory-manager.check-power-on', { vmId: 'hv1', hostId: 'hp1' })).toEqual({ ok: true, vmId: 'hv1', hostId: 'hp1', warnings: [] });
    // not placed / unknown / bad payload
    expect(await fail('memory-manager.reserve-memory', { vmId: 'lost', idempotencyKey: 'lost:reserve-memory' })).toMatchObject({ code: 'conflict', details: { rule: 'memory.notPlaced' } });
    expect(await fail('memory-manager.reserve-memory', { vmId: 'nobody' })).toMatchObject({ code: 'not-found' });
    expect(await fail('memory-manager.reserve-memory', { idempotencyKey: 'x' })).toMatchObject({ code: 'invalid' });
  });

  test('release is idempotent: VmMemoryReleased once, then a no-op', async () => {
    const released = await ask('memory-manager.release-memory', { vmId: 'hv1', idempotencyKey: 'hv1:reserve-memory:undo' });
    expect(released).toMatchObject({ released: true, hostId: 'hp1', freedMiB: expect.any(Number) });
    expect(await ask('memory-manager.release-memory', { vmId: 'hv1', idempotencyKey: 'hv1:reserve-memory:undo' })).toMatchObject({ ...released, position: expect.any(Number), repeated: true });
    expect(await ask('memory-manager.release-memory', { vmId: 'hv1', idempotencyKey: 'another' })).toMatchObject({ released: false, hostId: null });
    expect(await ask('memory-manager.release-memory', { vmId: 'hv2', idempotencyKey: 'hv2:reserve-memory:undo' })).toMatchObject({ released: false });
    expect((await stream('memory-c1')).map((e) => e.type)).toEqual(['VmMemoryReserved', 'VmMemoryReleased']);
    expect((await ask('memory-manager.host', { hostId: 'hp1' })).hugePages).toEqual({ totalMiB: 8192, freeMiB: 8192, reservedMiB: 0 });
  });

  test('translate a GVA on an EPT host: 24 references on a TLB miss (4 x 4 two-dimensional walk), then a TLB hit', async () => {
    await ask('memory-manager.reserve-memory', { vmId: 'ev1', idempotencyKey: 'ev1:reserve-memory' });
    const t = await ask('memory-manager.translate', { vmId: 'ev1', gva: '0x7f0012345678' });
    expect(t).toMatchObject({ vmId: 'ev1', hostId: 'e1', mode: 'ept', gva: '0x7f0012345678', tlb: 'miss', memoryReferences: 24, nativeReferences: 4, guestPageKiB: 4, hostPageKiB: 4, fault: null });
    expect(t.steps).toHaveLength(24);
    expect(t.steps.filter((s: any) => s.kind === 'guest')).toHaveLength(4);
    expect(t.steps.filter((s: any) => s.kind === 'ept')).toHaveLength(20);
    expect(t.steps[0]).toMatchObject({ step: 1, kind: 'ept', level: 4, space: 'hpa', tableAddress: expect.stringMatching(/^0x[0-9a-f]+$/), entry: expect.stringMatching(/^0x/) });
    expect(t.steps[4]).toMatchObject({ kind: 'guest', level: 4, index: Number((0x7f0012345678n >> 39n) & 511n), space: 'gpa' });
    expect(t.gpa).toMatch(/^0x[0-9a-f]+$/);
    expect(t.gpa.slice(-3)).toBe('678');
    expect(t.hpa).toMatch(/678$/);
    const again = await ask('memory-manager.translate', { vmId: 'ev1', gva: '0x7f0012345abc' });
    expect(again).toMatchObject({ tlb: 'hit', memoryReferences: 0, steps: [] });
    expect(again.hpa.slice(0, -3)).toBe(t.hpa.slice(0, -3));
    expect(await ask('memory-manager.translate', { vmId: 'ev1', gva: '0x7f0012345abc', flushTlb: true })).toMatchObject({ tlb: 'miss', memoryReferences: 24 });
    expect(await fail('memory-manager.translate', { vmId: 'ev1', gva: '0x800000000000' })).toMatchObject({ code: 'invalid' });
    expect(await fail('memory-manager.translate', { vmId: 'ev1', gva: '12' })).toMatchObject({ code: 'invalid' });
    expect(await fail('memory-manager.translate', { vmId: 'hv2', gva: '0x1000' })).toMatchObject({ code: 'conflict', details: { rule: 'memory.notReserved' } });
  });

  test('memory-manager.vm: breakdown, translation mode and cost', async () => {
    await seed('vm-ev1', [running('ev1', 'c1', 'e1')]);
    const v = await ask('memory-manager.vm', { vmId: 'ev1' });
    expect(v).toMatchObject({
      vmId: 'ev1', hostId: 'e1', memoryMiB: 4096, grantedMiB: 4096, sharedMiB: 0, balloonedMiB: 0, swappedMiB: 0, activeMiB: 256, power: 'running',
      translation: { mode: 'ept', walkReferences: 24, nativeReferences: 4 },
      translationCost: { mode: 'ept', walkReferences: 24, shadowMhz: 0 },
    });
    expect(await fail('memory-manager.vm', { vmId: 'nobody' })).toMatchObject({ code: 'not-found' });
    expect(await fail('memory-manager.host', { hostId: 'nobody' })).toMatchObject({ code: 'not-found' });
  });

  test('grow online: VmMemoryResized; shrinking a running VM is refused', async () => {
    const r = await ask('memory-manager.grow', { vmId: 'ev1', memoryMiB: 6144 });
    expect(r).toMatchObject({ ok: true, fromMiB: 4096, toMiB: 6144, online: true, changed: true });
    const last = (await stream('memory-c1')).at(-1)!;
    expect(last).toMatchObject({ type: 'VmMemoryResized', data: { vmId: 'ev1', hostId: 'e1', fromMiB: 4096, toMiB: 6144, online: true } });
    expect(await fail('memory-manager.grow', { vmId: 'ev1', memoryMiB: 2048 })).toMatchObject({ code: 'conflict', details: { rule: 'memory.shrinkOnline' } });
    // the vrm then records VmReconfigured with the size memory already has: nothing pending
    await seed('vm-ev1', [{ type: 'VmReconfigured', data: { vmId: 'ev1', clusterId: 'c1', vcpus: 2, memoryMiB: 6144, pendingVcpus: null } }]);
    expect((await ask('memory-manager.vm', { vmId: 'ev1' })).pendingResizeMiB).toBeNull();
  });

  test('tick: memory follows a relocation (VmMemoryMoved) and an offline resize (VmMemoryResized)', async () => {
    await ask('memory-manager.reserve-memory', { vmId: 'ev2', idempotencyKey: 'ev2:reserve-memory' });
    await ask('memory-manager.reserve-memory', { vmId: 'ev3', idempotencyKey: 'ev3:reserve-memory' });
    await seed('placement-c1', [{ type: 'VmRelocated', data: { vmId: 'ev2', clusterId: 'c1', fromHostId: 'e1', toHostId: 'e2', numa: numa1(2, 4096), reason: 'cold-migration' } }]);
    await seed('vm-ev3', [{ type: 'VmReconfigured', data: { vmId: 'ev3', clusterId: 'c1', vcpus: 2, memoryMiB: 2048, pendingVcpus: null } }]);
    expect(await ask('memory-manager.vm', { vmId: 'ev2' })).toMatchObject({ hostId: 'e1', pendingMoveTo: 'e2' });
    const r = await tick();
    expect(r.moved).toEqual([{ vmId: 'ev2', fromHostId: 'e1', toHostId: 'e2', overLimit: false }]);
    expect(r.resized).toEqual(['ev3']);
    const events = (await stream('memory-c1')).filter((e) => e.metadata.simTime === clock * 10);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['VmMemoryMoved', 'VmMemoryResized']));
    const moved = events.find((e) => e.type === 'VmMemoryMoved')!;
    expect(moved.data).toMatchObject({ vmId: 'ev2', fromHostId: 'e1', toHostId: 'e2' });
    expect(moved.metadata.simTime).toBe(clock * 10);
    expect(await ask('memory-manager.vm', { vmId: 'ev2' })).toMatchObject({ hostId: 'e2', pendingMoveTo: null });
    expect(await ask('memory-manager.vm', { vmId: 'ev3' })).toMatchObject({ memoryMiB: 2048, pendingResizeMiB: null });
    expect((await ask('memory-manager.host', { hostId: 'e2' })).vmCount).toBe(1);
    // a quiet tick appends nothing
    expect((await tick()).events).toBe(0);
  });

  test('overcommitted 1.5x host: sharing, then ballooning, then swapping; the VM view shows it', async () => {
    for (let i = 1; i <= 5; i++) {
      expect(await ask('memory-manager.reserve-memory', { vmId: `o${i}`, idempotencyKey: `o${i}:reserve-memory` })).toMatchObject({ hostId: 'o1', hugeBacked: false });
    }
    // a sixth 4 GiB VM would pass the 1.5x limit
    await seed('vm-o6', [vmRequested('o6', 'c2', { memoryMiB: 4096 }), placed('o6', 'c2', 'o1')]);
    expect(await fail('memory-manager.reserve-memory', { vmId: 'o6', idempotencyKey: 'o6:reserve-memory' })).toMatchObject({ code: 'unprocessable', details: { rule: 'memory.overcommit' } });
    const host = await ask('memory-manager.host', { hostId: 'o1' });
    expect(host.overcommit).toBeGreaterThan(1.3);
    // four VMs on: page sharing only (the host stays high)
    await seed('vm-o', [1, 2, 3, 4].map((i) => running(`o${i}`, 'c2', 'o1')));
    const t1 = await tick();
    const afterFour = await stream('memory-c2');
    expect(afterFour.filter((e) => e.metadata.simTime === clock * 10).map((e) => e.type)).toEqual([...Array(4).fill('GuestMemoryTouched'), ...Array(4).fill('PagesShared')]);
    expect(afterFour.find((e) => e.type === 'GuestMemoryTouched')!.data).toMatchObject({ touchedMiB: 3800, deltaMiB: 3800 });
    expect(t1.events).toBe(8);
    expect((await ask('memory-manager.host', { hostId: 'o1' })).freeState).toBe('high');
    // the fifth: free memory below 1% -> low: balloon at 32 MiB/s per VM, swap the rest
    await seed('vm-o5', [running('o5', 'c2', 'o1')]);
    const t2 = await tick();
    const second = (await stream('memory-c2')).filter((e) => e.metadata.simTime === clock * 10);
    expect(t2.events).toBe(second.length);
    // the vrm asks again (the answer was lost): the first answer, from the log; nothing ballooned or swapped twice
    const logged = (await stream('memory-c2')).length;
    repeatedTick = { tick: clock, simTime: clock * 10, tickSeconds: 10 };
    const { position: _p, ...answer } = t2;
    expect(await ask('memory-manager.tick', repeatedTick)).toEqual({ ...answer, position: expect.any(Number), repeated: true });
    expect(await stream('memory-c2')).toHaveLength(logged);
    expect(second[0]!).toMatchObject({ type: 'HostMemoryStateChanged', data: { hostId: 'o1', from: 'high', to: 'low' } });
    const types = second.map((e) => e.type);
    expect(types.lastIndexOf('PagesShared')).toBeLessThan(types.indexOf('BalloonInflated'));
    expect(types.lastIndexOf('BalloonInflated')).toBeLessThan(types.indexOf('MemorySwappedOut'));
    const swap = second.find((e) => e.type === 'MemorySwappedOut')!;
    expect(swap.data.rationale).toMatchObject({ hostState: 'low', why: expect.stringContaining('host needs') });
    expect(swap.metadata.simTime).toBe(clock * 10);
    const v = await ask('memory-manager.vm', { vmId: 'o1' });
    expect(v.sharedMiB).toBeGreaterThan(0);
    expect(v.balloonedMiB).toBe(320);
    expect(v.swappedMiB).toBeGreaterThan(0);
    expect(v.grantedMiB).toBe(4096 - v.balloonedMiB - v.swappedMiB);
    expect(v.slowdown).toBeGreaterThanOrEqual(1);
    const h = await ask('memory-manager.host', { hostId: 'o1' });
    expect(h.freeState).toBe('low');
    expect(h.reclamation).toMatchObject({ balloonedMiB: 1600, swappedMiB: expect.any(Number) });
    // power-on check on a host under pressure warns
    const check = await ask('memory-manager.check-power-on', { vmId: 'o1', hostId: 'o1' });
    expect(check).toMatchObject({ ok: true, warnings: [expect.stringMatching(/memory is in low state/)] });
    // reclaimed up to the 6% target: back to high, then quiet
    expect((await tick()).events).toBe(1);
    expect((await stream('memory-c2')).at(-1)).toMatchObject({ type: 'HostMemoryStateChanged', data: { from: 'low', to: 'high' } });
    expect((await tick()).events).toBe(0);
    expect(await ask('memory-manager.vm', { vmId: 'o1' })).toMatchObject({ balloonedMiB: 320, swappedMiB: v.swappedMiB });
  });

  test('the in-place projection equals a replay of the log, and restarts from a snapshot to the same hash', async () => {
    expect(await ask('memory-manager.verify', {})).toMatchObject({ equal: true });
    const before = await ask('memory-manager.hash', {});
    await svc.stop();
    svc = await bootService(rt, memoryManagerDefinition);
    expect(await ask('memory-manager.hash', {})).toEqual(before);
    // after the restart a repeated tick is still answered from the log, appending nothing
    const logged = (await stream('memory-c2')).length;
    expect(await ask('memory-manager.tick', repeatedTick)).toMatchObject({ repeated: true });
    expect(await stream('memory-c2')).toHaveLength(logged);
  });

  test('reserve-memory-many: later VMs see the earlier reservations; refusals are per item', async () => {
    await seed('cluster-c1', [host('e3', 'c1', 32768)]);
    for (const id of ['bm1', 'bm2', 'bm3']) await seed(`vm-${id}`, [vmRequested(id, 'c1', { memoryMiB: 12288 })]);
    await seed('placement-c1', ['bm1', 'bm2', 'bm3'].map((id) => placed(id, 'c1', 'e3', 12288)));
    const r = await ask('memory-manager.reserve-memory-many', { items: [
      ...['bm1', 'bm2', 'bm3'].map((vmId) => ({ vmId, idempotencyKey: `${vmId}:reserve-memory` })), { vmId: 'nobody' },
    ] });
    // 32 GiB less the hypervisor holds two 12 GiB VMs, not three: the third is refused only if it sees the first two
    expect(r.outcomes.map((o: { ok: boolean }) => o.ok)).toEqual([true, true, false, false]);
    expect(r.outcomes[0].value).toMatchObject({ vmId: 'bm1', hostId: 'e3', alreadyReserved: false });
    expect(r.outcomes[3]).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const reserved = (await stream('memory-c1')).filter((e) => e.type === 'VmMemoryReserved' && String(e.data.vmId).startsWith('bm'));
    expect(reserved.map((e) => e.data.vmId)).toEqual(['bm1', 'bm2']);
    // the refusal is remembered: the one-VM subject answers it again
    expect(await fail('memory-manager.reserve-memory', { vmId: 'bm3', idempotencyKey: 'bm3:reserve-memory' })).toMatchObject({ code: r.outcomes[2].error.code });
  });

  test('a refused step repeated after a restart answers the same refusal from the log, though the host has room now', async () => {
    await seed('cluster-c1', [host('e4', 'c1', 32768)]);
    for (const id of ['rs1', 'rs2', 'rs3']) await seed(`vm-${id}`, [vmRequested(id, 'c1', { memoryMiB: 12288 })]);
    await seed('placement-c1', ['rs1', 'rs2', 'rs3'].map((id) => placed(id, 'c1', 'e4', 12288)));
    const key = (vmId: string) => ({ vmId, idempotencyKey: `${vmId}:reserve-memory` });
    await ask('memory-manager.reserve-memory', key('rs1'));
    await ask('memory-manager.reserve-memory', key('rs2'));
    const first = await fail('memory-manager.reserve-memory', key('rs3'));
    expect(first.code).toBe('unprocessable');
    const recorded = (await stream('steps-memory-manager')).filter((e) => e.type === 'StepRefused' && e.data.idempotencyKey === 'rs3:reserve-memory');
    expect(recorded).toHaveLength(1);
    // room again on e4 (rs1 released), and a new instance that knows only the log
    await ask('memory-manager.release-memory', { vmId: 'rs1', idempotencyKey: 'rs1:reserve-memory:undo' });
    await svc.stop();
    svc = await bootService(rt, memoryManagerDefinition);
    const again = await fail('memory-manager.reserve-memory', key('rs3'));
    expect({ code: again.code, message: again.message }).toEqual({ code: first.code, message: first.message });
    // the success of the same step is answered from the log too, nothing appended twice
    expect(await ask('memory-manager.reserve-memory', key('rs2'))).toMatchObject({ vmId: 'rs2', hostId: 'e4', repeated: true });
    expect((await stream('memory-c1')).filter((e) => e.type === 'VmMemoryReserved' && e.data.vmId === 'rs2')).toHaveLength(1);
  });
});

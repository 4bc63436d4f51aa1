// The scheduler booted over PostgreSQL on both transports: placement saga steps, HA / migration queries, a DRS
// pass, the tick's CPU samples, read models. The log is seeded with inventory events appended directly; a fake
// migration service (booted next to it) answers migration.start / migration.evacuate.
import { Controller, Module } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ClusterSpec, HostSpec, unprocessable, VirtsimError, VmSpec, type EventOf, type RecordedEvent } from '@virtsim/contracts';
import { bootService, loadConfig, Runtime, type RunningService } from '@virtsim/service-kit';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { schedulerDefinition } from './service.js';
import type { SchedulerState } from './state.js';

const migrationCalls: { pattern: string; data: any }[] = [];

@Controller()
class FakeMigration {
  @MessagePattern('migration.start')
  start(@Payload() data: { vmId: string; targetHostId: string }) {
    migrationCalls.push({ pattern: 'migration.start', data });
    if (data.vmId.endsWith('-refused')) throw unprocessable('migration.imc', 'target lacks avx512f');
    return { migrationId: `m-${data.vmId}` };
  }

  @MessagePattern('migration.evacuate')
  evacuate(@Payload() data: { hostId: string }) {
    migrationCalls.push({ pattern: 'migration.evacuate', data });
    return { migrationIds: [] };
  }
}
@Module({ controllers: [FakeMigration] })
class FakeMigrationModule {}
const fakeMigration = { name: 'migration' as const, module: FakeMigrationModule, projection: { name: 'fake-migration', initialState: () => ({}), evolve: (s: object) => s } };

const cluster = (clusterId: string, over: Record<string, unknown> = {}): EventOf => ({ type: 'ClusterCreated', data: { clusterId, spec: ClusterSpec.parse({ name: clusterId, ...over }) } });
/** 2 x 8 x 2 = 32 threads at 2,600 MHz = 83,200 MHz, 256 GiB, 2 NUMA nodes (small: 1 x 4 x 2 = 8 threads, 16 GiB, 1 node) */
const host = (hostId: string, clusterId: string, small = false): EventOf => ({
  type: 'HostAdded',
  data: {
    hostId, clusterId,
    spec: HostSpec.parse({
      name: hostId, memoryMiB: small ? 16384 : 262144, numaNodes: small ? 1 : 2, hypervisor: { type: 'type1', mode: 'hardware-assisted' },
      cpu: { sockets: small ? 1 : 2, coresPerSocket: small ? 4 : 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept', 'sse4_2', 'avx2'] },
    }),
  },
});
const vmRequested = (vmId: string, clusterId: string, over: Record<string, unknown> = {}): EventOf => ({
  type: 'VmCreationRequested',
  data: { vmId, spec: VmSpec.parse({ name: vmId, clusterId, vcpus: 2, memoryMiB: 4096, guestOs: { family: 'linux', version: '22.04' }, ...over }) },
});
const numa1 = (vcpus: number, memoryMiB: number) => ({ nodes: [0], vcpusPerNode: [vcpus], memoryMiBPerNode: [memoryMiB] });
/** 4 vCPUs demanding 8,320 MHz = 0.1 of a big host */
const tenth = { vcpus: 4, workload: { cpuDemandMhz: 8320, pattern: 'constant' } };
const runningVm = (vmId: string, clusterId: string, hostId: string): EventOf[] => [
  vmRequested(vmId, clusterId, tenth),
  { type: 'VmPlaced', data: { vmId, clusterId, hostId, numa: numa1(4, 4096), brokenShouldRules: [], reason: 'seed' } },
  { type: 'VmStateChanged', data: { vmId, clusterId, hostId, from: 'stopped', to: 'running', reason: 'seed' } },
];

describe.each(['nats', 'in-process'] as const)('scheduler over %s', (transport) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let rt: Runtime;
  let svc: RunningService<SchedulerState>;
  let mig: RunningService<object>;

  const seed = (streamId: string, events: EventOf[], simTime = 0) =>
    rt.store.append({ streamId, expectedVersion: 'any', events: events.map((e) => ({ type: e.type, data: e.data })) }, { simTime });
  const ask = (pattern: string, data: unknown) => svc.ctx.request<any>(pattern, data, 10_000);
  const fail = (pattern: string, data: unknown) => ask(pattern, data).then(() => { throw new Error(`${pattern} answered`); }, (e) => e as VirtsimError);
  const stream = async (streamId: string): Promise<RecordedEvent<any>[]> => rt.store.readStream(streamId);
  const tick = async (tickNo: number, simTime: number) => {
    await seed('clock', [{ type: 'ClockAdvanced', data: { tick: tickNo, simTime, tickSeconds: 10 } }], simTime);
    return ask('scheduler.tick', { tick: tickNo, simTime, tickSeconds: 10 });
  };

  beforeAll(async () => {
    migrationCalls.length = 0;
    db = await createTestDatabase(`sched_${transport}`);
    const env = { DATABASE_URL: db.url, VIRTSIM_SUBJECT_PREFIX: uniqueName('sched'), LOG_LEVEL: 'silent', ...(transport === 'nats' ? { NATS_URL: natsUrl() } : {}) };
    rt = await Runtime.create(loadConfig(env));
    // c1: two big hosts; c2: two small hosts (capacity is visible); c3: DRS, 3 big hosts loaded 0.9 / 0.1 / 0.2
    await seed('cluster-c1', [cluster('c1'), host('h1', 'c1'), host('h2', 'c1')]);
    await seed('cluster-c2', [cluster('c2'), host('s1', 'c2', true), host('s2', 'c2', true)]);
    await seed('cluster-c3', [cluster('c3', { drs: { enabled: true, automation: 'manual', threshold: 3 } }), host('a', 'c3'), host('b', 'c3'), host('c', 'c3')]);
    for (const id of ['vm1', 'vm2', 'vm3']) await seed(`vm-${id}`, [vmRequested(id, 'c1')]);
    await seed('vm-big', [vmRequested('big', 'c1', { vcpus: 64 })]);
    for (const id of ['r1', 'r2', 'r3', 'g1', 'g2']) await seed(`vm-${id}`, [vmRequested(id, 'c2', { vcpus: 1, memoryMiB: id.startsWith('g') ? 2048 : 10240 })]);
    const layout: [string, number][] = [['a', 9], ['b', 1], ['c', 2]];
    for (const [h, n] of layout) for (let i = 0; i < n; i++) await seed(`vm-${h}${i}`, runningVm(`${h}${i}`, 'c3', h));
    svc = await bootService(rt, schedulerDefinition);
    mig = await bootService(rt, fakeMigration);
  });
  afterAll(async () => {
    await mig?.stop();
    await svc?.stop();
    await rt?.close();
    await db?.drop();
  });

  test('place 3 VMs on 2 hosts: VmPlaced with NUMA on placement-c1, balanced', async () => {
    const answers = [];
    for (const vmId of ['vm1', 'vm2', 'vm3']) answers.push(await ask('scheduler.place', { vmId, idempotencyKey: `${vmId}:place`, correlationId: `corr-${vmId}` }));
    expect(answers.map((a) => a.hostId)).toEqual(['h1', 'h2', 'h1']);
    for (const a of answers) expect(a).toMatchObject({ numa: { nodes: [expect.any(Number)], vcpusPerNode: [2], memoryMiBPerNode: [4096] }, brokenShouldRules: [] });
    const events = await stream('placement-c1');
    expect(events.map((e) => [e.type, e.data.vmId, e.data.hostId])).toEqual([['VmPlaced', 'vm1', 'h1'], ['VmPlaced', 'vm2', 'h2'], ['VmPlaced', 'vm3', 'h1']]);
    expect(events[0]!.data.numa.nodes).toHaveLength(1);
    expect(events[0]!.metadata).toMatchObject({ simTime: 0, correlationId: 'corr-vm1' });
  });

  test('a repeat of place answers the first placement and appends nothing', async () => {
    const again = await ask('scheduler.place', { vmId: 'vm2', idempotencyKey: 'vm2:place' });
    expect(again).toMatchObject({ hostId: 'h2', repeated: true });
    // another key finds the VM placed (the state answers it)
    expect(await ask('scheduler.place', { vmId: 'vm2', idempotencyKey: 'other' })).toMatchObject({ hostId: 'h2', alreadyPlaced: true });
    expect(await stream('placement-c1')).toHaveLength(3);
  });

  test('nothing fits: 422 placement.noHost with per-filter counts, nothing appended', async () => {
    const err = await fail('scheduler.place', { vmId: 'big', idempotencyKey: 'big:place' });
    expect(err).toBeInstanceOf(VirtsimError);
    expect(err).toMatchObject({ code: 'unprocessable', details: { rule: 'placement.noHost', hosts: 2, filters: [{ filter: 'vcpus', rejected: 2 }] } });
    expect(await stream('placement-c1')).toHaveLength(3);
    expect(await fail('scheduler.place', { vmId: 'nobody' })).toMatchObject({ code: 'not-found' });
    expect(await fail('scheduler.place', { idempotencyKey: 'x' })).toMatchObject({ code: 'invalid' });
  });

  test('release: VmPlacementReleased, then a no-op', async () => {
    expect(await ask('scheduler.release-placement', { vmId: 'vm3', idempotencyKey: 'vm3:place:undo' })).toMatchObject({ released: true, hostId: 'h1' });
    expect(await ask('scheduler.release-placement', { vmId: 'vm3', idempotencyKey: 'vm3:place:undo' })).toMatchObject({ released: true, hostId: 'h1', repeated: true });
    expect(await ask('scheduler.release-placement', { vmId: 'vm3', idempotencyKey: 'another' })).toMatchObject({ released: false });
    const events = await stream('placement-c1');
    expect(events.map((e) => e.type)).toEqual(['VmPlaced', 'VmPlaced', 'VmPlaced', 'VmPlacementReleased']);
    const h1 = await ask('scheduler.host', { hostId: 'h1' });
    expect(h1.allocation).toMatchObject({ vmCount: 1, vcpus: 2, memory: { configuredMiB: 4096 } });
  });

  test('select-host answers without appending; select-hosts commits each grant for the next requests', async () => {
    const before = (await rt.store.readAll(0, 10_000)).length;
    expect(await ask('scheduler.select-host', { vmId: 'r1' })).toMatchObject({ hostId: 's1', brokenShouldRules: [] });
    expect(await ask('scheduler.select-host', { vmId: 'r1', excludeHosts: ['s1'] })).toMatchObject({ hostId: 's2' });
    // 10 GiB each on hosts with ~15.5 GiB usable: one per host, the third refused
    const { grants } = await ask('scheduler.select-hosts', {
      clusterId: 'c2',
      requests: ['r1', 'r2', 'r3'].map((id) => ({ key: id, vmIds: [id], vcpus: 1, memoryMiB: 10240, excludeHosts: [] })),
    });
    expect(grants.r1).toMatchObject({ hostId: 's1', brokenShouldRules: [], numa: { nodes: [0] } });
    expect(grants.r2).toMatchObject({ hostId: 's2' });
    expect(grants.r3.refused).toMatch(/memory: 2/);
    // a group lands on one host, with each VM's NUMA layout
    const group = await ask('scheduler.select-hosts', { clusterId: 'c2', requests: [{ key: 'group:x', vmIds: ['g1', 'g2'], vcpus: 2, memoryMiB: 4096, excludeHosts: ['s1'] }] });
    expect(group.grants['group:x']).toMatchObject({ hostId: 's2', numaByVm: { g1: { nodes: [0] }, g2: { nodes: [0] } } });
    expect((await rt.store.readAll(0, 10_000)).length).toBe(before);
  });

  test('HA verdicts: a host HA declared failed takes nothing until it recovers', async () => {
    await seed('ha-c2', [{ type: 'HostFailureDetected', data: { clusterId: 'c2', simTime: 0, hostId: 's1', missedSeconds: 30, reason: 'test' } }]);
    const err = await fail('scheduler.select-host', { vmId: 'r1', excludeHosts: ['s2'] });
    expect(err).toMatchObject({ code: 'unprocessable', details: { filters: [{ filter: 'excluded', rejected: 1 }, { filter: 'power', rejected: 1 }] } });
    await seed('ha-c2', [{ type: 'HostRecovered', data: { clusterId: 'c2', simTime: 0, hostId: 's1', downSeconds: 10, reason: 'test' } }]);
    expect(await ask('scheduler.select-host', { vmId: 'r1', excludeHosts: ['s2'] })).toMatchObject({ hostId: 's1' });
  });

  test('tick at simTime 300: CPU samples on cpu-c3, a DRS pass with rationale on placement-c3', async () => {
    const r = await tick(30, 300);
    expect(r.events).toBeGreaterThan(0);
    const samples = (await stream('cpu-c3')).filter((e) => e.type === 'CpuSchedulingSampled');
    expect(samples.map((e) => e.data.hostId)).toEqual(['a', 'b', 'c']);
    // 9 x 8,320 MHz of workload, charged 8,462.4 each (issue 15: VT-x, EPT walks, virtio exits of 100 IOPS)
    expect(samples[0]!.data).toMatchObject({ reason: 'first-sample', totalVcpus: 36, demandMhz: 76161.6, simTime: 300 });
    const drs = (await stream('placement-c3')).filter((e) => e.type === 'DrsRecommendationMade');
    // VMware's tolerance at threshold 3 over 3 hosts is 0.2 / sqrt(3) = 0.115: four moves get the cluster within it
    expect(drs.map((e) => [e.data.vmId, e.data.toHostId, e.data.rationale.priority])).toEqual([['a0', 'b', 2], ['a1', 'b', 2], ['a2', 'c', 2], ['a3', 'b', 3]]);
    expect(drs[0]!.data).toMatchObject({
      recommendationId: 'drs-c3-300-1', vmId: 'a0', fromHostId: 'a', toHostId: 'b',
      rationale: { imbalanceBefore: 0.362, imbalanceAfter: 0.288, benefit: 0.074, priority: 2, reason: 'load-balance' },
    });
    expect(drs[0]!.metadata.simTime).toBe(300);
    const { items } = await ask('scheduler.drs-recommendations', { clusterId: 'c3' });
    expect(items).toHaveLength(4);
    expect(items[0]).toEqual(expect.objectContaining({ id: 'drs-c3-300-1', vmId: 'a0', fromHostId: 'a', toHostId: 'b', priority: 2, rationale: expect.objectContaining({ benefit: 0.074 }) }));
    // same workload next tick: no new sample, no DRS (not a 300 s boundary)
    const cpuBefore = (await stream('cpu-c3')).length;
    expect((await tick(31, 310)).events).toBe(0);
    expect(await stream('cpu-c3')).toHaveLength(cpuBefore);
  });

  test('drs-apply hands the move to migration.start and records it; a repeat answers the same', async () => {
    const applied = await ask('scheduler.drs-apply', { clusterId: 'c3', recommendationId: 'drs-c3-300-1' });
    expect(applied).toMatchObject({ migrationId: 'm-a0', vmId: 'a0', toHostId: 'b', alreadyApplied: false });
    expect(migrationCalls.filter((c) => c.pattern === 'migration.start').at(-1)!.data).toMatchObject({ vmId: 'a0', targetHostId: 'b', live: true, reason: 'drs', requestedBy: 'drs-c3-300-1' });
    const events = await stream('placement-c3');
    expect(events.at(-1)).toMatchObject({ type: 'DrsRecommendationApplied', data: { recommendationId: 'drs-c3-300-1', migrationId: 'm-a0', automatic: false } });
    expect(await ask('scheduler.drs-apply', { clusterId: 'c3', recommendationId: 'drs-c3-300-1' })).toMatchObject({ alreadyApplied: true, migrationId: 'm-a0' });
    expect((await ask('scheduler.drs-recommendations', { clusterId: 'c3' })).items.map((i: { id: string }) => i.id)).toEqual(['drs-c3-300-2', 'drs-c3-300-3', 'drs-c3-300-4']);
    expect(await fail('scheduler.drs-apply', { clusterId: 'c3', recommendationId: 'drs-c3-300-9' })).toMatchObject({ code: 'not-found' });
  });

  test('scheduler.vm and scheduler.host answer from the latest sample', async () => {
    const vm = await ask('scheduler.vm', { vmId: 'a1' });
    expect(vm).toMatchObject({ hostId: 'a', numa: { nodes: [0] }, numaCostFactor: 1, demandMhz: 8462.4, entitlementMhz: 8462.4, usageMhz: 8462.4, sampledAt: 300 });
    // the charge (issue 15): the workload's 8,320 MHz plus what running it virtualized costs, fully served
    expect(vm.charged).toMatchObject({ workloadMhz: 8320, numaMhz: 0, demandMhz: 8462.4 });
    expect(vm.effective).toMatchObject({ throughputPercent: 100, latencyFactor: 1 });
    // 36 active vCPUs on 32 threads: a little time-slice contention, no unserved demand
    expect(vm.readyPercent).toBeGreaterThan(0);
    expect(vm.readyPercent).toBeLessThan(1);
    expect(vm.overhead).toMatchObject({ mode: 'hardware-assisted', overheadPercent: expect.any(Number) });
    const h = await ask('scheduler.host', { hostId: 'a' });
    expect(h.capacity).toMatchObject({ threads: 32, totalMhz: 83200, vcpuLimit: 128, numaNodes: 2 });
    expect(h.allocation).toMatchObject({ vmCount: 9, vcpus: 36, memory: { configuredMiB: 36864, reservedMiB: 0 }, hugePages: { poolMiB: 0, usedMiB: 0 } });
    expect(h.allocation.numaNodes).toHaveLength(2);
    expect(h.usage).toMatchObject({ demandMhz: 76161.6, vmCount: 9, simTime: 300 });
    expect(h.virtualization).toMatchObject({ hostId: 'a', hardwareAssistAvailable: true, guests: { linux: { accepted: true } } });
    expect(await fail('scheduler.vm', { vmId: 'nobody' })).toMatchObject({ code: 'not-found' });
  });

  test('scheduler.cpu-modes runs a mix in every mode on a host', async () => {
    const r = await ask('scheduler.cpu-modes', { hostId: 'a', mix: { kernel: { privileged: 10, 'sensitive-unprivileged': 5, ordinary: 100 } } });
    expect(r.mode).toBe('hardware-assisted');
    // with EPT, 4 in 20 of a privileged class exit (CPUID, INVD; CR3 loads and INVLPG stay in the guest): 2 of 10
    expect(r.result.totals).toMatchObject({ vmExits: 2, wrongResults: 0 });
    expect(r.modes['trap-and-emulate'].totals).toMatchObject({ traps: 10, wrongResults: 5 });
    const fromVm = await ask('scheduler.cpu-modes', { vmId: 'a1' });
    expect(fromVm).toMatchObject({ hostId: 'a', vmId: 'a1', mixSource: expect.stringContaining('vm-workload') });
    expect(await fail('scheduler.cpu-modes', {})).toMatchObject({ code: 'invalid' });
  });
  test('scenario, automatic DRS + DPM: a refused move is recorded, an idle host is evacuated and powered off once empty', async () => {
    await seed('cluster-c4', [cluster('c4', { drs: { enabled: true, automation: 'automatic', threshold: 3 }, dpm: { enabled: true, automation: 'automatic' } }), host('x', 'c4'), host('y', 'c4'), host('z', 'c4')]);
    const names: [string, string[]][] = [['x', ['x0-refused', ...Array.from({ length: 8 }, (_, i) => `x${i + 1}`)]], ['y', ['y0']], ['z', ['z0', 'z1']]];
    for (const [h, ids] of names) for (const id of ids) await seed(`vm-${id}`, runningVm(id, 'c4', h));
    // 12 x 8,320 MHz on 3 x 83,200 = 40 % < 45 %: the band goes 'below'
    await tick(32, 320);
    expect((await stream('placement-c4')).map((e) => [e.type, e.data.band])).toEqual([['DpmBandChanged', 'below']]);
    // DRS at 600: the move is handed to migration.start, which refuses it
    await tick(60, 600);
    const drs = (await stream('placement-c4')).filter((e) => e.type.startsWith('Drs'));
    expect(drs.map((e) => [e.type, e.data.vmId])).toEqual([
      ...['x0-refused', 'x1', 'x2', 'x3'].map((vm) => ['DrsRecommendationMade', vm]),
      ['DrsRecommendationFailed', 'x0-refused'],
      ...['x1', 'x2', 'x3'].map((vm) => ['DrsRecommendationApplied', vm]),
    ]);
    expect(drs[4]!.data.reason).toMatch(/avx512f/);
    // 40 min below the band: power-off recommended for the emptiest host, evacuation requested
    await tick(272, 2720);
    const off = (await stream('placement-c4')).filter((e) => e.type === 'DpmHostPowerOffRecommended');
    expect(off).toEqual([expect.objectContaining({ data: expect.objectContaining({ hostId: 'y', evacuations: [{ vmId: 'y0', toHostId: expect.any(String) }] }) })]);
    expect(migrationCalls.filter((c) => c.pattern === 'migration.evacuate').map((c) => c.data)).toContainEqual(expect.objectContaining({ hostId: 'y', reason: 'dpm', dryRun: false }));
    expect((await stream('cluster-c4')).map((e) => e.type)).not.toContain('HostPoweredOff');
    expect((await ask('scheduler.host', { hostId: 'y' })).pendingPowerOff).toBe(true);
    // the migration service moved the VM: next tick the empty host goes to standby
    await seed('vm-y0', [{ type: 'VmRelocated', data: { vmId: 'y0', clusterId: 'c4', fromHostId: 'y', toHostId: 'z', numa: numa1(4, 4096), reason: 'live-migration' } }]);
    await tick(273, 2730);
    expect((await stream('cluster-c4')).filter((e) => e.type === 'HostPoweredOff').map((e) => e.data)).toEqual([{ hostId: 'y', clusterId: 'c4', reason: 'dpm', standby: true }]);
    expect(await ask('scheduler.host', { hostId: 'y' })).toMatchObject({ power: 'standby', pendingPowerOff: false });
    // the next tick no longer schedules it: its sampling stops
    await tick(274, 2740);
    expect((await stream('cpu-c4')).filter((e) => e.type === 'CpuHostSamplingStopped').map((e) => e.data.hostId)).toEqual(['y']);
    expect(await ask('scheduler.host', { hostId: 'y' })).toMatchObject({ usage: null });
  });

  test('place-many: one append; later VMs see the earlier ones placed; a refusal and a repeat are per item', async () => {
    for (const id of ['pm1', 'pm2', 'pm3', 'pm4']) await seed(`vm-${id}`, [vmRequested(id, 'c1')]);
    const before = (await stream('placement-c1')).length;
    const r = await ask('scheduler.place-many', { items: [
      ...['pm1', 'pm2', 'pm3', 'pm4'].map((vmId) => ({ vmId, idempotencyKey: `${vmId}:place` })),
      { vmId: 'big', idempotencyKey: 'big:place' }, { vmId: 'pm1', idempotencyKey: 'pm1:place' },
    ] });
    expect(r.outcomes.slice(0, 4).every((o: { ok: boolean }) => o.ok)).toBe(true);
    expect(r.outcomes[4]).toMatchObject({ ok: false, error: { code: 'unprocessable', details: { rule: 'placement.noHost' } } });
    expect(r.outcomes[5]).toMatchObject({ ok: true, value: { hostId: r.outcomes[0].value.hostId, repeated: true } });
    const added = (await stream('placement-c1')).slice(before);
    expect(added.map((e) => e.data.vmId)).toEqual(['pm1', 'pm2', 'pm3', 'pm4']);
    expect(added.map((e) => e.position)).toEqual(added.map((_, i) => added[0]!.position + i));
    // h1 held 2 VMs and h2 1: decided one after another they balance; all against the first state would pile on h2
    const all = await stream('placement-c1');
    const perHost = (h: string) => all.filter((e) => e.type === 'VmPlaced' && e.data.hostId === h).length;
    expect(Math.abs(perHost('h1') - perHost('h2'))).toBeLessThanOrEqual(1);
  });

  test('after a restart (state rebuilt from the log) a repeated place answers from the log: the success, and the refusal though a host fits now', async () => {
    const first = (await stream('placement-c1')).find((e) => e.type === 'VmPlaced' && e.data.vmId === 'vm1')!;
    await svc.stop();
    // a host that could take 'big' (64 vCPUs) arrives while the scheduler is down
    await seed('cluster-c1', [{ type: 'HostAdded', data: { hostId: 'h9', clusterId: 'c1', spec: HostSpec.parse({
      name: 'h9', memoryMiB: 524288, numaNodes: 2, hypervisor: { type: 'type1', mode: 'hardware-assisted' },
      cpu: { sockets: 4, coresPerSocket: 16, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept', 'sse4_2', 'avx2'] },
    }) } }]);
    svc = await bootService(rt, schedulerDefinition);
    const before = (await stream('placement-c1')).length;
    expect(await ask('scheduler.place', { vmId: 'vm1', idempotencyKey: 'vm1:place' })).toMatchObject({ vmId: 'vm1', hostId: first.data.hostId, repeated: true });
    const refused = await fail('scheduler.place', { vmId: 'big', idempotencyKey: 'big:place' });
    expect(refused).toMatchObject({ code: 'unprocessable', details: { rule: 'placement.noHost', hosts: 2 } });
    expect(await stream('placement-c1')).toHaveLength(before);
    expect((await stream('steps-scheduler')).filter((e) => e.data.idempotencyKey === 'big:place')).toHaveLength(1);
    // a new step (another key) is decided on today's state: h9 takes it
    expect(await ask('scheduler.place', { vmId: 'big', idempotencyKey: 'big:place:2' })).toMatchObject({ hostId: 'h9', alreadyPlaced: false });
  });

  test('a DRS move whose migration service is away when the tick hands it over is asked again, same key, once it is back', async () => {
    await seed('cluster-c6', [cluster('c6', { drs: { enabled: true, automation: 'automatic', threshold: 3 } }), host('p', 'c6'), host('q', 'c6'), host('r', 'c6')]);
    for (const [h, n] of [['p', 9], ['q', 1], ['r', 2]] as const) for (let i = 0; i < n; i++) await seed(`vm-${h}${i}`, runningVm(`${h}${i}`, 'c6', h));
    await mig.stop(); // nobody answers migration.start
    const calls = migrationCalls.length;
    const ticking = tick(900, 9000);
    // the recommendations are recorded before they are handed over; then the migration service comes back
    while (!(await stream('placement-c6')).some((e) => e.type === 'DrsRecommendationMade')) await new Promise((r) => setTimeout(r, 50));
    mig = await bootService(rt, fakeMigration);
    await ticking;
    const drs = (await stream('placement-c6')).filter((e) => e.type.startsWith('Drs'));
    const made = drs.filter((e) => e.type === 'DrsRecommendationMade');
    expect(made.length).toBeGreaterThan(0);
    expect(drs.filter((e) => e.type === 'DrsRecommendationApplied').map((e) => e.data.recommendationId)).toEqual(made.map((e) => e.data.recommendationId));
    const starts = migrationCalls.slice(calls).filter((c) => c.pattern === 'migration.start' && made.some((e) => e.data.vmId === c.data.vmId)).map((c) => c.data);
    expect(starts.map((d) => d.idempotencyKey)).toEqual(made.map((e) => `drs:${e.data.recommendationId}`));
  });

  test('a repeated tick is answered from the log and carries its DRS moves out as a unit: moves its first attempt could not hand over are handed over', async () => {
    await seed('cluster-c7', [cluster('c7', { drs: { enabled: true, automation: 'automatic', threshold: 3 } }), host('u', 'c7'), host('v', 'c7'), host('w', 'c7')]);
    for (const [h, n] of [['u', 9], ['v', 1], ['w', 2]] as const) for (let i = 0; i < n; i++) await seed(`vm-${h}${i}`, runningVm(`${h}${i}`, 'c7', h));
    await mig.stop(); // nobody answers migration.start for longer than the scheduler asks within one tick
    const config = rt.config as { VIRTSIM_STEP_RETRY_SECONDS: number };
    const window = config.VIRTSIM_STEP_RETRY_SECONDS;
    config.VIRTSIM_STEP_RETRY_SECONDS = 1;
    let first;
    try { first = await tick(1200, 12000); } finally { config.VIRTSIM_STEP_RETRY_SECONDS = window; }
    const made = (await stream('placement-c7')).filter((e) => e.type === 'DrsRecommendationMade');
    expect(made.length).toBeGreaterThan(0);
    expect((await stream('placement-c7')).filter((e) => e.type === 'DrsRecommendationApplied')).toHaveLength(0);
    // the vrm did not get that answer (lost) and sends the same tick again, the migration service back meanwhile
    mig = await bootService(rt, fakeMigration);
    const samples = (await stream('cpu-c7')).length;
    const calls = migrationCalls.length;
    const again = await ask('scheduler.tick', { tick: 1200, simTime: 12000, tickSeconds: 10 });
    expect(again).toMatchObject({ repeated: true, stats: first.stats });
    // no second pass, no second sample: the first plan's moves handed over with their keys, each applied once
    const drs = (await stream('placement-c7')).filter((e) => e.type.startsWith('Drs'));
    expect(drs.filter((e) => e.type === 'DrsRecommendationMade')).toHaveLength(made.length);
    expect(drs.filter((e) => e.type === 'DrsRecommendationApplied').map((e) => e.data.recommendationId)).toEqual(made.map((e) => e.data.recommendationId));
    expect(await stream('cpu-c7')).toHaveLength(samples);
    const starts = migrationCalls.slice(calls).filter((c) => c.pattern === 'migration.start' && made.some((e) => e.data.vmId === c.data.vmId));
    expect(starts.map((c) => c.data.idempotencyKey)).toEqual(made.map((e) => `drs:${e.data.recommendationId}`));
    // a third time: nothing more (the outcomes are in the log too)
    await ask('scheduler.tick', { tick: 1200, simTime: 12000, tickSeconds: 10 });
    expect((await stream('placement-c7')).filter((e) => e.type.startsWith('Drs'))).toHaveLength(drs.length);
  });
});

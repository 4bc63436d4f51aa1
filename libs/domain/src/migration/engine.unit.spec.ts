import type { MigrationEvent, WorkloadProfile } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { fold } from '../shared/decider.js';
import { migrationDecider, type MigrationCommand } from './decider.js';
import { advanceMigrations, advanceMigrationsWithState } from './engine.js';
import { planPreCopy } from './precopy.js';
import type { MigrationHostFacts, MigrationVmFacts } from './preconditions.js';
import type { MigrationState } from './state.js';

const GBE1 = 1e9 / 8 / 2 ** 20;
const host = (id: string, gbps: 1 | 10 = 1): MigrationHostFacts =>
  ({ id, name: id, clusterId: 'c1', up: true, maintenance: false, migrationNetworkGbps: gbps, cpuFeatures: ['avx2'] });
const vm = (id: string, memoryMiB: number, workload: Partial<WorkloadProfile> = { dirtyRateMiBps: 0 }, hostId = 'h1'): MigrationVmFacts =>
  ({ id, name: id, clusterId: 'c1', state: 'running', hostId, memoryMiB, disksGiB: [], cpuFeatures: ['avx2'], passthroughDevices: [], workload: workload as WorkloadProfile });
const live = (migrationId: string, v: MigrationVmFacts, from = 'h1', to = 'h2', gbps: 1 | 10 = 1, at = 0, autoConverge = false): MigrationCommand =>
  ({ type: 'RequestLiveMigration', migrationId, vm: v, source: host(from, gbps), target: host(to, gbps), capacity: { fits: true }, options: { autoConverge }, at });

/** given commands (requests), returns the state and every event so far */
function given(commands: MigrationCommand[]): { state: MigrationState; events: MigrationEvent[] } {
  const { state, events } = spec(migrationDecider).given([]).when(...commands).result();
  return { state, events };
}
/** runs ticks of `tick` seconds from `from` until `until`, folding the events */
function run(start: { state: MigrationState; events: MigrationEvent[] }, tick: number, until: number, from = 0) {
  let { state } = start;
  const events = [...start.events];
  for (let t = from; t < until - 1e-9; t += tick) {
    for (const e of advanceMigrations(state, t, tick, { scenarioSeed: 7 })) { state = migrationDecider.evolve(state, e); events.push(e); }
  }
  return { state, events };
}
const ofType = <T extends MigrationEvent['type']>(events: MigrationEvent[], type: T) =>
  events.filter((e): e is Extract<MigrationEvent, { type: T }> => e.type === type);

describe('advanceMigrations: one live migration over ticks', () => {
  it('1 GiB idle VM over 1 GbE in a 10 s tick: round 0 ends at 1024 / 119.209 = 8.589935 s, completes at 8.609935 s (20 ms resume)', () => {
    const { events } = run(given([live('m1', vm('vm1', 1024))]), 10, 10);
    const [round] = ofType(events, 'MigrationRoundCompleted');
    expect(round!.data).toMatchObject({ index: 0, sentMiB: 1024, dirtiedMiB: 0, seconds: 8.589935, endedAt: 8.589935 });
    const [done] = ofType(events, 'MigrationCompleted');
    expect(done!.data).toMatchObject({ completedAt: 8.609935, totalSeconds: 8.609935, sentMiB: 1024, downtimeMs: 20, outcome: 'converged' });
  });

  it('dirtying at half the bandwidth (workload 59.6 MiB/s constant), 10 s ticks: the same rounds as planPreCopy, 2016 MiB sent', () => {
    const { events, state } = run(given([live('m1', vm('vm1', 1024, { dirtyRateMiBps: GBE1 / 2, pattern: 'constant' }))]), 10, 30);
    const plan = planPreCopy(1024, GBE1 / 2, GBE1);
    expect(ofType(events, 'MigrationRoundCompleted').map((e) => e.data.sentMiB)).toEqual(plan.rounds.map((r) => expect.closeTo(r.sentMiB, 5)));
    const [done] = ofType(events, 'MigrationCompleted');
    expect(done!.data.sentMiB).toBeCloseTo(2016, 4);
    expect(done!.data.totalSeconds).toBeCloseTo(plan.totalSeconds, 5); // 2016 / 119.209 + 0.02 = 16.93 s
    expect(done!.data.downtimeMs).toBeCloseTo(plan.downtimeMs, 3);
    expect(ofType(events, 'MigrationProgressed').length).toBe(1); // progress snapshot at the end of tick [0, 10]
    expect(state.migrations).toEqual({});
  });

  it('exact times do not depend on the tick: 1 s ticks and one 60 s tick give the same completion time', () => {
    const v = vm('vm1', 4096, { dirtyRateMiBps: 30 });
    const fine = ofType(run(given([live('m1', v)]), 1, 60).events, 'MigrationCompleted')[0]!.data;
    const coarse = ofType(run(given([live('m1', v)]), 60, 60).events, 'MigrationCompleted')[0]!.data;
    expect(fine.completedAt).toBeCloseTo(coarse.completedAt, 5);
    expect(fine.rounds).toEqual(coarse.rounds.map((r) => ({ ...r, sentMiB: expect.closeTo(r.sentMiB, 4), dirtiedMiB: expect.closeTo(r.dirtiedMiB, 4), seconds: expect.closeTo(r.seconds, 5) })));
  });

  it('the returned state equals the fold of the returned events (mid-round progress included)', () => {
    const start = given([live('m1', vm('vm1', 8192, { dirtyRateMiBps: 40 }))]);
    const { events, state } = advanceMigrationsWithState(start.state, 0, 10, { scenarioSeed: 1 });
    expect(fold({ initialState: () => start.state, evolve: migrationDecider.evolve }, events)).toEqual(state);
    const [p] = ofType(events, 'MigrationProgressed');
    expect(p!.data).toMatchObject({ phase: 'pre-copy', round: 0, phaseSentMiB: expect.closeTo(1192.093, 3) });
    expect(p!.data.progressPercent).toBeGreaterThan(0);
  });

  it('non-convergent VM (dirty 2 x bandwidth) fails after 3 x 1024 MiB with MigrationFailed; nothing left in state', () => {
    const { events, state } = run(given([live('m1', vm('vm1', 1024, { dirtyRateMiBps: 2 * GBE1 }))]), 10, 40);
    const [failed] = ofType(events, 'MigrationFailed');
    expect(failed!.data.sentMiB).toBe(3072);
    expect(failed!.data.at).toBeCloseTo(3 * 1024 / GBE1, 5); // 25.77 s
    expect(failed!.data.reason).toMatch(/VM vm1 \(vm1\): non-convergent/);
    expect(state.migrations).toEqual({});
  });

  it('auto-converge throttles the source VM 20, 30 ... 80 % then releases it (0 %) at completion', () => {
    const { events } = run(given([live('m1', vm('vm1', 1024, { dirtyRateMiBps: 2 * GBE1 }), 'h1', 'h2', 1, 0, true)]), 10, 120);
    expect(ofType(events, 'MigrationVmThrottled').map((e) => e.data.throttlePercent)).toEqual([20, 30, 40, 50, 60, 70, 80, 0]);
    const [done] = ofType(events, 'MigrationCompleted');
    expect(done!.data).toMatchObject({ outcome: 'auto-converged', throttlePercent: 80 });
    expect(done!.data.rounds).toHaveLength(10);
  });
});

describe('concurrency limits and bandwidth sharing', () => {
  it('5th migration from a 1 GbE host is queued (limit 4), and starts at the exact time the first one completes', () => {
    const reqs = [1, 2, 3, 4, 5].map((i) => live(`m${i}`, vm(`vm${i}`, i === 1 ? 256 : 1024), 'h1', `t${i}`));
    const g = given(reqs);
    expect(ofType(g.events, 'MigrationStarted').map((e) => e.data.migrationId)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(g.state.queue).toEqual(['m5']);
    // h1's 119.209 MiB/s is shared by 4: 29.8 MiB/s each; m1 (256 MiB) finishes its round at 256 / 29.8 = 8.59 s, + 20 ms
    const { events } = run(g, 10, 10);
    const first = ofType(events, 'MigrationCompleted')[0]!.data;
    expect(first.migrationId).toBe('m1');
    expect(first.completedAt).toBeCloseTo(256 / (GBE1 / 4) + 0.02, 5);
    const started = ofType(events, 'MigrationStarted').find((e) => e.data.migrationId === 'm5')!.data;
    expect(started.startedAt).toBe(first.completedAt);
    expect(started.queuedSeconds).toBe(first.completedAt);
  });

  it('10 GbE hosts take 8 at once: a 9th queues', () => {
    const g = given([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => live(`m${i}`, vm(`vm${i}`, 1024), 'h1', `t${i}`, 10)));
    expect(g.state.queue).toEqual(['m9']);
  });

  it('queue is FIFO per host: a later request on a free host pair starts, an earlier waiter on the busy host keeps its place', () => {
    const g = given([
      ...[1, 2, 3, 4].map((i) => live(`m${i}`, vm(`vm${i}`, 1024), 'h1', `t${i}`)),
      live('m5', vm('vm5', 1024), 'h1', 't5'),
      live('m6', vm('vm6', 1024, undefined, 'h9'), 'h9', 't6'),
    ]);
    expect(g.state.queue).toEqual(['m5']);
    expect(g.state.migrations.m6!.status).toBe('running');
  });

  it('2 concurrent 1 GbE migrations share 119.2 MiB/s: the 512 MiB one ends at 512 / 59.6 = 8.59 s, the 1 GiB one then speeds up to 119.2 MiB/s', () => {
    const { events } = run(given([live('a', vm('a', 512)), live('b', vm('b', 1024), 'h1', 'h3')]), 10, 20);
    const rounds = ofType(events, 'MigrationRoundCompleted');
    const half = GBE1 / 2;
    expect(rounds[0]!.data).toMatchObject({ migrationId: 'a', endedAt: expect.closeTo(512 / half, 5), bandwidthMiBps: expect.closeTo(half, 5) });
    // a holds its share through its 20 ms resume; b has sent 59.6 x 8.61 = 513.2 MiB, the other 510.8 MiB go at full speed
    const aDone = 512 / half + 0.02;
    const bEnd = aDone + (1024 - half * aDone) / GBE1;
    expect(rounds[1]!.data).toMatchObject({ migrationId: 'b', endedAt: expect.closeTo(bEnd, 5), bandwidthMiBps: expect.closeTo(GBE1, 5) });
  });

  it('the slower end decides: 10 GbE source to 1 GbE target runs at 119.2 MiB/s', () => {
    const { events } = run(given([{ ...live('m1', vm('vm1', 1024)), target: host('h2', 1), source: host('h1', 10) } as MigrationCommand]), 10, 10);
    expect(ofType(events, 'MigrationRoundCompleted')[0]!.data.seconds).toBeCloseTo(1024 / GBE1, 5);
  });
});

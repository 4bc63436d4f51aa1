// DRS (F9). "Nothing to move" is checked through the decider (given the state, when RecommendDrs, then no event),
// the one helper every context uses. The moves themselves are read from recommendDrs: their rationale (imbalance
// before and after, benefit, cost, priority) is what the rule computes and what GET drs-recommendations shows;
// the last test checks that the decider turns it into DrsRecommendationMade events.
import type { VmSpec } from '@virtsim/contracts';
import { placementDecider } from './decider.js';
import { balancePriority, clusterLoad, hostLoadOf, imbalanceOf, targetImbalance } from './drs-load.js';
import { drsAwaitingOperator, drsRecommendationEvents, recommendDrs } from './drs.js';
import { evolvePlacement, setHostAvailable } from './evolve.js';
import { clusterCreated, given, hostAdded, placements, ruleCreated, runningVm, vmSpec } from './fixtures.spec.js';

// Hosts: 32 threads x 2,600 MHz = 83,200 MHz. A 4-vCPU VM demanding 8,320 MHz = 0.1 of a host.
const tenth: Partial<VmSpec> = { vcpus: 4, workload: { cpuDemandMhz: 8320, activeMemoryMiB: 256, dirtyRateMiBps: 10, iops: 100, ioSizeKiB: 8, readRatio: 0.7, pattern: 'constant' } };
const vms = (host: string, n: number) => Array.from({ length: n }, (_, i) => runningVm(`${host}-${i}`, host, tenth)).flat();
/** Loads 0.9 / 0.1 / 0.2. */
const skewed = (threshold = 3) => given(clusterCreated({ drs: { enabled: true, automation: 'manual', threshold } }),
  hostAdded('host-a'), hostAdded('host-b'), hostAdded('host-c'), vms('host-a', 9), vms('host-b', 1), vms('host-c', 2));

describe('DRS load metrics', () => {
  it('loads 0.9 / 0.1 / 0.2 -> imbalance (population sd) 0.356; 3 hosts at threshold 3 tolerate 0.2 x 0.1 / sqrt 3 = 0.115', () => {
    const state = skewed();
    const load = clusterLoad(state, 'c1');
    expect(['host-a', 'host-b', 'host-c'].map((h) => hostLoadOf(state, load, h))).toEqual([0.9, 0.1, 0.2].map((x) => expect.closeTo(x, 10)));
    expect(imbalanceOf(state, load)).toBeCloseTo(0.3559, 4);
    expect(targetImbalance(3, 3)).toBeCloseTo(0.1155, 4);
    expect(balancePriority(0.3559, 3)).toBe(2); // 3.559 x 1.732 = 6.16 -> 6 - 7, clamped to 2
    expect(balancePriority(0.141, 3)).toBe(3); // 2.44 -> 3
    expect(balancePriority(0.082, 3)).toBe(4); // 1.42 -> 2
  });

  it('demand map overrides the workload: 20,000 MHz asked by a 4-vCPU VM is capped at 4 x 2,600 = 10,400', () => {
    const state = skewed();
    const load = clusterLoad(state, 'c1', { 'host-b-0': 20_000 });
    expect(load.mhz['host-b']).toBe(10_400);
  });
});

describe('DRS pass (F9)', () => {
  it('3 hosts loads 0.9/0.1/0.2, threshold 3: four moves out of host-a, sd 0.356 -> 0.283 -> 0.216 -> 0.141 -> 0.082 (priority 4 stops)', () => {
    const recs = recommendDrs(skewed(3), { clusterId: 'c1', simTime: 300 });
    expect(recs.map((r) => [r.vmId, r.toHostId, r.rationale.imbalanceAfter, r.rationale.priority])).toEqual([
      ['host-a-0', 'host-b', 0.283, 2], ['host-a-1', 'host-b', 0.216, 2], ['host-a-2', 'host-c', 0.141, 2], ['host-a-3', 'host-b', 0.082, 3],
    ]);
    expect(recs[0]!.rationale).toMatchObject({ imbalanceBefore: 0.356, imbalanceAfter: 0.283, benefit: 0.073, priority: 2, reason: 'load-balance', ruleId: null });
    // 4,096 MiB + 10 MiB/s x 3.4 s over 10 Gb/s ~ 4,130 MiB -> 4.03 GiB x 0.01 / 3 hosts
    expect(recs[0]!.rationale.cost).toBeCloseTo(0.0134, 3);
  });

  it('threshold 5 balances fully: 5 moves out of host-a, ending at 0.4 / 0.4 / 0.4 (sd 0)', () => {
    const recs = recommendDrs(skewed(5), { clusterId: 'c1', simTime: 300 });
    expect(recs.map((r) => r.fromHostId)).toEqual(['host-a', 'host-a', 'host-a', 'host-a', 'host-a']);
    expect(recs.map((r) => r.toHostId).sort()).toEqual(['host-b', 'host-b', 'host-b', 'host-c', 'host-c']);
    expect(recs[4]!.rationale.imbalanceAfter).toBe(0);
  });

  it('maxMoves 2 caps a threshold-5 pass at two moves; threshold 1 makes no load-balancing move', () => {
    expect(recommendDrs(skewed(5), { clusterId: 'c1', simTime: 300, maxMoves: 2 })).toHaveLength(2);
    placements.givenState(skewed(1)).when({ type: 'RecommendDrs', ...{ clusterId: 'c1', simTime: 300 } }).thenNothingHappened();
  });

  it('a move costing more than it gains is skipped: cost 1.0 per GiB makes every 4 GiB move cost 4.03 / 3 = 1.34', () => {
    placements.givenState(skewed(5)).when({ type: 'RecommendDrs', ...{ clusterId: 'c1', simTime: 300, costPerGiB: 1 } }).thenNothingHappened();
  });

  it('VMs already migrating are not moved again', () => {
    const migrations = Array.from({ length: 9 }, (_, i) => ({ vmId: `host-a-${i}`, sourceHostId: 'host-a', targetHostId: 'host-c' }));
    placements.givenState(skewed(5)).when({ type: 'RecommendDrs', ...{ clusterId: 'c1', simTime: 300, migrations } }).thenNothingHappened();
  });

  it('priority 1: a powered-on host in maintenance is evacuated, 2 VMs -> 2 mandatory moves even at threshold 1', () => {
    const state = given(clusterCreated({ drs: { enabled: true, automation: 'manual', threshold: 1 } }), hostAdded('h1'), hostAdded('h2'), hostAdded('h3'),
      vms('h1', 2), { type: 'HostMaintenanceEntered', data: { hostId: 'h1', clusterId: 'c1' } });
    const recs = recommendDrs(state, { clusterId: 'c1', simTime: 0 });
    expect(recs.map((r) => [r.vmId, r.toHostId, r.rationale.priority, r.rationale.reason])).toEqual([
      ['h1-0', 'h2', 1, 'maintenance-evacuation'], ['h1-1', 'h3', 1, 'maintenance-evacuation'],
    ]);
  });

  it('priority 1: two anti-affine VMs on h1 -> db2 moves to an empty host', () => {
    const state = given(clusterCreated(), hostAdded('h1'), hostAdded('h2'), runningVm('db1', 'h1'), runningVm('db2', 'h1'),
      ruleCreated('anti', { kind: 'vm-anti-affinity', vms: ['db1', 'db2'] }));
    expect(recommendDrs(state, { clusterId: 'c1', simTime: 0 })).toMatchObject([{ vmId: 'db2', toHostId: 'h2', rationale: { priority: 1, reason: 'must-rule', ruleId: 'anti' } }]);
  });

  it('HA.md 5: a VM that broke its should rule goes back to h1 once h1 is up again (priority 2)', () => {
    const state = given(clusterCreated(), hostAdded('h1'), hostAdded('h2'), ruleCreated('pref', { kind: 'vm-host-should', vms: ['app'], hosts: ['h1'] }));
    setHostAvailable(state, 'h1', false);
    const placed = placementDecider.decide({ type: 'PlaceVm', vmId: 'app', spec: vmSpec('app'), reason: 'ha-restart' }, state);
    expect(placed[0]!.data).toMatchObject({ hostId: 'h2', brokenShouldRules: ['pref'] });
    for (const e of [runningVm('app', 'h2')[0]!, ...placed, runningVm('app', 'h2')[2]!]) evolvePlacement(state, e);
    placements.givenState(state).when({ type: 'RecommendDrs', ...{ clusterId: 'c1', simTime: 300 } }).thenNothingHappened();
    setHostAvailable(state, 'h1', true);
    expect(recommendDrs(state, { clusterId: 'c1', simTime: 600 })).toMatchObject([{ vmId: 'app', fromHostId: 'h2', toHostId: 'h1', rationale: { priority: 2, reason: 'should-rule', ruleId: 'pref' } }]);
  });

  it('a VM holding a passthrough GPU is never moved (I4: tied to its host)', () => {
    const gpu = { pciDevices: [{ kind: 'gpu' as const, model: 'A100' }] };
    const state = given(clusterCreated({ drs: { enabled: true, automation: 'manual', threshold: 5 } }), hostAdded('h1', gpu), hostAdded('h2', gpu),
      runningVm('pt', 'h1', { ...tenth, gpus: [{ mode: 'passthrough' }] }));
    expect(state.hosts.h1!.alloc.gpus[0]!.owner).toBe('pt');
    placements.givenState(state).when({ type: 'RecommendDrs', ...{ clusterId: 'c1', simTime: 300 } }).thenNothingHappened();
  });

  it('RecommendDrs command -> DrsRecommendationMade events carrying the rationale; the input state is not changed', () => {
    const state = skewed(3);
    const before = JSON.stringify(state);
    const events = placementDecider.decide({ type: 'RecommendDrs', clusterId: 'c1', simTime: 300 }, state);
    expect(events).toHaveLength(4);
    expect(events[0]).toMatchObject({ type: 'DrsRecommendationMade', data: { clusterId: 'c1', vmId: 'host-a-0', fromHostId: 'host-a', toHostId: 'host-b', simTime: 300 } });
    expect(JSON.stringify(state)).toBe(before);
  });
});

describe('DRS says why a move is not made (issue 19)', () => {
  const made = drsRecommendationEvents([
    { vmId: 'vm-1', fromHostId: 'h-1', toHostId: 'h-2', rationale: {} as never },
    { vmId: 'vm-2', fromHostId: 'h-1', toHostId: 'h-3', rationale: {} as never },
  ], 'c1', 300);

  it('given manual automation and two recommendations, then one DrsMovesAwaitOperator naming both and how to apply them', () => {
    expect(drsAwaitingOperator(made, 'c1', 300, 'manual')).toEqual([{ type: 'DrsMovesAwaitOperator', data: {
      clusterId: 'c1', simTime: 300, recommendationIds: ['drs-c1-300-1', 'drs-c1-300-2'],
      reason: 'DRS automation is manual: 2 recommended moves wait for an operator (drs-c1-300-1, drs-c1-300-2); apply one with POST /clusters/c1/drs/recommendations/<id>/apply, or set drs.automation to automatic',
    } }]);
  });

  it('given automatic automation, or nothing recommended, then nothing is said', () => {
    expect(drsAwaitingOperator(made, 'c1', 300, 'automatic')).toEqual([]);
    expect(drsAwaitingOperator([], 'c1', 300, 'manual')).toEqual([]);
  });
});

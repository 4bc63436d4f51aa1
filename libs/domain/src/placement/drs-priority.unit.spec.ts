// F9 recommendation priority: VMware's 6 - ceil((sd / 0.1) x sqrt(N)), worked numbers.
import { balancePriority, clusterLoad, hostLoadOf, imbalanceOf, targetImbalance } from './drs-load.js';
import { evaluateDpm } from './dpm.js';
import { recommendDrs } from './drs.js';
import { clusterCreated, given, hostAdded, runningVm } from './fixtures.spec.js';
import type { VmSpec } from '@virtsim/contracts';

describe('DRS priority (F9): 6 - ceil((imbalance / 0.1) x sqrt(hosts))', () => {
  it("the KB's worked example: two hosts at 0.7 / 0.3 (sd 0.2) -> 0.2 / 0.1 x 1.414 = 2.83 -> ceil 3 -> priority 3", () => {
    expect(balancePriority(0.2, 2)).toBe(3);
  });

  it('a bigger cluster is less tolerant: sd 0.1 is priority 4 on 2 hosts (1.41 -> 2), 2 on 16 hosts (4 -> clamped)', () => {
    expect(balancePriority(0.1, 2)).toBe(4);
    expect(balancePriority(0.1, 16)).toBe(2);
    expect(balancePriority(0.02, 16)).toBe(5); // 0.2 x 4 = 0.8 -> ceil 1 -> 5
    expect(balancePriority(0.03, 16)).toBe(4); // 0.3 x 4 = 1.2 -> ceil 2 -> 4
  });

  it('threshold 3 tolerates (5 - 3) x 0.1 / sqrt(N): 0.1414 on 2 hosts, 0.1155 on 3, 0.05 on 16', () => {
    expect(targetImbalance(3, 2)).toBeCloseTo(0.1414, 4);
    expect(targetImbalance(3, 3)).toBeCloseTo(0.1155, 4);
    expect(targetImbalance(3, 16)).toBeCloseTo(0.05, 10);
    expect(balancePriority(targetImbalance(3, 16), 16)).toBe(4);
    expect(balancePriority(targetImbalance(3, 16) + 0.001, 16)).toBe(3);
  });

  it('16 hosts, one at 0.5 and fifteen at 0.3 (sd 0.048): balanced at threshold 3 — one at 0.6 (sd 0.073) draws a move', () => {
    // a 4-vCPU VM demanding 8,320 MHz = 0.1 of a 32 x 2,600 MHz host
    const tenth: Partial<VmSpec> = { vcpus: 4, workload: { cpuDemandMhz: 8320, activeMemoryMiB: 256, dirtyRateMiBps: 10, iops: 100, ioSizeKiB: 8, readRatio: 0.7, pattern: 'constant' } };
    const hosts = Array.from({ length: 16 }, (_, i) => `host-${String(i).padStart(2, '0')}`);
    const cluster = (hot: number) => given(clusterCreated({ drs: { enabled: true, automation: 'manual', threshold: 3 } }),
      ...hosts.map((h) => hostAdded(h)),
      ...hosts.flatMap((h, i) => Array.from({ length: i === 0 ? hot : 3 }, (_, k) => runningVm(`vm-${h}-${k}`, h, tenth)).flat()));
    expect(recommendDrs(cluster(5), { clusterId: 'c1', simTime: 300 })).toEqual([]);
    const recs = recommendDrs(cluster(6), { clusterId: 'c1', simTime: 300 });
    // before the fix the tolerance was 2 x 0.1 x 4 = 0.8 and no 16-host cluster short of 0/1 loads was ever rebalanced
    expect(recs.length).toBeGreaterThan(0);
    expect(recs[0]!.rationale).toMatchObject({ reason: 'load-balance', priority: 3 });
  });
});

describe('DRS and DPM load with the Dom0 back-end charge (issue 15, F9 / F10)', () => {
  // two 83,200 MHz hosts; 3 x 8,320 MHz on host-a, 1 on host-b: loads 0.3 / 0.1, sd 0.1 -> priority 4
  const tenth: Partial<VmSpec> = { vcpus: 4, workload: { cpuDemandMhz: 8320, activeMemoryMiB: 256, dirtyRateMiBps: 10, iops: 100, ioSizeKiB: 8, readRatio: 0.7, pattern: 'constant' } };
  const state = () => given(clusterCreated({ drs: { enabled: true, automation: 'manual', threshold: 3 } }), hostAdded('host-a'), hostAdded('host-b'),
    ...['a1', 'a2', 'a3'].flatMap((v) => runningVm(v, 'host-a', tenth)), ...runningVm('b1', 'host-b', tenth));

  it("a VM's Dom0 back-end MHz is added to its host's load once: 3 x (8,320 + 4,160) / 83,200 = 0.45", () => {
    const system = { a1: 4160, a2: 4160, a3: 4160, b1: 4160 };
    const s = state();
    const without = clusterLoad(s, 'c1');
    const withDom0 = clusterLoad(s, 'c1', {}, system);
    expect(hostLoadOf(s, without, 'host-a')).toBeCloseTo(0.3, 10);
    expect(hostLoadOf(s, withDom0, 'host-a')).toBeCloseTo(0.45, 10);
    // sd 0.1 -> priority 4 (balanced at threshold 3); with the back-end sd 0.15 -> 0.15 / 0.1 x 1.414 = 2.12 -> priority 3
    expect(balancePriority(imbalanceOf(s, without), 2)).toBe(4);
    expect(balancePriority(imbalanceOf(s, withDom0), 2)).toBe(3);
    expect(recommendDrs(s, { clusterId: 'c1', simTime: 300 })).toEqual([]);
    expect(recommendDrs(s, { clusterId: 'c1', simTime: 300, systemMhz: system })[0]!.rationale).toMatchObject({ priority: 3, reason: 'load-balance' });
  });

  it('DPM counts it in the cluster CPU demand: 4 x 8,320 = 33,280 of 166,400 (20 %) becomes 49,920 (30 %)', () => {
    const s = state();
    expect(evaluateDpm(s, { clusterId: 'c1', simTime: 10 }).utilizationPercent).toBe(20);
    expect(evaluateDpm(s, { clusterId: 'c1', simTime: 10, systemMhz: { a1: 4160, a2: 4160, a3: 4160, b1: 4160 } }).utilizationPercent).toBe(30);
  });
});

// F9 recommendation priority: VMware's 6 - ceil((sd / 0.1) x sqrt(N)), worked numbers.
import { balancePriority, targetImbalance } from './drs-load.js';
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

import { gbpsToMiBps } from './bandwidth.js';
import { estimateLiveMigration, planPreCopy, preCopyOptions } from './precopy.js';

const GBE1 = 1e9 / 8 / 2 ** 20; // 119.2093 MiB/s

describe('bandwidth conversion', () => {
  it('1 Gbit/s = 1e9 / 8 / 2^20 = 119.209 MiB/s; 10 Gbit/s = 1192.09 MiB/s', () => {
    expect(gbpsToMiBps(1)).toBeCloseTo(119.2093, 4);
    expect(gbpsToMiBps(10)).toBeCloseTo(1192.093, 3);
  });
});

describe('planPreCopy (Clark et al. iterative pre-copy)', () => {
  it('1 GiB idle VM over 1 Gbit/s: one round of 1024 MiB / 119.209 MiB/s = 8.59 s, downtime = 0 MiB copy + 20 ms resume', () => {
    const plan = planPreCopy(1024, 0, GBE1);
    expect(plan.rounds).toHaveLength(1);
    expect(plan.rounds[0]!.seconds).toBeCloseTo(8.58993, 4);
    expect(plan.outcome).toBe('converged');
    expect(plan.finalCopyMiB).toBe(0);
    expect(plan.downtimeMs).toBeCloseTo(20, 6);
    expect(plan.totalSeconds).toBeCloseTo(8.58993 + 0.02, 4);
    expect(plan.sentMiB).toBe(1024);
  });

  it('dirtying at half the bandwidth: rounds 1024, 512, 256, 128, 64, final 32 MiB (32 / 119.2 = 0.27 s <= 0.3 s): sent 2016 MiB ~ 2x memory', () => {
    const plan = planPreCopy(1024, GBE1 / 2, GBE1);
    expect(plan.rounds.map((r) => r.sentMiB)).toEqual([1024, 512, 256, 128, 64].map((x) => expect.closeTo(x, 6)));
    expect(plan.finalCopyMiB).toBeCloseTo(32, 6);
    expect(plan.sentMiB).toBeCloseTo(2016, 6);
    expect(plan.sentMiB / 1024).toBeGreaterThan(1.9);
    expect(plan.sentMiB / 1024).toBeLessThan(2);
    expect(plan.downtimeMs).toBeCloseTo((32 / GBE1) * 1000 + 20, 3); // 268.4 + 20 = 288.4 ms
    // every round takes sent / bandwidth: 8.59 + 4.29 + 2.15 + 1.07 + 0.54 = 16.64 s before the stop-and-copy
    expect(plan.totalSeconds).toBeCloseTo(2016 / GBE1 + 0.02, 4);
  });

  it('non-convergent VM (dirty rate 2 x bandwidth, dirtied capped at 1024 MiB) fails at the 3x cap: 3 rounds x 1024 = 3072 MiB', () => {
    const plan = planPreCopy(1024, 2 * GBE1, GBE1);
    expect(plan.rounds.map((r) => r.sentMiB)).toEqual([1024, 1024, 1024]);
    expect(plan.rounds.map((r) => r.dirtiedMiB)).toEqual([1024, 1024, 1024]);
    expect(plan.outcome).toBe('failed');
    expect(plan.sentMiB).toBe(3072);
    expect(plan.reason).toMatch(/non-convergent: dirty rate 119\.2 MiB\/s >= bandwidth 119\.2 MiB\/s/);
    expect(plan.reason).toMatch(/exceed 3x memory \(3072 MiB\)/);
    expect(plan.reason).toMatch(/enable auto-converge/);
  });

  it('auto-converge on the same VM: throttle 0,20,30,40,50,60,70,80,80,80 % over 10 rounds, final 31.46 MiB, auto-converged', () => {
    const plan = planPreCopy(1024, 2 * GBE1, GBE1, { autoConverge: true });
    expect(plan.rounds.map((r) => r.throttlePercent)).toEqual([0, 20, 30, 40, 50, 60, 70, 80, 80, 80]);
    // rounds 0-4 resend all memory (effective rate >= bandwidth); then 2b x 0.4 = 0.8b -> 819.2, 0.6b -> 491.52,
    // 0.4b -> 196.608 (no step: 196.6 <= half of 491.5), 78.6432, and 31.45728 MiB fits in 300 ms
    expect(plan.rounds.map((r) => r.sentMiB)).toEqual([1024, 1024, 1024, 1024, 1024, 1024, 819.2, 491.52, 196.608, 78.6432].map((x) => expect.closeTo(x, 4)));
    expect(plan.finalCopyMiB).toBeCloseTo(31.45728, 4);
    expect(plan.outcome).toBe('auto-converged');
    expect(plan.throttlePercent).toBe(80);
    expect(plan.downtimeMs).toBeCloseTo((31.45728 / GBE1) * 1000 + 20, 2); // 263.9 + 20 ms
  });

  it('slowly converging VM (0.9 x bandwidth): 1024 + 921.6 + 829.44 sent, next 746.5 would pass 3x -> stop-and-copy with 6.26 s downtime', () => {
    const plan = planPreCopy(1024, 0.9 * GBE1, GBE1);
    expect(plan.rounds.map((r) => r.sentMiB)).toEqual([1024, 921.6, 829.44].map((x) => expect.closeTo(x, 6)));
    expect(plan.outcome).toBe('converged');
    expect(plan.finalCopyMiB).toBeCloseTo(746.496, 6);
    expect(plan.downtimeMs).toBeCloseTo((746.496 / GBE1) * 1000 + 20, 3);
  });

  it('max rounds 2 at 0.9 x bandwidth: stop-and-copy after round 1 with the 829.44 MiB dirtied', () => {
    const plan = planPreCopy(1024, 0.9 * GBE1, GBE1, { maxRounds: 2 });
    expect(plan.rounds).toHaveLength(2);
    expect(plan.finalCopyMiB).toBeCloseTo(829.44, 6);
  });

  it('writable working set 100 MiB caps dirtying: rounds 1024, 100, 50, final 25 MiB at half the bandwidth', () => {
    const plan = planPreCopy(1024, GBE1 / 2, GBE1, { writableWorkingSetMiB: 100 });
    expect(plan.rounds.map((r) => r.sentMiB)).toEqual([1024, 100, 50].map((x) => expect.closeTo(x, 6)));
    expect(plan.finalCopyMiB).toBeCloseTo(25, 6);
  });

  it('a 50 ms downtime target needs rounds down to 5.96 MiB: 1024 ... 8 MiB, final 4 MiB', () => {
    const plan = planPreCopy(1024, GBE1 / 2, GBE1, { downtimeTargetMs: 50 });
    expect(plan.rounds).toHaveLength(8); // 1024 / 2^8 = 4 <= 0.05 x 119.2 = 5.96
    expect(plan.finalCopyMiB).toBeCloseTo(4, 6);
  });

  it('DRS estimate: 4 GiB idle VM, 10 GbE source to 1 GbE target = 4096 / 119.209 + 0.02 = 34.38 s', () => {
    expect(estimateLiveMigration(4096, 0, 10, 1).totalSeconds).toBeCloseTo(4096 / GBE1 + 0.02, 5);
    expect(estimateLiveMigration(4096, 0, 10, 10).totalSeconds).toBeCloseTo(4096 / (10 * GBE1) + 0.02, 5);
  });

  it('refuses bad arguments: zero bandwidth, maxRounds 0', () => {
    expect(() => planPreCopy(1024, 0, 0)).toThrow(/bandwidth > 0/);
    expect(() => preCopyOptions({ maxRounds: 0 })).toThrow(/maxRounds/);
  });
});

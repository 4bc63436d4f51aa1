import { nextFreeState } from './free-state.js';
import { balloonCapMiB, DEFAULT_RECLAIM_CONFIG, distribute, hasBalloonDriver, memorySlowdown, planBalloon, planRelease, planSwapOut, type ReclaimVm } from './reclaim.js';
import { computeSharing, pageContentProfile } from './sharing.js';

const vm = (vmId: string, memoryMiB: number, activeMiB: number, o: Partial<ReclaimVm> = {}): ReclaimVm => ({
  vmId, memoryMiB, activeMiB, reservationMiB: 0, sharedMiB: 0, balloonedMiB: 0, swappedMiB: 0, hasBalloonDriver: true, ...o,
});

describe('free-memory states (classic ESX 6/4/2/1 with hysteresis)', () => {
  it.each([
    ['high', 4.0, 'high'], ['high', 3.99, 'soft'], ['high', 1.99, 'hard'], ['high', 0.99, 'low'],
    ['soft', 5.99, 'soft'], ['soft', 6.0, 'high'], ['soft', 1.5, 'hard'],
    ['hard', 3.99, 'hard'], ['hard', 4.0, 'soft'], ['low', 1.99, 'low'], ['low', 2.0, 'hard'], ['low', 7, 'high'],
  ] as const)('%s at %d%% free -> %s', (from, pct, to) => {
    expect(nextFreeState(from, pct)).toBe(to);
  });
});

describe('balloon and swap planning', () => {
  it('16 GiB VM: balloon cap 65% = 10,649 MiB (10.4 GiB); a VM already at 10,500 MiB gives at most 149 more', () => {
    expect(balloonCapMiB(16384)).toBe(10649);
    expect(balloonCapMiB(16384) / 1024).toBeCloseTo(10.4, 1);
    const { steps } = planBalloon(5000, [vm('v', 16384, 0, { balloonedMiB: 10500 })], 1000, DEFAULT_RECLAIM_CONFIG);
    expect(steps).toEqual([{ vmId: 'v', from: 10500, to: 10649, targetMiB: 10649, phase: 'idle' }]);
  });

  it('idle before active: need 1,000 MiB, idle VM A (active 256) gets it all, busy VM B none; 32 MiB/s x 10 s = 320 MiB this tick', () => {
    const { steps, reclaimed } = planBalloon(1000, [vm('a', 4096, 256), vm('b', 4096, 4096)], 10, DEFAULT_RECLAIM_CONFIG);
    expect(steps).toEqual([{ vmId: 'a', from: 0, to: 320, targetMiB: 1000, phase: 'idle' }]);
    expect(reclaimed).toBe(320);
  });

  it('need 4,000 MiB: A gives its cap 2,662 (65% of 4,096) from idle, B the other 1,338 from active', () => {
    const { steps } = planBalloon(4000, [vm('a', 4096, 256), vm('b', 4096, 4096)], 1000, DEFAULT_RECLAIM_CONFIG);
    expect(steps.map((s) => [s.vmId, s.to, s.phase])).toEqual([['a', 2662, 'idle'], ['b', 1338, 'active']]);
  });

  it('Windows needs Tools for a balloon driver; Linux has it built in', () => {
    expect(hasBalloonDriver('linux', false)).toBe(true);
    expect(hasBalloonDriver('windows', false)).toBe(false);
    expect(hasBalloonDriver('windows', true)).toBe(true);
    const { steps } = planBalloon(500, [vm('win', 4096, 0, { hasBalloonDriver: false })], 10, DEFAULT_RECLAIM_CONFIG);
    expect(steps).toEqual([]);
  });

  it('swap never goes below the reservation or into shared pages: 4,096 - 3,000 reserved - 500 shared = 596 MiB', () => {
    const steps = planSwapOut(2000, [vm('v', 4096, 4096, { reservationMiB: 3000, sharedMiB: 500 })], DEFAULT_RECLAIM_CONFIG);
    expect(steps).toEqual([{ vmId: 'v', from: 0, to: 596, targetMiB: 596, phase: 'active' }]);
  });

  it('release gives swapped pages back first (64 MiB/s), then balloons, never more than the surplus', () => {
    const vms = [vm('a', 4096, 100, { swappedMiB: 1000, balloonedMiB: 1000 })];
    const { swapIn, deflate } = planRelease(700, vms, 10, DEFAULT_RECLAIM_CONFIG);
    expect(swapIn).toEqual([{ vmId: 'a', from: 1000, to: 360, targetMiB: 300, phase: 'release' }]);
    expect(deflate).toEqual([{ vmId: 'a', from: 1000, to: 940, targetMiB: 940, phase: 'release' }]);
  });

  it('distribute splits 10 over rooms 3:3:3 as 4, 3, 3 (floors, then the rest in order)', () => {
    expect(distribute(10, [30, 30, 30])).toEqual([4, 3, 3]);
    expect(distribute(100, [10, 20])).toEqual([10, 20]);
  });

  it('slowdown: 1,024 idle MiB of 4,096 swapped = 1 + 0.05 x 0.25 = 1.013; whole working set swapped = 1 + 9 + 0.05 = 10.05; half ballooned while all active = 1.5', () => {
    expect(memorySlowdown({ memoryMiB: 4096, activeMiB: 1024, balloonedMiB: 0, swappedMiB: 0 })).toBe(1);
    expect(memorySlowdown({ memoryMiB: 4096, activeMiB: 1024, balloonedMiB: 0, swappedMiB: 1024 })).toBe(1.013);
    expect(memorySlowdown({ memoryMiB: 4096, activeMiB: 4096, balloonedMiB: 0, swappedMiB: 4096 })).toBe(10.05);
    expect(memorySlowdown({ memoryMiB: 4096, activeMiB: 4096, balloonedMiB: 2048, swappedMiB: 0 })).toBe(1.5);
  });
});

describe('transparent page sharing', () => {
  const input = (i: number, guestOs: { family: 'linux' | 'windows'; distro?: string; version: string }) => ({
    vmId: `vm${i}`, memoryMiB: 4096, activeMiB: 1024, balloonedMiB: 0, swappedMiB: 0, profile: pageContentProfile(`vm${i}`, guestOs, 7),
  });
  const saved = (r: ReturnType<typeof computeSharing>) => r.perVm.reduce((a, v) => a + v.sharedMiB, 0) - r.copiesMiB;

  it('8 identical Ubuntu 22.04 VMs of 4 GiB save 7 x 327 = 2,289 MiB more than 8 VMs of 8 different distros', () => {
    const same = computeSharing(Array.from({ length: 8 }, (_, i) => input(i, { family: 'linux', distro: 'ubuntu', version: '22.04' })));
    const mixed = computeSharing(Array.from({ length: 8 }, (_, i) => input(i, { family: 'linux', distro: `d${i}`, version: `${i}` })));
    expect(same.perVm[0]!.commonMiB).toBe(327);
    expect(same.copiesMiB).toBe(327);
    expect(saved(same) - saved(mixed)).toBe(2289);
    expect(mixed.perVm.every((v) => v.commonMiB === 0 && v.zeroMiB > 0)).toBe(true);
  });

  it('N identical Linux VMs share more than N mixed Linux / Windows VMs of different versions', () => {
    const same = computeSharing(Array.from({ length: 6 }, (_, i) => input(i, { family: 'linux', distro: 'centos', version: '7' })));
    const mixed = computeSharing(Array.from({ length: 6 }, (_, i) => input(i, i % 2 ? { family: 'windows', version: `${2012 + i}` } : { family: 'linux', distro: 'sles', version: `${i}` })));
    expect(saved(same)).toBeGreaterThan(saved(mixed));
  });

  it('the profile is deterministic per VM id and seed; zero pages of an active VM break copy-on-write', () => {
    expect(pageContentProfile('vm1', { family: 'linux', version: '1' }, 7)).toEqual(pageContentProfile('vm1', { family: 'linux', version: '1' }, 7));
    const busy = computeSharing([{ ...input(1, { family: 'windows', version: '2019' }), activeMiB: 4096 }]);
    expect(busy.perVm[0]!.zeroMiB).toBe(0);
  });
});

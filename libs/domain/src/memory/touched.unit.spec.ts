// M4 as guests really use memory: resident as it is touched, a swap space with a size, swapped pages read back
// when the guest touches them again. Worked numbers in each test.
import { evolveAll } from './evolve.js';
import { clusterCreated, given, hostAdded, linux, vmState, windows, withRunningVm, ofType } from './fixtures.spec.js';
import { planMemoryTick } from './tick.js';


describe('touched memory (M4)', () => {
  // default workload: 256 MiB active, 100 IOPS x 8 KiB x 70 % reads = 0.546875 MiB/s into the page cache
  const s0 = withRunningVm(given(clusterCreated(), hostAdded('h1', 65536)), 'lin', 'h1', { memoryMiB: 4096, guestOs: linux() });

  it('Linux: its active set at the first tick, then the page cache in steps of 5 % (205 MiB): 256 -> 463 MiB at t = 390 s', () => {
    const first = planMemoryTick(s0, { simTime: 10, tickSeconds: 10 });
    expect(ofType(first, 'GuestMemoryTouched').map((e) => e.data)).toEqual([{ vmId: 'lin', hostId: 'h1', touchedMiB: 256, deltaMiB: 256, at: 10 }]);
    let s = evolveAll(s0, first);
    // t = 380: 370 s x 0.546875 = 202.3 MiB grown, under the 205 MiB step: nothing recorded
    expect(ofType(planMemoryTick(s, { simTime: 380, tickSeconds: 10 }), 'GuestMemoryTouched')).toEqual([]);
    // t = 390: 380 s x 0.546875 = 207.8 -> 256 + 207 = 463 MiB
    const later = planMemoryTick(s, { simTime: 390, tickSeconds: 10 });
    expect(ofType(later, 'GuestMemoryTouched').map((e) => [e.data.touchedMiB, e.data.deltaMiB])).toEqual([[463, 207]]);
    s = evolveAll(s, later);
    expect(s.vms.lin).toMatchObject({ touchedMiB: 463, touchedAt: 390 });
  });

  it('Windows zeroes its free pages at boot: all 4,096 MiB are touched at once; stopping it leaves nothing resident', () => {
    const s = withRunningVm(given(clusterCreated(), hostAdded('h1', 65536)), 'win', 'h1', { memoryMiB: 4096, guestOs: windows(), toolsInstalled: true });
    const events = planMemoryTick(s, { simTime: 10, tickSeconds: 10 });
    expect(ofType(events, 'GuestMemoryTouched').map((e) => e.data.touchedMiB)).toEqual([4096]);
    const stopped = evolveAll(evolveAll(s, events), [vmState('win', 'stopped', 'h1')]);
    expect(stopped.vms.win).toMatchObject({ touchedMiB: 0, touchedAt: null });
  });

  it('untouched memory holds nothing: 8 idle Linux VMs of 8 GiB fit a 32 GiB host that all-touched would put under pressure', () => {
    let idle = given(clusterCreated('c1', true, 2), hostAdded('h1', 32768));
    for (let i = 1; i <= 8; i++) idle = withRunningVm(idle, `v${i}`, 'h1', { memoryMiB: 4096 + 2048, guestOs: linux(`${i}`, 'd') });
    const touchedOnly = planMemoryTick(idle, { simTime: 10, tickSeconds: 10 });
    expect(ofType(touchedOnly, 'HostMemoryStateChanged')).toEqual([]);
    const allActive = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`v${i + 1}`, 6144]));
    expect(ofType(planMemoryTick(idle, { simTime: 10, tickSeconds: 10, activeMiB: allActive }), 'HostMemoryStateChanged')).not.toEqual([]);
  });
});

describe('swap space and swap-in on touch (M4)', () => {
  /** a 32 GiB host with a 512 MiB swap space, 8 x 4 GiB VMs all active: ballooning cannot give enough in one tick */
  function pressed(swapMiB: number) {
    let s = given(clusterCreated('c1', true, 1.5), hostAdded('h1', 32768, { swapMiB }));
    const active: Record<string, number> = {};
    for (let i = 1; i <= 9; i++) { s = withRunningVm(s, `v${i}`, 'h1', { guestOs: linux(`${i}`, 'd') }); active[`v${i}`] = 4096; }
    return { s, active };
  }

  it('swapping stops when the swap space is full: at most 512 MiB swapped, the reason says so', () => {
    const { s, active } = pressed(512);
    const events = planMemoryTick(s, { simTime: 10, tickSeconds: 10, activeMiB: active });
    const swaps = ofType(events, 'MemorySwappedOut');
    expect(swaps.length).toBeGreaterThan(0);
    expect(swaps.reduce((a, e) => a + e.data.deltaMiB, 0)).toBe(512);
    expect(swaps[0]!.data.rationale.why).toContain('swap space 512 MiB: 512 MiB left');
    const unbounded = ofType(planMemoryTick(pressed(1_000_000).s, { simTime: 10, tickSeconds: 10, activeMiB: active }), 'MemorySwappedOut');
    expect(unbounded.reduce((a, e) => a + e.data.deltaMiB, 0)).toBeGreaterThan(512);
  });

  it('a guest whose active set grows into swapped pages reads them back: 2,000 swapped, active 1,024 -> 3,072 of 4,096: 976 MiB faulted back (64 MiB/s x 10 s allows 640)', () => {
    let s = withRunningVm(given(clusterCreated(), hostAdded('h1', 65536)), 'g', 'h1', { memoryMiB: 4096, guestOs: linux(), workload: { activeMemoryMiB: 1024 } });
    s = evolveAll(s, [{ type: 'MemorySwappedOut', data: { vmId: 'g', hostId: 'h1', swappedMiB: 2000, deltaMiB: 2000, slowdown: 1, rationale: { hostFreePercent: 1, hostState: 'hard', why: 'test' } } }]);
    // idle room now 4,096 - 3,072 = 1,024 MiB; 2,000 - 1,024 = 976 swapped pages are in the working set; the rate caps it at 640
    const events = planMemoryTick(s, { simTime: 10, tickSeconds: 10, activeMiB: { g: 3072 } });
    const back = ofType(events, 'MemorySwappedIn');
    expect(back.map((e) => [e.data.swappedMiB, e.data.deltaMiB])).toEqual([[1360, 640]]);
    expect(back[0]!.data.slowdown).toBeGreaterThan(1);
    expect(back[0]!.data.rationale.why).toContain('grew by 2048 MiB into 640 MiB of swapped pages');
    // a constant workload touches nothing new: nothing is faulted back (the host, being high, releases as before)
    const steady = ofType(planMemoryTick(s, { simTime: 10, tickSeconds: 10 }), 'MemorySwappedIn');
    expect(steady.map((e) => e.data.rationale.why)).toEqual([expect.stringContaining('host back in high state')]);
  });
});

describe('huge pages: page tables and guest kernels (M3)', () => {
  it('a 16 GiB VM costs 140 MiB of overhead on 4 KiB pages, 108 MiB on 2 MiB pages (32 MiB of page tables saved)', async () => {
    const { vmOverheadMiB } = await import('./overhead.js');
    expect([vmOverheadMiB(1, 16384), vmOverheadMiB(1, 16384, true)]).toEqual([140, 108]);
  });
});

import { evolveAll } from './evolve.js';
import { clusterCreated, given, hostAdded, linux, vmState, windows, withRunningVm, ofType } from './fixtures.spec.js';
import type { MemoryState } from './state.js';
import { DEFAULT_WORKLOAD, workloadAt } from '../shared/workload.js';
import { activeMemoryOf, planMemoryTick } from './tick.js';


/** 32 GiB host (capacity 31,600 MiB; 6% = 1,966.08 MiB) with 7 x 4 GiB VMs of distinct OS versions + one VM of `lastMiB`. */
function host32(lastMiB: number, windowsVms = 0): { state: MemoryState; active: Record<string, number> } {
  let s = given(clusterCreated('c1', true, 1.5), hostAdded('h1', 32768));
  const active: Record<string, number> = {};
  for (let i = 1; i <= 7; i++) {
    s = withRunningVm(s, `vm${i}`, 'h1', { guestOs: i <= windowsVms ? windows(`${2000 + i}`) : linux(`${i}`, 'd') });
    active[`vm${i}`] = 4096;
  }
  s = withRunningVm(s, 'vmx', 'h1', { memoryMiB: lastMiB, guestOs: linux('99') });
  active.vmx = lastMiB;
  return { state: s, active };
}

describe('memory tick: reclamation by host free-memory state', () => {
  it('free 31,600 - 30,232 - 373 overhead = 995 MiB (3.04%) -> soft: balloons take the 972 MiB needed to reach 6%, no swap', () => {
    const { state, active } = host32(1560);
    const events = planMemoryTick(state, { simTime: 10, tickSeconds: 10, activeMiB: active });
    expect(ofType(events, 'HostMemoryStateChanged')).toEqual([expect.objectContaining({ data: expect.objectContaining({ from: 'high', to: 'soft', freeMiB: 995, freePercent: 3.04 }) })]);
    const balloons = ofType(events, 'BalloonInflated');
    expect(balloons.map((e) => [e.data.vmId, e.data.balloonedMiB])).toEqual([
      ['vm1', 136], ['vm2', 131], ['vm3', 131], ['vm4', 131], ['vm5', 131], ['vm6', 131], ['vm7', 131], ['vmx', 50],
    ]);
    expect(balloons.reduce((a, e) => a + e.data.deltaMiB, 0)).toBe(972);
    expect(balloons[0]!.data.rationale).toMatchObject({ hostFreePercent: 3.04, hostState: 'soft' });
    expect(balloons[0]!.data.rationale.why).toContain('host needs 972 MiB');
    expect(ofType(events, 'MemorySwappedOut')).toEqual([]);

    const next = planMemoryTick(evolveAll(state, events), { simTime: 20, tickSeconds: 10, activeMiB: active });
    expect(next).toEqual([expect.objectContaining({ type: 'HostMemoryStateChanged', data: expect.objectContaining({ from: 'soft', to: 'high', freeMiB: 1967 }) })]);
  });

  it('free 410 MiB (1.25%) -> hard: balloons give 1,190 MiB at 320 MiB per 10 s tick, swap covers the other 367; Windows without Tools only swaps', () => {
    const { state, active } = host32(2140, 4);
    const events = planMemoryTick(state, { simTime: 10, tickSeconds: 10, activeMiB: active });
    expect(ofType(events, 'HostMemoryStateChanged')[0]!.data).toMatchObject({ to: 'hard', freeMiB: 410, freePercent: 1.25 });
    expect(ofType(events, 'BalloonInflated').map((e) => [e.data.vmId, e.data.balloonedMiB, e.data.targetMiB])).toEqual([
      ['vm5', 320, 443], ['vm6', 320, 442], ['vm7', 320, 442], ['vmx', 230, 230],
    ]);
    const swaps = ofType(events, 'MemorySwappedOut');
    expect(swaps.reduce((a, e) => a + e.data.deltaMiB, 0)).toBe(367);
    expect(swaps.find((e) => e.data.vmId === 'vm1')!.data.swappedMiB).toBe(56);
    expect(swaps.find((e) => e.data.vmId === 'vm2')!.data.slowdown).toBeCloseTo(1.11, 2);
  });

  it('pressure gone (vmx powered off): vmx gives everything back, the others deflate at 32 MiB/s and the host is high', () => {
    const { state, active } = host32(1560);
    const s1 = evolveAll(state, planMemoryTick(state, { simTime: 10, tickSeconds: 10, activeMiB: active }));
    const s2 = evolveAll(s1, [vmState('vmx', 'stopped', 'h1')]);
    const events = planMemoryTick(s2, { simTime: 11, tickSeconds: 1, activeMiB: active });
    const deflated = ofType(events, 'BalloonDeflated');
    expect(deflated.find((e) => e.data.vmId === 'vmx')!.data).toMatchObject({ balloonedMiB: 0, deltaMiB: 50 });
    expect(deflated.find((e) => e.data.vmId === 'vm1')!.data).toMatchObject({ balloonedMiB: 104, deltaMiB: 32, targetMiB: 0 });
    expect(deflated.filter((e) => e.data.vmId !== 'vmx').every((e) => e.data.deltaMiB === 32 && e.data.rationale.hostState === 'high')).toBe(true);
  });

  it('huge-page-backed VMs are never shared, ballooned or swapped, even in the low state', () => {
    let s = given(clusterCreated(), hostAdded('hp', 32768, { hugePagesMiB: 20480 }));
    for (const id of ['a', 'b', 'c', 'd']) s = withRunningVm(s, id, 'hp', { guestOs: linux() });
    const squeezed: MemoryState = { ...s, hosts: { ...s.hosts, hp: { ...s.hosts.hp!, capacityMiB: 100 } } };
    const events = planMemoryTick(squeezed, { simTime: 10, tickSeconds: 10 });
    expect(events.map((e) => e.type)).toEqual(['HostMemoryStateChanged']);
    expect(events[0]!.data).toMatchObject({ to: 'low' });
  });

  it('identical guests share pages and report it once; a quiet host emits nothing on the next tick', () => {
    let s = given(clusterCreated(), hostAdded('h1', 65536));
    for (const id of ['a', 'b', 'c']) s = withRunningVm(s, id, 'h1', { guestOs: linux() });
    const input = { simTime: 10, tickSeconds: 10, activeMiB: { a: 1024, b: 1024, c: 1024 } };
    const first = planMemoryTick(s, input);
    const shared = ofType(first, 'PagesShared');
    expect(shared.map((e) => [e.data.vmId, e.data.commonMiB, e.data.peers])).toEqual([['a', 327, 2], ['b', 327, 2], ['c', 327, 2]]);
    expect(planMemoryTick(evolveAll(s, first), input)).toEqual([]);
  });

  it('same state and input, same events (deterministic)', () => {
    const { state, active } = host32(2140, 4);
    expect(planMemoryTick(state, { simTime: 5, tickSeconds: 10, activeMiB: active })).toEqual(planMemoryTick(state, { simTime: 5, tickSeconds: 10, activeMiB: active }));
  });
});

describe('active memory from the workload', () => {
  it('a constant profile of 1,536 MiB active gives what workloadAt gives (1,536); a diurnal one peaks at 1.5 x at 15:00', () => {
    let s = given(clusterCreated(), hostAdded('h1', 65536));
    s = withRunningVm(s, 'c', 'h1');
    s = withRunningVm(s, 'd', 'h1');
    const withWorkload = (id: string, pattern: 'constant' | 'diurnal') => ({ ...s.vms[id]!, workload: { ...DEFAULT_WORKLOAD, activeMemoryMiB: 1536, pattern } });
    expect(activeMemoryOf(withWorkload('c', 'constant'), 7, { simTime: 12_345 })).toBe(workloadAt(withWorkload('c', 'constant').workload, 'c', 7, 12_345).activeMemoryMiB);
    expect(activeMemoryOf(withWorkload('c', 'constant'), 7, { simTime: 12_345 })).toBe(1536);
    expect(activeMemoryOf(withWorkload('d', 'diurnal'), 7, { simTime: 15 * 3600 })).toBe(2304);
  });
});

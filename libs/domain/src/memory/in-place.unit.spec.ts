import { stateHash } from '@virtsim/contracts';
import { decideMemory } from './decide.js';
import { evolveAll, evolveInPlace, overlay } from './evolve.js';
import { clusterCreated, given, hostAdded, mem, reserveCmd, vmRequested, vmState } from './fixtures.spec.js';
import { singleNode } from './numa.js';
import type { MemoryInputEvent } from './state.js';

describe('evolve in place, overlay, forced move', () => {
  const setup: MemoryInputEvent[] = [clusterCreated('c1', false), hostAdded('h1', 32768, { numaNodes: 2 }), hostAdded('h2', 16384, { hugePagesMiB: 4096 }), vmRequested('a', { memoryMiB: 8192 }), vmRequested('b', { hugePages: true, memoryMiB: 6144 })];

  it('evolveInPlace gives the same state as evolveAll and mutates its input only', () => {
    const s0 = given(...setup);
    const { events } = mem.givenState(s0).when(reserveCmd('a', 'h1', 8192)).result();
    const more: MemoryInputEvent[] = [...events, vmState('a', 'running', 'h1'), { type: 'VmDeleted', data: { vmId: 'b', clusterId: 'c1', hostId: null } }];
    const copy = evolveAll(s0, more);
    const before = stateHash(s0);
    const live = evolveInPlace(given(...setup), more);
    expect(stateHash(live)).toBe(stateHash(copy));
    expect(stateHash(s0)).toBe(before);
  });

  it('overlay sees its own decisions one after another and leaves the state untouched', () => {
    const s0 = given(...setup, vmRequested('c', { memoryMiB: 8192 }));
    const before = stateHash(s0);
    const o = overlay(s0);
    o.apply(decideMemory(reserveCmd('a', 'h1', 8192), o.state));
    o.apply(decideMemory(reserveCmd('c', 'h1', 8192), o.state));
    expect(o.state.hosts.h1!.configuredMiB).toBe(16384);
    expect(o.state.hosts.h1!.vmIds).toEqual(['a', 'c']);
    expect(stateHash(s0)).toBe(before);
    expect(s0.hosts.h1!.configuredMiB).toBe(0);
  });

  it('a forced move of a VM already running on the target records the refusal in its reason instead of failing', () => {
    const s1 = mem.givenState(given(...setup)).when(reserveCmd('b', 'h1', 6144, { hugePages: false })).result().state;
    // b wants huge pages: h2 has 4 GiB of pool, b needs 6 GiB
    const move = { type: 'MoveVmMemory' as const, vmId: 'b', toHostId: 'h2', numa: singleNode(6144, 1) };
    mem.givenState(s1).when(move).thenThrows('unprocessable', { rule: 'memory.hugePagesShort' });
    const [e] = mem.givenState(s1).when({ ...move, force: true }).result().events;
    expect(e).toMatchObject({ type: 'VmMemoryMoved', data: { vmId: 'b', fromHostId: 'h1', toHostId: 'h2', hugeBacked: false } });
    expect((e!.data as { reason: string }).reason).toMatch(/admitted over limit: .*huge-page pool is short/);
    const s2 = evolveAll(s1, [e!]);
    expect(s2.vms.b!.hostId).toBe('h2');
    expect(s2.hosts.h1!.vmIds).toEqual([]);
    expect(s2.hosts.h2!.configuredMiB).toBe(6144);
  });
});

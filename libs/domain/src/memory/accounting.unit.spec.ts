import { clusterCreated, given, hostAdded, mem, reserveCmd, vmRequested, vmState, windows, withRunningVm } from './fixtures.spec.js';
import { evolveAll } from './evolve.js';
import { hypervisorMiB, vmOverheadMiB } from './overhead.js';
import { hostMemoryView, vmMemoryView } from './views.js';

describe('host memory accounting', () => {
  it('type1 kvm host of 64 GiB keeps 512 + 2% = 1,823 MiB; type2 keeps 2,048 + 10% = 8,602 MiB; xen adds a 1 GiB Dom0', () => {
    const cpu = { memoryMiB: 65536 };
    expect(hypervisorMiB({ ...cpu, hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' } })).toBe(1823);
    expect(hypervisorMiB({ ...cpu, hypervisor: { type: 'type2', mode: 'hardware-assisted', product: 'kvm' } })).toBe(8602);
    expect(hypervisorMiB({ ...cpu, hypervisor: { type: 'type1', mode: 'paravirtual', product: 'xen' } })).toBe(2847);
  });

  it('VM overhead follows the vSphere table: 1 vCPU/1 GiB 26 MiB, 1 vCPU/16 GiB 140 MiB, 8 vCPU/16 GiB 168 MiB', () => {
    expect(vmOverheadMiB(1, 1024)).toBe(26);
    expect(vmOverheadMiB(1, 16384)).toBe(140);
    expect(vmOverheadMiB(8, 16384)).toBe(168);
  });

  it('reserving 4 GiB (1 GiB reserved) on a 32 GiB host: capacity 32,768 - 1,168 = 31,600 MiB, overhead 49 MiB', () => {
    const s0 = given(clusterCreated(), hostAdded('h1', 32768), vmRequested('vm1'));
    const { state, events } = mem.givenState(s0).when(reserveCmd('vm1', 'h1', 4096, { reservationMiB: 1024 })).result();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'VmMemoryReserved', data: { vmId: 'vm1', hostId: 'h1', overheadMiB: 49, hugeBacked: false } });
    expect(hostMemoryView(state, 'h1')).toMatchObject({ capacityMiB: 31600, configuredMiB: 4096, reservedMiB: 1024, overheadMiB: 49, vmCount: 1 });
  });

  it('reservations never exceed capacity, even with overcommit: 31,600 MiB capacity refuses a 31,600 MiB reservation + 256 MiB overhead', () => {
    const s0 = given(clusterCreated('c1', true, 2), hostAdded('h1', 32768), vmRequested('big', { memoryMiB: 32000 }));
    const err = mem.givenState(s0).when(reserveCmd('big', 'h1', 32000, { reservationMiB: 31600 })).thenThrows('unprocessable', { rule: 'memory.reservation', vmId: 'big', hostId: 'h1' });
    expect(err.message).toContain('host h1');
  });

  it('without overcommit 2 x 16 GiB do not fit 31,600 MiB; with ratio 1.5 (47,400 MiB) they do', () => {
    const noOc = given(clusterCreated('c1', false), hostAdded('h1', 32768), vmRequested('a', { memoryMiB: 16384 }), vmRequested('b', { memoryMiB: 16384 }));
    const s1 = mem.givenState(noOc).when(reserveCmd('a', 'h1', 16384)).result().state;
    mem.givenState(s1).when(reserveCmd('b', 'h1', 16384)).thenThrows('unprocessable', { rule: 'memory.overcommit' });

    const oc = given(clusterCreated('c1', true, 1.5), hostAdded('h1', 32768), vmRequested('a', { memoryMiB: 16384 }), vmRequested('b', { memoryMiB: 16384 }));
    const s2 = mem.givenState(mem.givenState(oc).when(reserveCmd('a', 'h1', 16384)).result().state).when(reserveCmd('b', 'h1', 16384)).result().state;
    expect(hostMemoryView(s2, 'h1').configuredMiB).toBe(32768);
    expect(hostMemoryView(s2, 'h1').overcommit).toBeGreaterThan(1);
  });

  it('release frees configured, reserved and overhead; a second release is a no-op (saga compensation retry)', () => {
    const s0 = given(clusterCreated(), hostAdded('h1', 32768), vmRequested('vm1'));
    const s1 = mem.givenState(s0).when(reserveCmd('vm1', 'h1', 4096, { reservationMiB: 1024 })).result().state;
    const r = mem.givenState(s1).when({ type: 'ReleaseVmMemory', vmId: 'vm1', reason: 'saga compensation' }).result();
    expect(r.events).toEqual([{ type: 'VmMemoryReleased', data: { vmId: 'vm1', hostId: 'h1', freedMiB: 4145, reason: 'saga compensation' } }]);
    expect(hostMemoryView(r.state, 'h1')).toMatchObject({ configuredMiB: 0, reservedMiB: 0, overheadMiB: 0, vmCount: 0 });
    expect(mem.givenState(r.state).when({ type: 'ReleaseVmMemory', vmId: 'vm1' }).result().events).toEqual([]);
    expect(r.state.hosts.h1!.freeNormal).toEqual(s0.hosts.h1!.freeNormal);
  });

  it('VmDeleted releases what the VM still holds', () => {
    const s0 = given(clusterCreated(), hostAdded('h1', 32768), vmRequested('vm1'));
    const s1 = mem.givenState(s0).when(reserveCmd('vm1', 'h1')).result().state;
    const deleted = evolveAll(s1, [{ type: 'VmDeleted', data: { vmId: 'vm1', clusterId: 'c1', hostId: 'h1' } }]);
    expect(hostMemoryView(deleted, 'h1')).toMatchObject({ configuredMiB: 0, overheadMiB: 0, vmCount: 0 });
    expect(deleted.vms.vm1).toBeUndefined();
    expect(deleted.hosts.h1!.freeNormal).toEqual(s0.hosts.h1!.freeNormal);
  });

  it('MoveVmMemory (live migration) moves 4 GiB + 49 MiB overhead from h1 to h2', () => {
    let s = given(clusterCreated(), hostAdded('h1', 32768), hostAdded('h2', 32768));
    s = withRunningVm(s, 'vm1', 'h1');
    const r = mem.givenState(s).when({ type: 'MoveVmMemory', vmId: 'vm1', toHostId: 'h2', numa: { nodes: [0], memoryMiBPerNode: [4096], vcpusPerNode: [1] }, reason: 'live-migration' }).result();
    expect(r.events[0]).toMatchObject({ type: 'VmMemoryMoved', data: { fromHostId: 'h1', toHostId: 'h2' } });
    expect(hostMemoryView(r.state, 'h1')).toMatchObject({ configuredMiB: 0, overheadMiB: 0 });
    expect(hostMemoryView(r.state, 'h2')).toMatchObject({ configuredMiB: 4096, overheadMiB: 49 });
    expect(vmMemoryView(r.state, 'vm1', 0, { vm1: 1024 })).toMatchObject({ hostId: 'h2', grantedMiB: 4096, activeMiB: 1024 });
  });
});

describe('online memory change (F4, M5)', () => {
  const base = () => withRunningVm(given(clusterCreated(), hostAdded('h1', 32768)), 'lin', 'h1');

  it('a running Linux VM grows 4,096 -> 8,192 MiB online; overhead 49 -> 80 MiB', () => {
    const r = mem.givenState(base()).when({ type: 'GrowVmMemory', vmId: 'lin', memoryMiB: 8192 }).result();
    expect(r.events[0]).toMatchObject({ type: 'VmMemoryResized', data: { fromMiB: 4096, toMiB: 8192, online: true, overheadMiB: 80 } });
    expect(hostMemoryView(r.state, 'h1')).toMatchObject({ configuredMiB: 8192, overheadMiB: 80 });
    expect(r.state.vms.lin!.numa!.memoryMiBPerNode).toEqual([8192]);
  });

  it('a running Windows VM grows online too', () => {
    const s = withRunningVm(given(clusterCreated(), hostAdded('h1', 32768)), 'win', 'h1', { guestOs: windows() });
    expect(mem.givenState(s).when({ type: 'GrowVmMemory', vmId: 'win', memoryMiB: 6144 }).result().events[0]).toMatchObject({ data: { online: true, toMiB: 6144 } });
  });

  it('shrinking a running VM is refused with conflict memory.shrinkOnline; powered off it shrinks', () => {
    const s = base();
    mem.givenState(s).when({ type: 'GrowVmMemory', vmId: 'lin', memoryMiB: 2048 }).thenThrows('conflict', { rule: 'memory.shrinkOnline', vmId: 'lin' });
    const off = evolveAll(s, [vmState('lin', 'stopped', 'h1')]);
    const stopped = mem.givenState(off).when({ type: 'GrowVmMemory', vmId: 'lin', memoryMiB: 2048 }).result();
    expect(stopped.events[0]).toMatchObject({ data: { online: false, toMiB: 2048 } });
    expect(hostMemoryView(stopped.state, 'h1').configuredMiB).toBe(2048);
  });

  it('growth past the overcommit limit is refused (no overcommit: 31,600 MiB capacity)', () => {
    const s = withRunningVm(given(clusterCreated('c1', false), hostAdded('h1', 32768)), 'lin', 'h1');
    mem.givenState(s).when({ type: 'GrowVmMemory', vmId: 'lin', memoryMiB: 32768 }).thenThrows('unprocessable', { rule: 'memory.overcommit' });
  });

  it('state events feed the power state: a stopped VM is not powered on', () => {
    const s = given(clusterCreated(), hostAdded('h1', 32768), vmRequested('v'), vmState('v', 'stopped'));
    expect(s.vms.v!.power).toBe('stopped');
  });
});

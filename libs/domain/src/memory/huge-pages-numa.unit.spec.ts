import { clusterCreated, given, hostAdded, mem, reserveCmd, vmRequested } from './fixtures.spec.js';
import { hostMemoryView } from './views.js';

describe('huge pages (M3)', () => {
  const poolHost = () => given(clusterCreated(), hostAdded('hp', 32768, { hugePagesMiB: 8192 }), hostAdded('plain', 32768),
    vmRequested('db', { hugePages: true }), vmRequested('web'), vmRequested('big', { memoryMiB: 6144, hugePages: true }));

  it('pool 8,192 MiB: capacity 32,768 - 1,168 - 8,192 = 23,408 MiB; a 4 GiB huge-page VM leaves 4,096 free, 4,096 reserved; its overhead 41 MiB (49 on 4 KiB pages: 8 MiB of page tables saved)', () => {
    const { state, events } = mem.givenState(poolHost()).when(reserveCmd('db', 'hp', 4096, { hugePages: true })).result();
    expect(events[0]).toMatchObject({ type: 'VmMemoryReserved', data: { hugeBacked: true, wantsHugePages: true } });
    expect(hostMemoryView(state, 'hp')).toMatchObject({ capacityMiB: 23408, configuredMiB: 0, overheadMiB: 41, hugePages: { totalMiB: 8192, freeMiB: 4096, reservedMiB: 4096 } });
  });

  it('on a host with a pool every VM is backed by it, asked or not (the seed rule)', () => {
    const { state } = mem.givenState(poolHost()).when(reserveCmd('web', 'hp', 4096)).result();
    expect(state.vms.web!.hugeBacked).toBe(true);
    expect(hostMemoryView(state, 'hp').hugePages.freeMiB).toBe(4096);
  });

  it('refused with memory.hugePagesShort when the pool is short: 6,144 MiB needed, 4,096 of 8,192 free', () => {
    const s = mem.givenState(poolHost()).when(reserveCmd('db', 'hp', 4096, { hugePages: true })).result().state;
    const err = mem.givenState(s).when(reserveCmd('big', 'hp', 6144, { hugePages: true }))
      .thenThrows('unprocessable', { rule: 'memory.hugePagesShort', neededMiB: 6144, freeMiB: 4096, poolMiB: 8192 });
    expect(err.message).toBe('host hp huge-page pool is short for VM big: needs 6144 MiB, 4096 of 8192 MiB free');
  });

  it('a VM that asks for huge pages is refused on a host without a pool', () => {
    mem.givenState(poolHost()).when(reserveCmd('db', 'plain', 4096, { hugePages: true })).thenThrows('unprocessable', { rule: 'memory.hugePagesShort', hostId: 'plain', poolMiB: 0 });
  });

  it('release returns the huge pages to the pool', () => {
    const s = mem.givenState(poolHost()).when(reserveCmd('db', 'hp', 4096, { hugePages: true })).result().state;
    const r = mem.givenState(s).when({ type: 'ReleaseVmMemory', vmId: 'db' }).result().state;
    expect(hostMemoryView(r, 'hp').hugePages).toEqual({ totalMiB: 8192, freeMiB: 8192, reservedMiB: 0 });
  });
});

describe('NUMA memory (P4)', () => {
  const twoNodes = () => given(clusterCreated(), hostAdded('h', 65536, { numaNodes: 2 }), vmRequested('wide', { memoryMiB: 24576, vcpus: 8, reservationMiB: 12288 }));

  it('64 GiB, 2 nodes: capacity 65,536 - 1,823 = 63,713 MiB -> node 0 31,857, node 1 31,856; a 16+8 GiB vNUMA VM is counted per node', () => {
    const { state } = mem.givenState(twoNodes()).when({
      type: 'ReserveVmMemory', vmId: 'wide', hostId: 'h', memoryMiB: 24576, reservationMiB: 12288, hugePages: false,
      numa: { nodes: [0, 1], memoryMiBPerNode: [16384, 8192], vcpusPerNode: [4, 4] },
    }).result();
    const nodes = hostMemoryView(state, 'h').nodes;
    expect(nodes.map((n) => n.capacityMiB)).toEqual([31857, 31856]);
    expect(nodes.map((n) => n.configuredMiB)).toEqual([16384, 8192]);
    expect(nodes.map((n) => n.reservedMiB)).toEqual([8192, 4096]);
  });

  it('a node reservation beyond the node refuses with memory.reservation naming the node', () => {
    const s = given(clusterCreated(), hostAdded('h', 65536, { numaNodes: 2 }), vmRequested('pinned', { memoryMiB: 32768, reservationMiB: 32768 }));
    mem.givenState(s).when(reserveCmd('pinned', 'h', 32768, { reservationMiB: 32768 })).thenThrows('unprocessable', { rule: 'memory.reservation', node: 0 });
  });

  it('a placement on a node the host lacks, or not summing to the VM memory, is invalid', () => {
    const wide = (nodes: number[], per: number[]) => mem.givenState(twoNodes()).when({
      type: 'ReserveVmMemory', vmId: 'wide', hostId: 'h', memoryMiB: 24576, reservationMiB: 0, hugePages: false,
      numa: { nodes, memoryMiBPerNode: per, vcpusPerNode: nodes.map(() => 4) },
    });
    wide([0, 2], [16384, 8192]).thenThrows('invalid');
    wide([0, 1], [16384, 4096]).thenThrows('invalid');
  });
});

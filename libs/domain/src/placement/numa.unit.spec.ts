import { vmCreationRequestedData } from '@virtsim/contracts';
import { clusterCreated, given, hostAdded, runningVm, vmSpec } from './fixtures.spec.js';
import { numaCostFactor, numaPlacementFor, remoteMemoryShare } from './numa.js';
import { placeVm } from './place.js';

// Fixture host: 32 threads, 262,144 MiB, 2 nodes -> 16 threads per node; VM memory per node is what the memory-manager
// counts too (memory/numa-layout.ts): (262,144 - kvm's ceil(512 + 2 %) = 5,755) / 2 -> 128,195 + 128,194 MiB.
const twoNodes = () => given(clusterCreated(), hostAdded('h1'));

describe('NUMA affinity (P4 / F6)', () => {
  it('a 4-vCPU 8 GiB VM fits one node: it goes on the least used node (node 1 when node 0 holds 8 vCPUs)', () => {
    const state = given(clusterCreated(), hostAdded('h1'), runningVm('busy', 'h1', { vcpus: 8, memoryMiB: 16384 }));
    expect(state.hosts.h1!.alloc.numaVcpus).toEqual([8, 0]);
    expect(numaPlacementFor(state.hosts.h1!, vmSpec('v', { vcpus: 4, memoryMiB: 8192 }))).toEqual({ nodes: [1], vcpusPerNode: [4], memoryMiBPerNode: [8192] });
  });

  it('24 vCPUs > 16 threads per node -> vNUMA over 2 nodes: 12 + 12 vCPUs, 20,480 MiB split 10,240 + 10,240', () => {
    expect(numaPlacementFor(twoNodes().hosts.h1!, vmSpec('v', { vcpus: 24, memoryMiB: 20480 })))
      .toEqual({ nodes: [0, 1], vcpusPerNode: [12, 12], memoryMiBPerNode: [10240, 10240] });
  });

  it('4 vCPUs but 150,000 MiB > 128,195 MiB per node -> 2 nodes: 2 + 2 vCPUs, 75,000 MiB each', () => {
    expect(numaPlacementFor(twoNodes().hosts.h1!, vmSpec('v', { vcpus: 4, memoryMiB: 150_000 })))
      .toEqual({ nodes: [0, 1], vcpusPerNode: [2, 2], memoryMiBPerNode: [75_000, 75_000] });
  });

  it('an odd split gives the remainder to the first node: 17 vCPUs -> 9 + 8', () => {
    expect(numaPlacementFor(twoNodes().hosts.h1!, vmSpec('v', { vcpus: 17, memoryMiB: 1001 }))?.vcpusPerNode).toEqual([9, 8]);
  });

  it('strict 4 nodes on a 2-node host cannot be met: the numa filter rejects the host; preferred clamps to 2', () => {
    const state = twoNodes();
    expect(numaPlacementFor(state.hosts.h1!, vmSpec('v', { numa: { nodes: 4, policy: 'strict' } }))).toBeNull();
    expect(() => placeVm(state, { vmId: 'v', spec: vmSpec('v', { numa: { nodes: 4, policy: 'strict' } }) })).toThrow(/numa: 1/);
    expect(numaPlacementFor(state.hosts.h1!, vmSpec('v', { numa: { nodes: 4, policy: 'preferred' } }))?.nodes).toEqual([0, 1]);
  });

  it('strict 1 node needs the memory free on that node: 120 GiB used on each node leaves 5,315 / 5,314 MiB: 8 GiB refused, 4 GiB fits', () => {
    const state = given(clusterCreated(), hostAdded('h1'),
      runningVm('a', 'h1', { memoryMiB: 122_880 }),
      { type: 'VmCreationRequested', data: vmCreationRequestedData('b', vmSpec('b', { memoryMiB: 122_880 })) },
      { type: 'VmPlaced', data: { vmId: 'b', clusterId: 'c1', hostId: 'h1', numa: { nodes: [1], vcpusPerNode: [2], memoryMiBPerNode: [122_880] }, brokenShouldRules: [], reason: 't' } });
    expect(state.hosts.h1!.alloc.numaMemoryMiB).toEqual([122_880, 122_880]);
    expect(numaPlacementFor(state.hosts.h1!, vmSpec('v', { memoryMiB: 16384, numa: { policy: 'strict' } }))).toBeNull();
    expect(numaPlacementFor(state.hosts.h1!, vmSpec('v', { memoryMiB: 8192, numa: { policy: 'strict' } }))).toBeNull();
    expect(numaPlacementFor(state.hosts.h1!, vmSpec('v', { memoryMiB: 4096, numa: { policy: 'strict' } }))?.nodes).toHaveLength(1);
    expect(numaPlacementFor(state.hosts.h1!, vmSpec('v', { memoryMiB: 16384, numa: { policy: 'preferred' } }))?.nodes).toEqual([0]);
  });
});

describe('numaCostFactor (remote memory, default 1.3x latency)', () => {
  it('one node -> 1.0', () => {
    expect(numaCostFactor({ nodes: [1], vcpusPerNode: [4], memoryMiBPerNode: [8192] })).toBe(1);
  });

  it('two even nodes -> half the accesses remote -> 1 + 0.3 x 0.5 = 1.15', () => {
    const p = { nodes: [0, 1], vcpusPerNode: [12, 12], memoryMiBPerNode: [10240, 10240] };
    expect(remoteMemoryShare(p)).toBeCloseTo(0.5, 10);
    expect(numaCostFactor(p)).toBeCloseTo(1.15, 10);
  });

  it('four even nodes -> 3/4 remote -> 1.225; with a 2.0 remote factor -> 1.75', () => {
    const p = { nodes: [0, 1, 2, 3], vcpusPerNode: [4, 4, 4, 4], memoryMiBPerNode: [1024, 1024, 1024, 1024] };
    expect(numaCostFactor(p)).toBeCloseTo(1.225, 10);
    expect(numaCostFactor(p, 2)).toBeCloseTo(1.75, 10);
  });
});

import { fitNuma } from './numa.js';

describe('fitNuma: the placement\'s NUMA layout for the VM\'s current size (P4)', () => {
  const twoNodes = { nodes: [0, 1], memoryMiBPerNode: [4096, 4096], vcpusPerNode: [2, 2] };

  it('a layout that already sums to the VM\'s memory is kept as it is', () => {
    expect(fitNuma(twoNodes, 8192, 4, 2)).toBe(twoNodes);
  });

  it('a VM grown 8 -> 12 GiB keeps its nodes, the MiB re-split in proportion: 6144 + 6144', () => {
    expect(fitNuma(twoNodes, 12288, 4, 2)).toEqual({ ...twoNodes, memoryMiBPerNode: [6144, 6144] });
  });

  it('no layout, a node the host lacks (node 1 on a 1-node host) or an uneven list: all on node 0', () => {
    const single = { nodes: [0], memoryMiBPerNode: [8192], vcpusPerNode: [4] };
    expect(fitNuma(undefined, 8192, 4, 2)).toEqual(single);
    expect(fitNuma(twoNodes, 8192, 4, 1)).toEqual(single);
    expect(fitNuma({ ...twoNodes, memoryMiBPerNode: [8192] }, 8192, 4, 2)).toEqual(single);
  });

  it('a layout of zeros is split evenly: 3 nodes, 9 GiB -> 3072 each', () => {
    expect(fitNuma({ nodes: [0, 1, 2], memoryMiBPerNode: [0, 0, 0], vcpusPerNode: [1, 1, 1] }, 9216, 3, 4).memoryMiBPerNode).toEqual([3072, 3072, 3072]);
  });
});

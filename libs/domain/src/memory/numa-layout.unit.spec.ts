// P4: the host's NUMA layout, one truth for the scheduler's vNUMA placement and the memory-manager's nodes.
import { HostSpec } from '@virtsim/contracts';
import { newMemHost } from './evolve.js';
import { hostNumaNodes, splitByWeights } from './numa-layout.js';
import { newHost } from '../placement/model.js';
import { numaCostFactor, numaPlacementFor } from '../placement/numa.js';
import { VmSpec } from '@virtsim/contracts';

const cpu = { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept'] };
const hypervisor = { type: 'type1', mode: 'hardware-assisted', product: 'kvm' };
// 196,608 MiB: kvm keeps ceil(512 + 2 % x 196,608) = 4,445 MiB, so 192,163 MiB are for VMs
const uneven = () => HostSpec.parse({ name: 'h', cpu, hypervisor, memoryMiB: 196_608, numa: { nodes: [{ cores: 8, memoryMiB: 65_536 }, { cores: 8, memoryMiB: 131_072 }] } });
const even = () => HostSpec.parse({ name: 'h', cpu, hypervisor, memoryMiB: 196_608, numaNodes: 2 });
const vm = (vcpus: number, memoryMiB: number) => VmSpec.parse({ name: 'v', clusterId: 'c', vcpus, memoryMiB, guestOs: { family: 'linux', version: '22.04' } });

describe('host NUMA layout (P4)', () => {
  it('splitByWeights: 192,163 over 1 : 2 -> 64,055 + 128,108 (floors 64,054 + 128,108, remainder 1 on the first)', () => {
    expect(splitByWeights(192_163, [65_536, 131_072])).toEqual([64_055, 128_108]);
  });

  it('uneven nodes: 8 cores x 2 threads each, 65,536 / 131,072 MiB physical, 64,055 / 128,108 MiB for VMs', () => {
    expect(hostNumaNodes(uneven())).toEqual([
      { threads: 16, physicalMiB: 65_536, vmMemoryMiB: 64_055 },
      { threads: 16, physicalMiB: 131_072, vmMemoryMiB: 128_108 },
    ]);
  });

  it('numaNodes 2 is an even split of the same host: 96,082 + 96,081 MiB for VMs', () => {
    expect(hostNumaNodes(even()).map((n) => n.vmMemoryMiB)).toEqual([96_082, 96_081]);
  });

  it('the memory-manager accounts by the same node sizes (no huge-page pool: capacity = VM memory per node)', () => {
    expect(newMemHost('h', 'c', uneven()).nodes.map((n) => n.capacityMiB)).toEqual([64_055, 128_108]);
    // with a 4,096 MiB pool, 2,048 MiB interleaved on each node come off its capacity
    const pooled = HostSpec.parse({ ...uneven(), hugePagesMiB: 4096 });
    expect(newMemHost('h', 'c', pooled).nodes.map((n) => [n.capacityMiB, n.hugePoolMiB])).toEqual([[62_007, 2048], [126_060, 2048]]);
  });

  it('a 8-vCPU 96 GiB VM fits the large node alone (node 1, all local: factor 1); on the even host it spans both (1.15)', () => {
    const onUneven = numaPlacementFor(newHost('h', 'c', uneven()), vm(8, 98_304));
    expect(onUneven).toEqual({ nodes: [1], vcpusPerNode: [8], memoryMiBPerNode: [98_304] });
    expect(numaCostFactor(onUneven!)).toBe(1);
    const onEven = numaPlacementFor(newHost('h', 'c', even()), vm(8, 98_304));
    expect(onEven).toEqual({ nodes: [0, 1], vcpusPerNode: [4, 4], memoryMiBPerNode: [49_152, 49_152] });
    expect(numaCostFactor(onEven!)).toBeCloseTo(1.15, 10);
  });

  it('a 140 GiB VM exceeds the large node: 2 nodes, memory 1 : 2 by free memory (floors 47,787 + 95,572, remainder 1 on the first: 47,788 + 95,572)', () => {
    expect(numaPlacementFor(newHost('h', 'c', uneven()), vm(4, 143_360))).toEqual({ nodes: [0, 1], vcpusPerNode: [2, 2], memoryMiBPerNode: [47_788, 95_572] });
    // the memory-manager's nodes take those shares: 47,788 <= 64,055 and 95,572 <= 128,108
  });

  it('the spec refuses a layout that does not add up, and numaNodes that disagrees with it', () => {
    const r = HostSpec.safeParse({ name: 'h', cpu, hypervisor, memoryMiB: 196_608, numaNodes: 3, numa: { nodes: [{ cores: 8, memoryMiB: 65_536 }, { cores: 6, memoryMiB: 65_536 }] } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toEqual([
      'NUMA nodes hold 14 cores, the host has 16 (sockets x coresPerSocket)',
      'NUMA nodes hold 131072 MiB, the host has memoryMiB 196608',
      'numaNodes 3 disagrees with numa.nodes (2 nodes); give one or make them equal',
    ]);
  });
});

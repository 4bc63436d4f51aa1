// The host's NUMA layout (P4): ONE truth for the scheduler's vNUMA placement (placement/numa.ts) and the
// memory-manager's per-node accounting (memory/evolve.ts newMemHost), so both see the same node sizes.
//
//   hostNumaNodes(spec) -> [{threads, physicalMiB, vmMemoryMiB}] per node
//   splitByWeights(total, weights) -> integer parts in proportion to the weights, remainder on the first part
//
// Nodes come from spec.numa.nodes ({cores, memoryMiB}, may differ) or, without it, spec.numaNodes equal nodes.
// A node's threads are its cores x threadsPerCore. The memory VMs can have on a node (vmMemoryMiB) is its
// physical memory less its share of the memory the virtualization layer keeps (memory/overhead.ts hypervisorMiB),
// shared in proportion to the nodes' physical memory (the hypervisor's allocations interleave over the nodes).
// The huge-page pool is a part of vmMemoryMiB: the memory-manager keeps it apart per node.
import type { HostSpec } from '@virtsim/contracts';
import { hypervisorMiB } from './overhead.js';

export interface NumaNodeSize {
  threads: number;
  physicalMiB: number;
  vmMemoryMiB: number;
}

export function splitByWeights(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  parts[0]! += total - parts.reduce((a, b) => a + b, 0);
  return parts;
}

type LayoutSpec = Pick<HostSpec, 'cpu' | 'memoryMiB' | 'numaNodes' | 'numa' | 'hypervisor'>;

// Hot path (every candidate host of every placement): one answer per spec object.
const cache = new WeakMap<object, NumaNodeSize[]>();

export function hostNumaNodes(spec: LayoutSpec): NumaNodeSize[] {
  const hit = cache.get(spec);
  if (hit) return hit;
  const given = spec.numa?.nodes;
  const count = given?.length ?? Math.max(1, spec.numaNodes ?? 1);
  const cores = given ? given.map((n) => n.cores) : splitByWeights(spec.cpu.sockets * spec.cpu.coresPerSocket, new Array<number>(count).fill(1));
  const physical = given ? given.map((n) => n.memoryMiB) : splitByWeights(spec.memoryMiB, new Array<number>(count).fill(1));
  const forVms = splitByWeights(Math.max(0, spec.memoryMiB - hypervisorMiB(spec)), physical);
  const nodes = physical.map((p, i) => ({ threads: cores[i]! * spec.cpu.threadsPerCore, physicalMiB: p, vmMemoryMiB: forVms[i]! }));
  cache.set(spec, nodes);
  return nodes;
}

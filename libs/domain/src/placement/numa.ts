// NUMA affinity (P4 / F6): where a VM's vCPUs and memory go inside a host.
//
//   numaPlacementFor(host, spec) -> NumaPlacement | null   (null: a strict NUMA request cannot be met)
//   numaCostFactor(placement, remoteFactor = 1.3) -> CPU cost multiplier for remote memory access
//
// Node sizes: the host's NUMA layout (memory/numa-layout.ts: spec.numa's nodes, which may differ, or numaNodes
// equal nodes), the same sizes the memory-manager accounts by. A share fits a node when the node's threads hold its
// vCPUs and the node's free VM memory its memory.
// A VM that fits one node goes on the least used node that fits; a larger one gets a vNUMA topology over the
// fewest nodes that hold it, vCPUs and memory spread evenly (first nodes take the remainder).
// Policy 'preferred' never refuses: it falls back to fuller nodes; on nodes that differ, memory an even share would
// overflow is split by the chosen nodes' free memory (fitShares). Policy 'strict' needs the node count and an even
// share free on every chosen node, so the host is filtered out otherwise.
import type { NumaPlacement, VmSpec } from '@virtsim/contracts';
import { splitByWeights } from '../memory/numa-layout.js';
import { numaNodeSizes, type PlacementHost } from './model.js';

/** Remote DRAM latency / local DRAM latency. Two-socket x86 servers measure roughly 1.3-1.6x
 *  (e.g. Intel Memory Latency Checker: ~90 ns local vs ~140 ns remote on Xeon Scalable); 1.3 is the
 *  conservative end, used as the default slowdown of a fully remote memory access stream. */
export const DEFAULT_REMOTE_MEMORY_FACTOR = 1.3;

function evenSplit(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total - base * parts;
  const out = new Array<number>(parts);
  for (let i = 0; i < parts; i++) out[i] = base + (i < extra ? 1 : 0);
  return out;
}

/** Fewest nodes that hold the VM's vCPUs and memory: the largest nodes first (for equal nodes: the larger of
 *  vCPUs / threads per node and memory / memory per node, rounded up). */
export function nodesNeeded(host: PlacementHost, spec: Pick<VmSpec, 'vcpus' | 'memoryMiB'>): number {
  const sizes = numaNodeSizes(host);
  const threads = sizes.map((n) => n.threads).sort((a, b) => b - a);
  const memory = sizes.map((n) => n.vmMemoryMiB).sort((a, b) => b - a);
  let t = 0, m = 0;
  for (let k = 1; k <= sizes.length; k++) {
    t += threads[k - 1]!;
    m += memory[k - 1]!;
    if (t >= spec.vcpus && m >= spec.memoryMiB) return k;
  }
  return sizes.length + 1;
}

export function numaPlacementFor(host: PlacementHost, spec: Pick<VmSpec, 'vcpus' | 'memoryMiB' | 'numa'>): NumaPlacement | null {
  const nodeCount = numaNodeSizes(host).length;
  const strict = spec.numa?.policy === 'strict';
  const needed = nodesNeeded(host, spec);
  const asked = spec.numa?.nodes;
  let count = strict ? (asked ?? needed) : Math.max(asked ?? 1, needed);
  if (count > nodeCount) {
    if (strict) return null;
    count = nodeCount;
  }
  if (strict && count < needed) return null;
  const vcpus = evenSplit(spec.vcpus, count);
  const memory = evenSplit(spec.memoryMiB, count);
  const chosen = chooseNodes(host, count, vcpus[0]!, memory[0]!, strict);
  if (!chosen) return null;
  return { nodes: chosen, vcpusPerNode: vcpus, memoryMiBPerNode: fitShares(host, chosen, spec.memoryMiB, memory) };
}

/** Even shares when each chosen node has them free; else (nodes that differ) the memory in proportion to the chosen
 *  nodes' free memory, so a 140 GiB VM over a 62.5 GiB and a 125 GiB node takes 1 : 2 rather than overflowing the
 *  small one. */
function fitShares(host: PlacementHost, nodes: number[], memoryMiB: number, even: number[]): number[] {
  const sizes = numaNodeSizes(host);
  const free = nodes.map((n) => Math.max(0, sizes[n]!.vmMemoryMiB - host.alloc.numaMemoryMiB[n]!));
  if (nodes.length < 2 || even.every((m, i) => m <= free[i]!) || free.reduce((a, b) => a + b, 0) < memoryMiB) return even;
  return splitByWeights(memoryMiB, free);
}

/** The `count` best nodes, sorted by index: nodes with room for the largest share first, then least used
 *  (memory share + vCPU share of that node's own size), then lowest index. Strict placements take only nodes
 *  with room. Plain loops: this runs for every candidate host of every decision. */
function chooseNodes(host: PlacementHost, count: number, vcpuShare: number, memoryShare: number, strict: boolean): number[] | null {
  const sizes = numaNodeSizes(host);
  const { numaVcpus, numaMemoryMiB } = host.alloc;
  const score: number[] = [];
  const candidates: number[] = [];
  for (let n = 0; n < sizes.length; n++) {
    const size = sizes[n]!;
    const fits = size.vmMemoryMiB - numaMemoryMiB[n]! >= memoryShare && vcpuShare <= size.threads;
    if (strict && !fits) continue;
    // Nodes without room rank after every node with room (usage is at most a few units).
    score[n] = (fits ? 0 : 1e6) + numaMemoryMiB[n]! / Math.max(1, size.vmMemoryMiB) + numaVcpus[n]! / Math.max(1, size.threads);
    candidates.push(n);
  }
  if (candidates.length < count) return null;
  if (count === 1) {
    let best = candidates[0]!;
    for (const n of candidates) if (score[n]! < score[best]!) best = n;
    return [best];
  }
  candidates.sort((a, b) => score[a]! - score[b]! || a - b);
  return candidates.slice(0, count).sort((a, b) => a - b);
}

/** Share of memory accesses that go to another node, assuming the guest spreads accesses over all of its
 *  memory (no NUMA-aware guest scheduling): vCPUs on node i reach remote memory with 1 - m_i / M. */
export function remoteMemoryShare(p: NumaPlacement): number {
  const totalMemory = p.memoryMiBPerNode.reduce((a, b) => a + b, 0);
  const totalVcpus = p.vcpusPerNode.reduce((a, b) => a + b, 0);
  if (p.nodes.length <= 1 || totalMemory === 0 || totalVcpus === 0) return 0;
  const remote = p.vcpusPerNode.reduce((acc, v, i) => acc + v * (1 - p.memoryMiBPerNode[i]! / totalMemory), 0);
  return remote / totalVcpus;
}

/** CPU cost multiplier of a NUMA placement: 1.0 all local; 1 + (remoteFactor - 1) x remote share.
 *  Two even nodes: share 0.5 -> 1.15 at the default 1.3. */
export function numaCostFactor(p: NumaPlacement, remoteFactor = DEFAULT_REMOTE_MEMORY_FACTOR): number {
  return 1 + (remoteFactor - 1) * remoteMemoryShare(p);
}

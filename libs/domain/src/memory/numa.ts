// NUMA memory (P4): a VM's memory comes from the node(s) the scheduler chose (NumaPlacement); each node keeps
// its own figures. Node capacity is the host's VM capacity split evenly; the huge-page pool is split evenly
// too, as Linux interleaves nr_hugepages over the nodes.
import { invalid, type NumaPlacement } from '@virtsim/contracts';

/** Integer split of `total` in proportion to the VM's MiB per node; the remainder goes to the first node. */
export function splitByNodes(total: number, numa: NumaPlacement): number[] {
  const sum = numa.memoryMiBPerNode.reduce((a, b) => a + b, 0);
  if (sum <= 0) return numa.nodes.map((_, i) => (i === 0 ? total : 0));
  const parts = numa.memoryMiBPerNode.map((m) => Math.floor((total * m) / sum));
  parts[0]! += total - parts.reduce((a, b) => a + b, 0);
  return parts;
}

export const singleNode = (memoryMiB: number, vcpus: number, node = 0): NumaPlacement =>
  ({ nodes: [node], memoryMiBPerNode: [memoryMiB], vcpusPerNode: [vcpus] });

/** The placement's NUMA layout made valid for the VM's current size on the host (the placement may predate a
 *  resize): one node 0 when it names no node, a node the host lacks or an uneven list; else its MiB re-split. */
export function fitNuma(numa: NumaPlacement | undefined, memoryMiB: number, vcpus: number, hostNodes: number): NumaPlacement {
  if (!numa || numa.nodes.length === 0 || numa.nodes.some((n) => n < 0 || n >= hostNodes) || numa.nodes.length !== numa.memoryMiBPerNode.length) {
    return singleNode(memoryMiB, vcpus, 0);
  }
  const sum = numa.memoryMiBPerNode.reduce((a, b) => a + b, 0);
  if (sum === memoryMiB) return numa;
  return { ...numa, memoryMiBPerNode: splitByNodes(memoryMiB, { ...numa, memoryMiBPerNode: sum > 0 ? numa.memoryMiBPerNode : numa.nodes.map(() => 1) }) };
}

export function validateNuma(vmId: string, hostId: string, numaNodes: number, memoryMiB: number, numa: NumaPlacement): void {
  const { nodes, memoryMiBPerNode } = numa;
  if (nodes.length === 0 || nodes.length !== memoryMiBPerNode.length) {
    throw invalid(`NUMA placement of VM ${vmId} must list one memory size per node`, [{ path: 'numa', message: 'nodes and memoryMiBPerNode differ in length' }]);
  }
  const bad = nodes.find((n) => !Number.isInteger(n) || n < 0 || n >= numaNodes);
  if (bad !== undefined) {
    throw invalid(`NUMA node ${bad} does not exist on host ${hostId} (${numaNodes} nodes)`, [{ path: 'numa.nodes', message: `node ${bad} out of range` }]);
  }
  const sum = memoryMiBPerNode.reduce((a, b) => a + b, 0);
  if (sum !== memoryMiB) {
    throw invalid(`NUMA placement of VM ${vmId} covers ${sum} MiB, the VM has ${memoryMiB} MiB`, [{ path: 'numa.memoryMiBPerNode', message: 'must sum to memoryMiB' }]);
  }
}

/** Grow a placement by `deltaMiB`: hot-added memory lands on the VM's last node (a new DIMM on one node). */
export function growPlacement(numa: NumaPlacement, deltaMiB: number): NumaPlacement {
  const per = [...numa.memoryMiBPerNode];
  per[per.length - 1]! += deltaMiB;
  return { ...numa, memoryMiBPerNode: per };
}

/** Shrink a placement (powered-off VM): take memory from the last nodes first. */
export function shrinkPlacement(numa: NumaPlacement, deltaMiB: number): NumaPlacement {
  const per = [...numa.memoryMiBPerNode];
  let left = deltaMiB;
  for (let i = per.length - 1; i >= 0 && left > 0; i--) {
    const take = Math.min(left, per[i]! - (i === 0 ? 1 : 0));
    per[i]! -= take;
    left -= take;
  }
  return { ...numa, memoryMiBPerNode: per };
}

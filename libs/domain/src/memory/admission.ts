// Admission of a VM's memory on a host: the rules every reserve, move and resize must pass.
//   memory.hugePagesShort  a VM that asks for huge pages needs a host with a pool; on a host with a pool every
//                          VM is backed by it (M3, the seed), so the pool (and each node's share) must hold it
//   memory.reservation     reservations + every VM's overhead never exceed the VM capacity, host and node
//   memory.overcommit      configured normal-page memory + overheads <= capacity x (cluster overcommit ratio
//                          when the cluster allows memory overcommit, else 1)
import { unprocessable, type NumaPlacement } from '@virtsim/contracts';
import { CHUNK_MIB, chunksOf } from './overhead.js';
import { splitByNodes } from './numa.js';
import type { MemClusterPolicy, MemHost } from './state.js';

export interface MemoryDemand {
  vmId: string;
  memoryMiB: number;
  reservationMiB: number;
  overheadMiB: number;
  wantsHugePages: boolean;
  numa: NumaPlacement;
}

/** Throws the refusal; returns whether the VM will be backed by the host's huge-page pool. */
export function admit(h: MemHost, d: MemoryDemand, policy: MemClusterPolicy): { hugeBacked: boolean } {
  const hugeBacked = h.hugePoolMiB > 0;
  const ctx = { vmId: d.vmId, hostId: h.hostId };
  if (d.wantsHugePages && !hugeBacked) {
    throw unprocessable('memory.hugePagesShort', `VM ${d.vmId} needs huge pages but host ${h.hostId} has no huge-page pool (hugePagesMiB 0)`,
      { ...ctx, poolMiB: 0, neededMiB: d.memoryMiB });
  }
  if (hugeBacked) admitHuge(h, d, ctx);
  const reservedAfter = h.reservedMiB + h.overheadMiB + d.overheadMiB + (hugeBacked ? 0 : d.reservationMiB);
  if (reservedAfter > h.capacityMiB) {
    throw unprocessable('memory.reservation',
      `host ${h.hostId} cannot reserve ${hugeBacked ? 0 : d.reservationMiB} MiB + ${d.overheadMiB} MiB overhead for VM ${d.vmId}: reservations would reach ${reservedAfter} of ${h.capacityMiB} MiB`,
      { ...ctx, reservedAfterMiB: reservedAfter, capacityMiB: h.capacityMiB });
  }
  if (!hugeBacked) admitNodes(h, d, ctx);
  const ratio = policy.overcommit ? policy.overcommitRatio : 1;
  const configuredAfter = h.configuredMiB + h.overheadMiB + d.overheadMiB + (hugeBacked ? 0 : d.memoryMiB);
  const limit = Math.floor(h.capacityMiB * ratio);
  if (configuredAfter > limit) {
    throw unprocessable('memory.overcommit',
      `host ${h.hostId} cannot take VM ${d.vmId} (${d.memoryMiB} MiB): configured memory would reach ${configuredAfter} MiB, limit ${limit} MiB (${policy.overcommit ? `overcommit ratio ${ratio}` : 'cluster does not allow memory overcommit'})`,
      { ...ctx, configuredAfterMiB: configuredAfter, limitMiB: limit });
  }
  return { hugeBacked };
}

function admitHuge(h: MemHost, d: MemoryDemand, ctx: Record<string, string>): void {
  const needed = chunksOf(d.memoryMiB) * CHUNK_MIB;
  const free = h.hugePoolMiB - h.hugeUsedMiB;
  if (needed > free) {
    throw unprocessable('memory.hugePagesShort',
      `host ${h.hostId} huge-page pool is short for VM ${d.vmId}: needs ${needed} MiB, ${free} of ${h.hugePoolMiB} MiB free`,
      { ...ctx, poolMiB: h.hugePoolMiB, freeMiB: free, neededMiB: needed });
  }
  d.numa.nodes.forEach((node, i) => {
    const n = h.nodes[node]!;
    const want = d.numa.memoryMiBPerNode[i] ?? 0;
    if (n.hugeUsedMiB + want > n.hugePoolMiB) {
      throw unprocessable('memory.hugePagesShort',
        `NUMA node ${node} of host ${h.hostId} has ${n.hugePoolMiB - n.hugeUsedMiB} MiB of huge pages free, VM ${d.vmId} needs ${want} MiB there`,
        { ...ctx, node, freeMiB: n.hugePoolMiB - n.hugeUsedMiB, neededMiB: want });
    }
  });
}

function admitNodes(h: MemHost, d: MemoryDemand, ctx: Record<string, string>): void {
  const reserved = splitByNodes(d.reservationMiB, d.numa);
  d.numa.nodes.forEach((node, i) => {
    const n = h.nodes[node]!;
    if (n.reservedMiB + reserved[i]! > n.capacityMiB) {
      throw unprocessable('memory.reservation',
        `NUMA node ${node} of host ${h.hostId} cannot reserve ${reserved[i]} MiB for VM ${d.vmId}: ${n.capacityMiB - n.reservedMiB} MiB unreserved`,
        { ...ctx, node, unreservedMiB: n.capacityMiB - n.reservedMiB, neededMiB: reserved[i] });
    }
  });
}

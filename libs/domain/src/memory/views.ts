// Read models answered by memory-manager: a host's memory (GET /hosts/:id) and a VM's breakdown (GET /vms/:id).
import { notFound } from '@virtsim/contracts';
import { memorySlowdown } from './reclaim.js';
import { clusterPolicy, POWERED_ON, type MemNode, type MemoryState } from './state.js';
import { activeMemoryOf } from './tick.js';

export interface HostMemoryView {
  hostId: string;
  physicalMiB: number;
  hypervisorMiB: number;
  capacityMiB: number;
  configuredMiB: number;
  reservedMiB: number;
  overheadMiB: number;
  /** configured normal-page memory + overheads over VM capacity; above 1 means overcommitted */
  overcommit: number;
  freeState: MemoryState['hosts'][string]['freeState'];
  translation: MemoryState['hosts'][string]['translation'];
  hugePages: { totalMiB: number; freeMiB: number; reservedMiB: number };
  /** the swap space (M4): its size, what the VMs have swapped into it, and its datastore */
  swap: { sizeMiB: number; usedMiB: number; datastore: string | null };
  nodes: MemNode[];
  vmCount: number;
}

export function hostMemoryView(s: MemoryState, hostId: string): HostMemoryView {
  const h = s.hosts[hostId];
  if (!h) throw notFound('host', hostId);
  return {
    hostId, physicalMiB: h.physicalMiB, hypervisorMiB: h.hypervisorMiB, capacityMiB: h.capacityMiB, configuredMiB: h.configuredMiB,
    reservedMiB: h.reservedMiB, overheadMiB: h.overheadMiB,
    overcommit: h.capacityMiB > 0 ? Math.round(((h.configuredMiB + h.overheadMiB) / h.capacityMiB) * 1000) / 1000 : 0,
    freeState: h.freeState, translation: h.translation,
    hugePages: { totalMiB: h.hugePoolMiB, freeMiB: h.hugePoolMiB - h.hugeUsedMiB, reservedMiB: h.hugeUsedMiB },
    swap: { sizeMiB: h.swapMiB ?? h.physicalMiB, usedMiB: h.vmIds.reduce((a, id) => a + (s.vms[id]?.swappedMiB ?? 0), 0), datastore: h.swapDatastore ?? null },
    nodes: h.nodes.map((n) => ({ ...n })), vmCount: h.vmIds.length,
  };
}

export interface VmMemoryView {
  vmId: string;
  hostId: string | null;
  memoryMiB: number;
  reservationMiB: number;
  /** guest memory backed by host memory now: memory - ballooned - swapped (0 when powered off) */
  grantedMiB: number;
  /** memory the guest has touched since it powered on: only that is resident (M4) */
  touchedMiB: number;
  sharedMiB: number;
  balloonedMiB: number;
  swappedMiB: number;
  activeMiB: number;
  overheadMiB: number;
  hugeBacked: boolean;
  slowdown: number;
}

export function vmMemoryView(s: MemoryState, vmId: string, simTime: number, activeMiB?: Record<string, number>): VmMemoryView {
  const v = s.vms[vmId];
  if (!v) throw notFound('vm', vmId);
  const on = POWERED_ON.has(v.power) && v.hostId !== null;
  const active = on ? activeMemoryOf(v, clusterPolicy(s, v.clusterId).seed, { simTime, activeMiB }) : 0;
  return {
    vmId, hostId: v.hostId, memoryMiB: v.memoryMiB, reservationMiB: v.reservationMiB,
    grantedMiB: on ? v.memoryMiB - v.balloonedMiB - v.swappedMiB : 0,
    touchedMiB: on ? Math.max(v.touchedMiB ?? 0, active) : 0,
    sharedMiB: v.sharedMiB, balloonedMiB: v.balloonedMiB, swappedMiB: v.swappedMiB, activeMiB: active, overheadMiB: v.overheadMiB,
    hugeBacked: v.hugeBacked, slowdown: on ? memorySlowdown({ ...v, activeMiB: active }) : 1,
  };
}

// Commands of the memory context and the decider over MemoryState.
//   ReserveVmMemory  saga step of VM creation (F13) and power-on on a host: admission, huge pages, HPA backing
//   ReleaseVmMemory  saga compensation / VM removal; idempotent (nothing held -> no event)
//   MoveVmMemory     live / cold migration and HA restart: admission on the target, backing moves with the VM
//   GrowVmMemory     size change (F4, M5): a powered-on Linux or Windows VM grows online; shrinking needs it off
import { conflict, invalid, notFound, type GuestOs, type MemoryEvent, type MemoryExtent, type NumaPlacement } from '@virtsim/contracts';
import type { Decider } from '../shared/decider.js';
import { admit } from './admission.js';
import { evolve, hostWithoutVm } from './evolve.js';
import { allocateChunks, extentChunks } from './hpa.js';
import { growPlacement, shrinkPlacement, singleNode, validateNuma } from './numa.js';
import { CHUNK_MIB, chunksOf, vmOverheadMiB } from './overhead.js';
import { clusterPolicy, initialMemoryState, POWERED_ON, type MemHost, type MemoryInputEvent, type MemoryState, type MemVm } from './state.js';

export type MemoryCommand =
  | { type: 'ReserveVmMemory'; vmId: string; hostId: string; memoryMiB: number; reservationMiB: number; hugePages: boolean; numa: NumaPlacement;
      /** needed only when the state has not seen the VM's VmCreationRequested */
      vcpus?: number; guestOs?: GuestOs; toolsInstalled?: boolean; reason?: string }
  | { type: 'ReleaseVmMemory'; vmId: string; reason?: string }
  /** force: the VM already runs on the target (a recorded VmRelocated): admission refusals do not stop the
   *  move, they are written into the event's reason and the VM gets what backing the host has left */
  | { type: 'MoveVmMemory'; vmId: string; toHostId: string; numa: NumaPlacement; reason?: string; force?: boolean }
  | { type: 'GrowVmMemory'; vmId: string; memoryMiB: number; reason?: string };

function hostOf(s: MemoryState, hostId: string): MemHost {
  const h = s.hosts[hostId];
  if (!h) throw notFound('host', hostId);
  return h;
}

function vmOf(s: MemoryState, vmId: string): MemVm {
  const v = s.vms[vmId];
  if (!v) throw notFound('vm', vmId);
  return v;
}

function backing(h: MemHost, hugeBacked: boolean, memoryMiB: number): MemoryExtent[] {
  return allocateChunks(hugeBacked ? h.freeHuge : h.freeNormal, chunksOf(memoryMiB)).extents;
}

function reserve(c: Extract<MemoryCommand, { type: 'ReserveVmMemory' }>, s: MemoryState): MemoryEvent[] {
  const h = hostOf(s, c.hostId);
  const known = s.vms[c.vmId];
  if (known?.hostId === c.hostId && known.memoryMiB === c.memoryMiB) return [];
  if (known?.hostId) throw conflict('memory.alreadyReserved', `VM ${c.vmId} already holds memory on host ${known.hostId}; release or move it`, { vmId: c.vmId });
  const guestOs = c.guestOs ?? known?.guestOs;
  if (!guestOs) throw notFound('vm', c.vmId);
  if (c.reservationMiB < 0 || c.reservationMiB > c.memoryMiB) {
    throw invalid(`VM ${c.vmId}: memory reservation ${c.reservationMiB} MiB must be between 0 and its memory ${c.memoryMiB} MiB`, [{ path: 'reservationMiB', message: 'out of range' }]);
  }
  validateNuma(c.vmId, c.hostId, h.nodes.length, c.memoryMiB, c.numa);
  const vcpus = c.vcpus ?? known?.vcpus ?? 1;
  const overheadMiB = vmOverheadMiB(vcpus, c.memoryMiB);
  const { hugeBacked } = admit(h, { vmId: c.vmId, memoryMiB: c.memoryMiB, reservationMiB: c.reservationMiB, overheadMiB, wantsHugePages: c.hugePages, numa: c.numa }, clusterPolicy(s, h.clusterId));
  // admitted with 4 KiB page tables (the larger figure); kept with the page size it got
  return [{ type: 'VmMemoryReserved', data: {
    vmId: c.vmId, hostId: c.hostId, clusterId: h.clusterId, memoryMiB: c.memoryMiB, reservationMiB: c.reservationMiB, overheadMiB: vmOverheadMiB(vcpus, c.memoryMiB, hugeBacked), vcpus, guestOs,
    toolsInstalled: c.toolsInstalled ?? known?.toolsInstalled ?? false, wantsHugePages: c.hugePages, hugeBacked, numa: c.numa,
    extents: backing(h, hugeBacked, c.memoryMiB), reason: c.reason ?? 'vm creation',
  } }];
}

function release(c: Extract<MemoryCommand, { type: 'ReleaseVmMemory' }>, s: MemoryState): MemoryEvent[] {
  const v = s.vms[c.vmId];
  if (!v?.hostId) return [];
  return [{ type: 'VmMemoryReleased', data: { vmId: v.vmId, hostId: v.hostId, freedMiB: v.memoryMiB + v.overheadMiB, reason: c.reason ?? 'released' } }];
}

function move(c: Extract<MemoryCommand, { type: 'MoveVmMemory' }>, s: MemoryState): MemoryEvent[] {
  const v = vmOf(s, c.vmId);
  if (!v.hostId) throw conflict('memory.notReserved', `VM ${c.vmId} holds no host memory to move`, { vmId: c.vmId });
  if (v.hostId === c.toHostId) throw conflict('memory.sameHost', `VM ${c.vmId} is already on host ${c.toHostId}`, { vmId: c.vmId });
  const h = hostOf(s, c.toHostId);
  validateNuma(c.vmId, c.toHostId, h.nodes.length, v.memoryMiB, c.numa);
  const overheadMiB = vmOverheadMiB(v.vcpus, v.memoryMiB);
  let hugeBacked: boolean;
  let reason = c.reason ?? 'migration';
  try {
    ({ hugeBacked } = admit(h, { vmId: v.vmId, memoryMiB: v.memoryMiB, reservationMiB: v.reservationMiB, overheadMiB, wantsHugePages: v.wantsHugePages, numa: c.numa }, clusterPolicy(s, h.clusterId)));
  } catch (e) {
    if (!c.force) throw e;
    // the pool backs the VM only when it still holds all of it; otherwise normal pages
    hugeBacked = h.hugePoolMiB > 0 && h.hugePoolMiB - h.hugeUsedMiB >= chunksOf(v.memoryMiB) * CHUNK_MIB;
    reason = `${reason}; admitted over limit: ${(e as Error).message}`;
  }
  return [{ type: 'VmMemoryMoved', data: {
    vmId: v.vmId, fromHostId: v.hostId, toHostId: c.toHostId, overheadMiB: vmOverheadMiB(v.vcpus, v.memoryMiB, hugeBacked), hugeBacked, numa: c.numa,
    extents: backing(h, hugeBacked, v.memoryMiB), reason,
  } }];
}

function resize(c: Extract<MemoryCommand, { type: 'GrowVmMemory' }>, s: MemoryState): MemoryEvent[] {
  const v = vmOf(s, c.vmId);
  if (!Number.isInteger(c.memoryMiB) || c.memoryMiB < 16) throw invalid(`VM ${c.vmId}: memory must be an integer >= 16 MiB`, [{ path: 'memoryMiB', message: 'invalid size' }]);
  if (c.memoryMiB === v.memoryMiB) return [];
  const online = POWERED_ON.has(v.power);
  const shrink = c.memoryMiB < v.memoryMiB;
  if (online && shrink) {
    throw conflict('memory.shrinkOnline', `VM ${c.vmId} is ${v.power}: memory can be added online but not removed (${v.memoryMiB} -> ${c.memoryMiB} MiB); power it off first`, { vmId: c.vmId });
  }
  if (online && v.power === 'migrating') throw conflict('memory.vmMigrating', `VM ${c.vmId} is migrating; change its memory after the move`, { vmId: c.vmId });
  if (c.memoryMiB < v.reservationMiB) {
    throw conflict('memory.reservation', `VM ${c.vmId}: ${c.memoryMiB} MiB is below its memory reservation of ${v.reservationMiB} MiB`, { vmId: c.vmId });
  }
  const overheadMiB = vmOverheadMiB(v.vcpus, c.memoryMiB, v.hugeBacked);
  const base = { vmId: v.vmId, fromMiB: v.memoryMiB, toMiB: c.memoryMiB, online, overheadMiB, reason: c.reason ?? (online ? 'online memory add' : 'reconfigured while powered off') };
  if (!v.hostId || !v.numa) return [{ type: 'VmMemoryResized', data: { ...base, hostId: null, numa: null, extents: [] } }];
  const delta = c.memoryMiB - v.memoryMiB;
  const numa = shrink ? shrinkPlacement(v.numa, -delta) : growPlacement(v.numa, delta);
  const h = hostWithoutVm(hostOf(s, v.hostId), v);
  admit(h, { vmId: v.vmId, memoryMiB: c.memoryMiB, reservationMiB: v.reservationMiB, overheadMiB, wantsHugePages: v.wantsHugePages, numa }, clusterPolicy(s, h.clusterId));
  return [{ type: 'VmMemoryResized', data: { ...base, hostId: v.hostId, numa, extents: resizeExtents(s.hosts[v.hostId]!, v, c.memoryMiB) } }];
}

/** Keep the VM's present backing; add chunks for growth after its last GPA chunk, or cut the tail. */
function resizeExtents(h: MemHost, v: MemVm, toMiB: number): MemoryExtent[] {
  const want = chunksOf(toMiB);
  const have = extentChunks(v.extents);
  if (want >= have) {
    const gpaNext = Math.max(0, ...v.extents.map(([g, , n]) => g + n));
    return [...v.extents, ...allocateChunks(v.hugeBacked ? h.freeHuge : h.freeNormal, want - have, gpaNext).extents];
  }
  const out: MemoryExtent[] = [];
  for (const [g, l, n] of v.extents) {
    if (g >= want) continue;
    out.push([g, l, Math.min(n, want - g)]);
  }
  return out;
}

export function decideMemory(command: MemoryCommand, state: MemoryState): MemoryEvent[] {
  switch (command.type) {
    case 'ReserveVmMemory': return reserve(command, state);
    case 'ReleaseVmMemory': return release(command, state);
    case 'MoveVmMemory': return move(command, state);
    case 'GrowVmMemory': return resize(command, state);
  }
}

export const memoryDecider: Decider<MemoryState, MemoryCommand, MemoryInputEvent> = {
  initialState: initialMemoryState,
  decide: (c, s) => decideMemory(c, s),
  evolve,
};

export { singleNode };

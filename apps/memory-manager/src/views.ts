// Read models answered by memory-manager.vm / memory-manager.host / memory-manager.translate.
import { notFound } from '@virtsim/contracts';
import { memory, workloadAt } from '@virtsim/domain';
import type { MemoryManagerState } from './state.js';

export function requireMemVm(s: MemoryManagerState, vmId: string): memory.MemVm {
  const v = s.memory.vms[vmId];
  if (!v) throw notFound('vm', vmId);
  return v;
}

/** GET /vms/:id memory part: granted / shared / ballooned / swapped / active, translation mode and its cost. */
export function vmView(s: MemoryManagerState, vmId: string) {
  const v = requireMemVm(s, vmId);
  const simTime = s.clock.simTime;
  const view = memory.vmMemoryView(s.memory, vmId, simTime);
  const h = v.hostId ? s.memory.hosts[v.hostId] : undefined;
  const seed = memory.clusterPolicy(s.memory, v.clusterId).seed;
  const w = workloadAt(v.workload ?? undefined, vmId, seed, simTime);
  const g = v.wantsHugePages ? 3 : 4;
  const hl = v.hugeBacked ? 3 : 4;
  const translation = h
    ? {
        mode: h.translation,
        guestPageKiB: g === 3 ? 2048 : 4,
        hostPageKiB: hl === 3 ? 2048 : 4,
        nativeReferences: g,
        /** memory references of one page walk on a TLB miss */
        walkReferences: h.translation === 'shadow' ? (g === 3 && hl === 3 ? 3 : 4) : memory.walkReferences(g, hl),
      }
    : null;
  const cost = h
    ? memory.translationCost({
        mode: h.translation, guestHugePages: v.wantsHugePages, hostHugePages: v.hugeBacked,
        cpuDemandMhz: memory.POWERED_ON.has(v.power) ? w.cpuDemandMhz : 0, activeMemoryMiB: view.activeMiB, dirtyRateMiBps: w.dirtyRateMiBps,
      })
    : null;
  const p = s.placements[vmId];
  return {
    ...view,
    clusterId: v.clusterId, power: v.power, numa: v.numa, wantsHugePages: v.wantsHugePages,
    hostFreeState: h?.freeState ?? null,
    /** the scheduler's host when the memory has not followed yet (it moves on the next tick) */
    pendingMoveTo: p && v.hostId && p.hostId !== v.hostId ? p.hostId : null,
    pendingResizeMiB: s.resizes[vmId] ?? null,
    translation, translationCost: cost, simTime,
  };
}

/** GET /hosts/:id memory part: accounting, free state, huge pages, NUMA nodes, and its VMs' reclamation. */
export function hostView(s: MemoryManagerState, hostId: string) {
  const view = memory.hostMemoryView(s.memory, hostId);
  const h = s.memory.hosts[hostId]!;
  let poweredOn = 0, sharedMiB = 0, balloonedMiB = 0, swappedMiB = 0;
  for (const id of h.vmIds) {
    const v = s.memory.vms[id];
    if (!v) continue;
    if (memory.POWERED_ON.has(v.power)) poweredOn++;
    sharedMiB += v.sharedMiB;
    balloonedMiB += v.balloonedMiB;
    swappedMiB += v.swappedMiB;
  }
  return {
    ...view, clusterId: h.clusterId, hypervisorType: h.hypervisorType,
    overcommitPolicy: memory.clusterPolicy(s.memory, h.clusterId),
    poweredOnVms: poweredOn, reclamation: { sharedMiB, balloonedMiB, swappedMiB },
    simTime: s.clock.simTime,
  };
}

/** The walk with every address in hex (GVA, GPA, HPA, table addresses and entries): the domain's, which the vrm
 *  also uses for lists (they travel packed). */
export const translationView = memory.translationView;

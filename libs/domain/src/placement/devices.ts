// GPUs (I4 / I6 / F3): passthrough takes a whole GPU; vGPU takes one slice of a GPU serving its profile.
//
// Slice rule: io-backend's, the one copy (../io/host-pci.ts, I6). As NVIDIA GRID names its profiles, the
// number is the framebuffer in GiB per vGPU (grid-4q: 4 GiB), so slices per GPU = the GPU's framebuffer
// (its largest profile, the whole-GPU one) / the profile's: grid-1q..grid-8q on an 8 GiB GPU -> 8, 4, 2, 1.
// (Placement used to read grid-4q as 4 slices and io-backend as 2, so placement accepted VMs that
// io-backend then refused.) One physical GPU serves a single profile at a time. A request without a
// profile takes the GPU's smallest profile, or joins any GPU already serving vGPUs, as io-backend does.
import type { GpuSpec, HostSpec } from '@virtsim/contracts';
import { defaultVgpuProfile, vgpuSlicesPerGpu } from '../io/host-pci.js';
import type { GpuAssignment, GpuSlot } from './model.js';

export { vgpuSlicesPerGpu };

const isFree = (slot: GpuSlot) => slot.owner === null && slot.vms.length === 0;

function pickVgpu(spec: HostSpec, slots: GpuSlot[], profile: string | undefined): GpuAssignment | null {
  const profilesOf = (slot: GpuSlot) => spec.pciDevices?.[slot.pciIndex]?.vgpuProfiles ?? [];
  const profileOf = (slot: GpuSlot) => profile ?? slot.profile ?? defaultVgpuProfile(profilesOf(slot));
  const offers = (slot: GpuSlot, p: string | undefined): p is string => p !== undefined && profilesOf(slot).includes(p);
  // Fill GPUs already serving the profile before opening a fresh one: keeps whole GPUs free for passthrough.
  for (const slot of slots) {
    const p = profileOf(slot);
    if (offers(slot, p) && slot.owner === null && slot.profile === p && slot.vms.length < vgpuSlicesPerGpu(p, profilesOf(slot))) {
      return { pciIndex: slot.pciIndex, mode: 'vgpu', profile: p };
    }
  }
  for (const slot of slots) {
    const p = profileOf(slot);
    if (offers(slot, p) && isFree(slot)) return { pciIndex: slot.pciIndex, mode: 'vgpu', profile: p };
  }
  return null;
}

/** GPU slots for all of a VM's GPUs on one host, or null when the host lacks free ones. Lowest index first. */
export function assignGpus(spec: HostSpec, slots: GpuSlot[], gpus: readonly GpuSpec[]): GpuAssignment[] | null {
  const out: GpuAssignment[] = [];
  for (const gpu of gpus) {
    const current = withPending(slots, out);
    if (gpu.mode === 'passthrough') {
      const slot = current.find(isFree);
      if (!slot) return null;
      out.push({ pciIndex: slot.pciIndex, mode: 'passthrough', profile: null });
    } else {
      const a = pickVgpu(spec, current, gpu.profile);
      if (!a) return null;
      out.push(a);
    }
  }
  return out;
}

/** Slots as they would be after the assignments already made for this request. */
function withPending(slots: GpuSlot[], pending: GpuAssignment[]): GpuSlot[] {
  if (pending.length === 0) return slots;
  return slots.map((s) => {
    const mine = pending.filter((a) => a.pciIndex === s.pciIndex);
    if (mine.length === 0) return s;
    if (mine[0]!.mode === 'passthrough') return { ...s, owner: '(pending)' };
    return { ...s, profile: mine[0]!.profile, vms: [...s.vms, ...mine.map(() => '(pending)')] };
  });
}

/** Take (or give back) the slots of an assignment on a host's GPU list, in place. */
export function applyGpuAssignments(slots: GpuSlot[], vmId: string, assignments: readonly GpuAssignment[], take: boolean): void {
  for (const a of assignments) {
    const slot = slots.find((s) => s.pciIndex === a.pciIndex);
    if (!slot) continue;
    if (a.mode === 'passthrough') {
      slot.owner = take ? vmId : null;
      continue;
    }
    if (take) {
      slot.profile = a.profile;
      slot.vms = [...slot.vms, vmId].sort();
    } else {
      const i = slot.vms.indexOf(vmId);
      if (i >= 0) slot.vms = slot.vms.filter((_, j) => j !== i);
      if (slot.vms.length === 0) slot.profile = null;
    }
  }
}

// GPUs (I4 / I6 / F3): passthrough takes a whole GPU; vGPU takes one slice of a GPU serving its profile.
//
// Slice rule (a simplification, documented for users): the last number in a vGPU profile name is how many
// vGPUs of that profile one physical GPU holds: 'grid-4q' -> 4 slices, 'm60-8a' -> 8, no number -> 1.
// Like NVIDIA time-sliced vGPU, one physical GPU serves a single profile at a time.
// A vGPU request without a profile takes the GPU's first listed profile.
import type { GpuSpec, HostSpec } from '@virtsim/contracts';
import type { GpuAssignment, GpuSlot } from './model.js';

export function vgpuSlicesPerGpu(profile: string): number {
  const numbers = profile.match(/\d+/g);
  const n = numbers ? Number(numbers[numbers.length - 1]) : 1;
  return n >= 1 ? n : 1;
}

const isFree = (slot: GpuSlot) => slot.owner === null && slot.vms.length === 0;

function pickVgpu(spec: HostSpec, slots: GpuSlot[], profile: string | undefined): GpuAssignment | null {
  const profileOf = (slot: GpuSlot) => profile ?? spec.pciDevices?.[slot.pciIndex]?.vgpuProfiles?.[0];
  const offers = (slot: GpuSlot, p: string | undefined): p is string =>
    p !== undefined && (spec.pciDevices?.[slot.pciIndex]?.vgpuProfiles ?? []).includes(p);
  // Fill GPUs already serving the profile before opening a fresh one: keeps whole GPUs free for passthrough.
  for (const slot of slots) {
    const p = profileOf(slot);
    if (offers(slot, p) && slot.owner === null && slot.profile === p && slot.vms.length < vgpuSlicesPerGpu(p)) {
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

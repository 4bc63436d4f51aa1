// Passthrough disks at placement (I4): a VM asking for a host's physical disk or NVMe device fits only a host
// with an IOMMU (vt-d / amd-vi) and a free function of that kind (and model, when the VM names one).
// Free = the host's functions of the kind minus those the VMs already placed there ask for; the io-backend
// binds the exact function at attach-devices (io/host-pci.ts), exclusively. Cost: nothing for a VM without
// a passthrough disk; otherwise one pass over the VMs per host considered (such VMs are few).
import type { DiskSpec, HostSpec, VmSpec } from '@virtsim/contracts';
import { hasIommu } from '../io/state.js';
import type { PlacementHost, PlacementState } from './model.js';

interface Want { kind: 'disk' | 'nvme'; model: string | null }

const wants = (spec: Pick<VmSpec, 'disks'>): Want[] =>
  (spec.disks ?? []).filter((d: DiskSpec) => d.bus === 'passthrough').map((d) => ({ kind: d.device ?? 'disk', model: d.model ?? null }));

/** Takes a function for each want from the pool (named models first), in place; false when one is missing. */
function take(pool: { kind: string; model: string }[], list: Want[]): boolean {
  for (const w of [...list].sort((a, b) => Number(b.model !== null) - Number(a.model !== null))) {
    const i = pool.findIndex((f) => f.kind === w.kind && (w.model === null || f.model === w.model));
    if (i < 0) return false;
    pool.splice(i, 1);
  }
  return true;
}

export const asksPassthroughDisk = (spec: Pick<VmSpec, 'disks'>): boolean => (spec.disks ?? []).some((d) => d.bus === 'passthrough');

export function passthroughDisksFit(state: PlacementState, host: PlacementHost, spec: VmSpec, vmId: string): boolean {
  const mine = wants(spec);
  if (mine.length === 0) return true;
  if (!hasIommu(host.spec as HostSpec)) return false;
  const pool = (host.spec.pciDevices ?? []).filter((d) => d.kind === 'disk' || d.kind === 'nvme').map((d) => ({ kind: d.kind, model: d.model }));
  for (const vm of Object.values(state.vms)) {
    if (vm.hostId === host.id && vm.id !== vmId) take(pool, wants(vm.spec));
  }
  return take(pool, mine);
}

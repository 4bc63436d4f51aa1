// Passthrough functions at placement (I4, I5): a VM asking for a host's physical disk or NVMe device, or an
// SR-IOV NIC (a VF of a host NIC), fits only a host with an IOMMU (vt-d / amd-vi) and a free function of that
// kind (and model, when the VM names one), as io-backend's planPci requires (io.iommuRequired,
// io.passthroughUnavailable): placement must not accept what attach-devices then refuses.
// Free = the host's functions of the kind minus those the VMs already placed there ask for; the io-backend
// binds the exact function at attach-devices (io/host-pci.ts), exclusively. Cost: nothing for a VM without
// a passthrough disk; otherwise one pass over the VMs per host considered (such VMs are few).
import type { DiskSpec, HostSpec, VmSpec } from '@virtsim/contracts';
import { hasIommu } from '../io/state.js';
import type { PlacementHost, PlacementState } from './model.js';

interface Want { kind: 'disk' | 'nvme' | 'nic'; model: string | null }

const wants = (spec: Pick<VmSpec, 'disks' | 'nics'>): Want[] => [
  ...(spec.disks ?? []).filter((d: DiskSpec) => d.bus === 'passthrough').map((d): Want => ({ kind: d.device ?? 'disk', model: d.model ?? null })),
  ...(spec.nics ?? []).filter((n) => n.model === 'sriov').map((): Want => ({ kind: 'nic', model: null })),
];

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
  const gpuPassthrough = (spec.gpus ?? []).some((g) => g.mode === 'passthrough');
  if (mine.length === 0 && !gpuPassthrough) return true;
  if (!hasIommu(host.spec as HostSpec)) return false;
  if (mine.length === 0) return true;
  const pool = (host.spec.pciDevices ?? []).filter((d) => d.kind === 'disk' || d.kind === 'nvme' || d.kind === 'nic').map((d) => ({ kind: d.kind, model: d.model }));
  for (const vm of Object.values(state.vms)) {
    if (vm.hostId === host.id && vm.id !== vmId) take(pool, wants(vm.spec));
  }
  return take(pool, mine);
}

// Host PCI functions handed to VMs (I4, I6, F3): exclusive passthrough and vGPU slices.
//
// Passthrough (GPU passthrough, SR-IOV VF NIC, a physical disk or NVMe device): one host PCI function per VM device, never offered twice;
// needs an IOMMU ('vt-d' / 'iommu' / 'amd-vi' in the host CPU features) for DMA remapping; at most
// ASSIGNABLE_SLOTS functions assigned per host. Each pciDevices entry of the host is one assignable
// function (a whole GPU, or one VF of an SR-IOV NIC).
// vGPU: profile '<name>-<n><series>' (e.g. grid-1q, m60-8q) gives n GiB of framebuffer per VM; a GPU's
// framebuffer is its largest listed profile (the whole-GPU one), so slices per GPU = framebuffer / n
// (profiles grid-1q..grid-8q: 8, 4, 2, 1 slices). A profile without that suffix takes the whole GPU.
// One GPU runs one profile at a time (NVIDIA: a physical GPU hosts vGPUs of a single type); it becomes
// free for another profile when its last slice is released. vGPUs are mediated by the host driver, so
// they use no assignable slot and need no IOMMU. New slices fill GPUs already running the profile first.
import { unprocessable, type IoDevice, type VirtsimError } from '@virtsim/contracts';
import type { IoHostState, IoPciFunctionState, IoState } from './state.js';

export interface PciRequest {
  deviceId: string;
  kind: 'gpu' | 'nic' | 'disk' | 'nvme';
  mode: 'passthrough' | 'vgpu';
  /** host model required (the model a passthrough disk asks for; an equivalent device for a restart elsewhere), null = any */
  model: string | null;
  /** vGPU profile, null = any free slice */
  profile: string | null;
}
export interface PciAllocation { deviceId: string; pciIndex: number; hostModel: string; profile: string | null }
export type PciPlan = { ok: true; allocations: PciAllocation[] } | { ok: false; error: VirtsimError };

export function profileFramebufferGiB(profile: string): number | null {
  const m = /-(\d+)[a-z]$/i.exec(profile);
  return m ? Number(m[1]) : null;
}

export function vgpuSlicesPerGpu(profile: string, gpuProfiles: readonly string[]): number {
  const n = profileFramebufferGiB(profile);
  const framebuffer = Math.max(0, ...gpuProfiles.map((p) => profileFramebufferGiB(p) ?? 0));
  return n && framebuffer >= n ? Math.floor(framebuffer / n) : 1;
}

interface Scratch { taken: Set<number>; slotsUsed: number; vgpu: Map<number, { profile: string; used: number; slices: number }> }

function scratchOf(host: IoHostState): Scratch {
  const vgpu = new Map<number, { profile: string; used: number; slices: number }>();
  for (const p of host.pci) if (p.vgpu) vgpu.set(p.pciIndex, { profile: p.vgpu.profile, used: p.vgpu.holders.length, slices: p.vgpu.slices });
  const taken = new Set(host.pci.filter((p) => p.passthroughVmId !== null).map((p) => p.pciIndex));
  return { taken, slotsUsed: taken.size, vgpu };
}

const wanted = (r: PciRequest): string => `${r.mode === 'vgpu' ? `vGPU ${r.profile ?? '(any profile)'}` : `passthrough ${r.kind}`}${r.model ? ` ${r.model}` : ''}`;

function unavailable(host: IoHostState, r: PciRequest): VirtsimError {
  const models = host.pci.filter((p) => p.kind === r.kind).map((p) => `${p.model} [${p.address}${p.passthroughVmId ? ' in use' : p.vgpu ? ` ${p.vgpu.profile} ${p.vgpu.holders.length}/${p.vgpu.slices}` : ''}]`);
  return unprocessable('io.passthroughUnavailable', `no free ${wanted(r)} on host ${host.hostId} (host ${r.kind}s: ${models.join(', ') || 'none'})`, {
    hostId: host.hostId, deviceId: r.deviceId, kind: r.kind, model: r.model, profile: r.profile, hostModels: models,
  });
}

function takePassthrough(host: IoHostState, s: Scratch, r: PciRequest): PciAllocation | VirtsimError {
  if (!host.iommu) return unprocessable('io.iommuRequired', `host ${host.hostId} has no IOMMU (vt-d / amd-vi) for ${wanted(r)}`, { hostId: host.hostId, deviceId: r.deviceId });
  if (s.slotsUsed >= host.assignableSlots) {
    return unprocessable('io.passthroughSlotsExhausted', `host ${host.hostId} has all ${host.assignableSlots} assignable PCI slots in use (${wanted(r)})`, { hostId: host.hostId, deviceId: r.deviceId });
  }
  const fn = host.pci.find((p) => p.kind === r.kind && (!r.model || p.model === r.model) && !s.taken.has(p.pciIndex) && !s.vgpu.has(p.pciIndex));
  if (!fn) return unavailable(host, r);
  s.taken.add(fn.pciIndex);
  s.slotsUsed += 1;
  return { deviceId: r.deviceId, pciIndex: fn.pciIndex, hostModel: fn.model, profile: null };
}

function takeVgpu(host: IoHostState, s: Scratch, r: PciRequest): PciAllocation | VirtsimError {
  const gpus = host.pci.filter((p) => p.kind === 'gpu' && (!r.model || p.model === r.model) && !s.taken.has(p.pciIndex));
  const running = gpus.find((p) => {
    const v = s.vgpu.get(p.pciIndex);
    return v !== undefined && v.used < v.slices && (r.profile === null || v.profile === r.profile);
  });
  const fresh = running ? undefined : gpus.find((p) => !s.vgpu.has(p.pciIndex) && p.vgpuProfiles.length > 0 && (r.profile === null || p.vgpuProfiles.includes(r.profile)));
  const fn = running ?? fresh;
  if (!fn) return unavailable(host, r);
  const v = s.vgpu.get(fn.pciIndex) ?? { profile: r.profile ?? smallestProfile(fn), used: 0, slices: 0 };
  v.slices = v.slices || vgpuSlicesPerGpu(v.profile, fn.vgpuProfiles);
  v.used += 1;
  s.vgpu.set(fn.pciIndex, v);
  return { deviceId: r.deviceId, pciIndex: fn.pciIndex, hostModel: fn.model, profile: v.profile };
}

const smallestProfile = (fn: IoPciFunctionState): string => defaultVgpuProfile(fn.vgpuProfiles)!;

/** I6: a vGPU request without a profile gets the GPU's smallest profile (most slices; ties by name). */
export const defaultVgpuProfile = (profiles: readonly string[]): string | undefined =>
  [...profiles].sort((a, b) => vgpuSlicesPerGpu(b, profiles) - vgpuSlicesPerGpu(a, profiles) || (a < b ? -1 : a > b ? 1 : 0))[0];

/** Plan the host functions for a VM's requests, all or nothing, without changing the host. */
export function planPci(host: IoHostState, requests: readonly PciRequest[]): PciPlan {
  const s = scratchOf(host);
  const allocations: PciAllocation[] = [];
  for (const r of requests) {
    const a = r.mode === 'passthrough' ? takePassthrough(host, s, r) : takeVgpu(host, s, r);
    if (!('pciIndex' in a)) return { ok: false, error: a };
    allocations.push(a);
  }
  return { ok: true, allocations };
}

const requestKind = (d: IoDevice): PciRequest['kind'] =>
  d.kind === 'gpu' ? 'gpu' : d.kind === 'disk' ? (d.model === 'nvme' ? 'nvme' : 'disk') : 'nic';

/** Requests for the host-bound devices of a device list; `equivalent` pins the host model (a restart
 *  elsewhere needs the same GPU / NIC / disk model); a passthrough disk's asked-for model and the vGPU
 *  profile are always kept. */
export const pciRequests = (devices: readonly IoDevice[], equivalent: boolean): PciRequest[] =>
  devices.filter((d) => d.mode === 'passthrough' || d.mode === 'vgpu').map((d) => ({
    deviceId: d.deviceId, kind: requestKind(d), mode: d.mode === 'vgpu' ? 'vgpu' : 'passthrough',
    model: equivalent || d.kind === 'disk' ? d.hostModel : null, profile: d.vgpuProfile,
  }));

/** Can a restart on hostId get devices equivalent to vmDevices (HA restart, cold migration)? */
export function equivalentDeviceFree(state: IoState, hostId: string, vmDevices: readonly IoDevice[]): { ok: boolean; missing: string[] } {
  const requests = pciRequests(vmDevices, true);
  if (requests.length === 0) return { ok: true, missing: [] };
  const host = state.hosts[hostId];
  if (!host) return { ok: false, missing: [`host ${hostId} is not registered with io`] };
  const missing: string[] = [];
  for (const r of requests) {
    const plan = planPci(host, [r]);
    if (!plan.ok) missing.push(plan.error.message);
  }
  const all = planPci(host, requests);
  if (missing.length === 0 && !all.ok) missing.push(all.error.message);
  return { ok: missing.length === 0, missing };
}

export interface FreeVgpuProfile { profile: string; freeSlices: number; gpus: number }

/** Free vGPU slices per profile on a host. A GPU running a profile offers its remaining slices of that
 *  profile; an idle GPU offers a full set of every profile it supports (alternatives, not a sum). */
export function freeVgpuProfiles(state: IoState, hostId: string): FreeVgpuProfile[] {
  const host = state.hosts[hostId];
  if (!host) return [];
  const free = new Map<string, FreeVgpuProfile>();
  const add = (profile: string, slices: number) => {
    const f = free.get(profile) ?? { profile, freeSlices: 0, gpus: 0 };
    f.freeSlices += slices;
    f.gpus += 1;
    free.set(profile, f);
  };
  for (const p of host.pci) {
    if (p.kind !== 'gpu' || p.passthroughVmId !== null) continue;
    if (p.vgpu) {
      if (p.vgpu.holders.length < p.vgpu.slices) add(p.vgpu.profile, p.vgpu.slices - p.vgpu.holders.length);
    } else for (const profile of p.vgpuProfiles) add(profile, vgpuSlicesPerGpu(profile, p.vgpuProfiles));
  }
  return [...free.values()].sort((a, b) => (a.profile < b.profile ? -1 : a.profile > b.profile ? 1 : 0));
}

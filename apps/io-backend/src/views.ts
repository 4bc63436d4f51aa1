// Read models of the io-backend: what GET /vms/:id and /hosts/:id show under `io`. Pure.
// I/O figures are the last ones published by IoStatsChanged (the tick publishes a VM's figures when they move
// by more than 5%), so they agree with the log; a host's `asOf` is the simTime of its last publication.
import { notFound, type IoDeviceFigures, type IoVmFigures } from '@virtsim/contracts';
import { io } from '@virtsim/domain';
import type { IoBackendState } from './state.js';

const r2 = (x: number): number => Math.round(x * 100) / 100;

function figuresOf(vm: io.IoVmState, host: io.IoHostState | undefined) {
  const f: IoVmFigures | undefined = host?.reportedVms[vm.vmId];
  const byDevice = new Map<string, IoDeviceFigures>((f?.devices ?? []).map((d) => [d.deviceId, d]));
  return { f, byDevice };
}

export function vmView(s: IoBackendState, vmId: string) {
  const vm = io.vmOf(s.io, vmId);
  const shell = s.vms[vmId];
  if (!vm) {
    if (!shell) throw notFound('vm', vmId);
    return { vmId, attached: false, hostId: shell.hostId, devices: [], xenstore: null, figures: null, warnings: [] };
  }
  const host = s.io.hosts[vm.hostId];
  const { f, byDevice } = figuresOf(vm, host);
  const devices = vm.devices.map((d) => {
    const fig = byDevice.get(d.deviceId);
    const pci = d.pciIndex === null ? null : host?.pci.find((p) => p.pciIndex === d.pciIndex);
    return {
      deviceId: d.deviceId, kind: d.kind, model: d.model, mode: d.mode, guestName: d.guestName,
      guestModel: host ? io.guestDeviceModel(d.kind, d.model, host.product) : d.model,
      deviceClass: d.deviceClass, devId: d.devId, frontend: d.frontend, backend: d.backend,
      pci: pci ? { pciIndex: pci.pciIndex, address: pci.address, hostModel: d.hostModel } : null,
      vgpuProfile: d.vgpuProfile,
      figures: fig ? { exitsPerRequest: fig.exitsPerRequest, iops: fig.iops, latencyUs: fig.latencyUs, throughputMiBps: fig.throughputMiBps, dom0CpuMhz: fig.dom0CpuMhz, exitsPerSecond: r2(fig.iops * fig.exitsPerRequest) } : null,
    };
  });
  const warnings = vm.powered
    ? vm.devices.filter((d) => d.frontend !== 'Connected').map((d) => `${d.guestName} (${d.model}) has no driver in the guest: front-end ${d.frontend}, back-end ${d.backend}`)
    : [];
  return {
    vmId, attached: true, hostId: vm.hostId, domId: vm.domId, powered: vm.powered,
    inventoryHostId: shell?.hostId ?? null, inventoryState: shell?.power ?? null,
    guest: { ...vm.guest, pvDrivers: io.pvDriverSource(vm.guest.os) },
    devices,
    xenstore: { domId: vm.domId, entries: io.registryOf(vm) },
    figures: f
      ? {
        iops: f.iops, throughputMiBps: f.throughputMiBps, latencyUs: f.latencyUs, exitsPerSecond: f.exitsPerSecond,
        exitsPerRequest: f.iops > 0 ? r2(f.exitsPerSecond / f.iops) : 0, dom0CpuMhz: f.dom0CpuMhz, exitCpuMhz: f.exitCpuMhz,
      }
      : { iops: 0, throughputMiBps: 0, latencyUs: 0, exitsPerSecond: 0, exitsPerRequest: 0, dom0CpuMhz: 0, exitCpuMhz: 0 },
    warnings,
  };
}

export function hostView(s: IoBackendState, hostId: string) {
  const host = s.io.hosts[hostId];
  if (!host) throw notFound('host', hostId);
  const running = host.vmIds.filter((id) => io.vmOf(s.io, id)?.powered).length;
  const assigned = host.pci.filter((p) => p.passthroughVmId !== null).length;
  return {
    hostId, clusterId: s.hostCluster[hostId] ?? null, product: host.product, iommu: host.iommu, mhz: host.mhz,
    assignableSlots: { total: host.assignableSlots, used: assigned, free: host.assignableSlots - assigned },
    pciDevices: host.pci.map((p) => ({
      pciIndex: p.pciIndex, address: p.address, kind: p.kind, model: p.model, vgpuProfiles: p.vgpuProfiles,
      state: p.passthroughVmId !== null ? 'assigned' : p.vgpu ? (p.vgpu.holders.length < p.vgpu.slices ? 'vgpu-partial' : 'vgpu-full') : 'free',
      assignedTo: p.passthroughVmId,
      vgpu: p.vgpu ? { profile: p.vgpu.profile, slices: p.vgpu.slices, used: p.vgpu.holders.length, holders: p.vgpu.holders } : null,
    })),
    freeVgpuProfiles: io.freeVgpuProfiles(s.io, hostId),
    vms: { attached: host.vmIds.length, running },
    dom0: {
      asOf: s.statsAt[hostId] ?? null,
      ...(host.reported ?? { dom0BudgetMhz: host.dom0BudgetMhz, dom0DemandMhz: 0, dom0CpuMhz: 0, exitCpuMhz: 0, contentionFactor: 1 }),
    },
  };
}

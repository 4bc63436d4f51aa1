// evolve of the io decider: applies io events (and inventory HostAdded) to IoState without mutating it
// (evolveIo), or in place for a service projection (evolveIoInPlace, same result).
import type { InventoryEvent, IoDevice, IoEvent, IoVmFigures } from '@virtsim/contracts';
import { vgpuSlicesPerGpu } from './host-pci.js';
import { hostRegistration, newHostState, withId, withoutId, type IoHostState, type IoPciFunctionState, type IoState, type IoVmState, vmBucket, vmOf, withVm, withoutVm } from './state.js';
import { closed, connected } from './xenbus.js';

export type IoInputEvent = IoEvent | Extract<InventoryEvent, { type: 'HostAdded' }>;

const holder = (vmId: string, d: IoDevice): string => `${vmId}/${d.deviceId}`;

function bindFunctions(host: IoHostState, vmId: string, devices: readonly IoDevice[]): IoHostState {
  const held = devices.filter((d) => d.pciIndex !== null);
  if (held.length === 0) return { ...host, vmIds: withId(host.vmIds, vmId) };
  const pci = host.pci.map((p): IoPciFunctionState => {
    const mine = held.filter((d) => d.pciIndex === p.pciIndex);
    if (mine.length === 0) return p;
    if (mine[0].mode === 'passthrough') return { ...p, passthroughVmId: vmId };
    const profile = mine[0].vgpuProfile ?? p.vgpu?.profile ?? '';
    const holders = mine.reduce((hs, d) => withId(hs, holder(vmId, d)), p.vgpu?.holders ?? []);
    return { ...p, vgpu: { profile, slices: p.vgpu?.slices ?? vgpuSlicesPerGpu(profile, p.vgpuProfiles), holders } };
  });
  return { ...host, pci, vmIds: withId(host.vmIds, vmId) };
}

function releaseFunctions(host: IoHostState, vm: IoVmState): IoHostState {
  const prefix = `${vm.vmId}/`;
  const pci = host.pci.map((p): IoPciFunctionState => {
    if (p.passthroughVmId === vm.vmId) return { ...p, passthroughVmId: null };
    if (!p.vgpu || !p.vgpu.holders.some((h) => h.startsWith(prefix))) return p;
    const holders = p.vgpu.holders.filter((h) => !h.startsWith(prefix));
    return { ...p, vgpu: holders.length > 0 ? { ...p.vgpu, holders } : null };
  });
  return { ...host, pci, vmIds: withoutId(host.vmIds, vm.vmId) };
}

const withHost = (state: IoState, host: IoHostState): IoState => ({ ...state, hosts: { ...state.hosts, [host.hostId]: host } });

function applyStats(host: IoHostState, data: Extract<IoEvent, { type: 'IoStatsChanged' }>['data']): IoHostState {
  const reportedVms: Record<string, IoVmFigures> = { ...host.reportedVms };
  for (const v of data.vms) {
    if (v.devices.length === 0 && v.iops === 0 && v.dom0CpuMhz === 0) delete reportedVms[v.vmId];
    else reportedVms[v.vmId] = v;
  }
  return { ...host, reported: data.host, reportedVms };
}

function updateVm(state: IoState, vmId: string, f: (vm: IoVmState) => IoVmState): IoState {
  const vm = vmOf(state, vmId);
  return vm ? withVm(state, f(vm)) : state;
}

export function evolveIo(state: IoState, event: IoInputEvent): IoState {
  switch (event.type) {
    case 'HostAdded':
      return state.hosts[event.data.hostId] ? state : withHost(state, newHostState(hostRegistration(event.data.hostId, event.data.spec)));
    case 'IoHostRegistered':
      return state.hosts[event.data.hostId] ? state : withHost(state, newHostState(event.data));
    case 'IoDevicesAttached': {
      const { vmId, hostId, domId, guest, workload, devices } = event.data;
      const host = state.hosts[hostId];
      const next = host ? withHost(state, { ...bindFunctions(host, vmId, devices), nextDomId: Math.max(host.nextDomId, domId + 1) }) : state;
      return withVm(next, { vmId, hostId, domId, guest, workload, devices, powered: false });
    }
    case 'IoDevicesDiscovered': {
      const unbound = new Set(event.data.unbound.map((u) => u.deviceId));
      return updateVm(state, event.data.vmId, (vm) => ({ ...vm, powered: true, devices: vm.devices.map((d) => connected(d, !unbound.has(d.deviceId))) }));
    }
    case 'IoDevicesClosed':
      return updateVm(state, event.data.vmId, (vm) => ({ ...vm, powered: false, devices: vm.devices.map(closed) }));
    case 'IoGuestToolsInstalled':
      // Tools bring the PV drivers: a running guest binds its waiting front-ends at once.
      return updateVm(state, event.data.vmId, (vm) => ({
        ...vm, guest: { ...vm.guest, toolsInstalled: true }, devices: vm.powered ? vm.devices.map((d) => connected(d, true)) : vm.devices,
      }));
    case 'IoDevicesDetached': {
      const vm = vmOf(state, event.data.vmId);
      if (!vm) return state;
      const host = state.hosts[vm.hostId];
      const next = withoutVm(state, vm.vmId);
      return host ? withHost(next, releaseFunctions(host, vm)) : next;
    }
    case 'IoDevicesMoved': {
      const { vmId, toHostId, domId, reason, devices } = event.data;
      const vm = vmOf(state, vmId);
      if (!vm) return state;
      const from = state.hosts[vm.hostId];
      let next = from ? withHost(state, releaseFunctions(from, vm)) : state;
      const to = next.hosts[toHostId];
      if (to) next = withHost(next, { ...bindFunctions(to, vmId, devices), nextDomId: Math.max(to.nextDomId, domId + 1) });
      return withVm(next, { ...vm, hostId: toHostId, domId, devices, powered: vm.powered && reason === 'live-migration' });
    }
    case 'IoStatsChanged': {
      const host = state.hosts[event.data.hostId];
      return host ? withHost(state, applyStats(host, event.data)) : state;
    }
    default:
      return state;
  }
}

// ---- in place (service projections): same result as evolveIo, O(devices + host VMs) per event ----

function insertId(ids: string[], id: string): void {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  if (ids[lo] !== id) ids.splice(lo, 0, id);
}

function removeId(ids: string[], id: string): void {
  const i = ids.indexOf(id);
  if (i >= 0) ids.splice(i, 1);
}

function bindInPlace(host: IoHostState, vmId: string, devices: readonly IoDevice[]): void {
  for (const p of host.pci) {
    const mine = devices.filter((d) => d.pciIndex !== null && d.pciIndex === p.pciIndex);
    if (mine.length === 0) continue;
    if (mine[0].mode === 'passthrough') {
      p.passthroughVmId = vmId;
      continue;
    }
    const profile = mine[0].vgpuProfile ?? p.vgpu?.profile ?? '';
    const holders = [...(p.vgpu?.holders ?? [])];
    for (const d of mine) insertId(holders, holder(vmId, d));
    p.vgpu = { profile, slices: p.vgpu?.slices ?? vgpuSlicesPerGpu(profile, p.vgpuProfiles), holders };
  }
  insertId(host.vmIds, vmId);
}

function releaseInPlace(host: IoHostState, vm: IoVmState): void {
  const prefix = `${vm.vmId}/`;
  for (const p of host.pci) {
    if (p.passthroughVmId === vm.vmId) {
      p.passthroughVmId = null;
      continue;
    }
    if (!p.vgpu || !p.vgpu.holders.some((h) => h.startsWith(prefix))) continue;
    const holders = p.vgpu.holders.filter((h) => !h.startsWith(prefix));
    p.vgpu = holders.length > 0 ? { ...p.vgpu, holders } : null;
  }
  removeId(host.vmIds, vm.vmId);
}

function putVm(state: IoState, vm: IoVmState): void {
  const key = vmBucket(vm.vmId);
  (state.vmBuckets[key] ??= {})[vm.vmId] = vm;
}

/** evolveIo updating `state` in place (and returning it): hosts, buckets and VM records are mutated or
 *  replaced; objects taken from event data are never mutated. Equal (deep) to evolveIo's result. */
export function evolveIoInPlace(state: IoState, event: IoInputEvent): IoState {
  switch (event.type) {
    case 'HostAdded':
      if (!state.hosts[event.data.hostId]) state.hosts[event.data.hostId] = newHostState(hostRegistration(event.data.hostId, event.data.spec));
      return state;
    case 'IoHostRegistered':
      if (!state.hosts[event.data.hostId]) state.hosts[event.data.hostId] = newHostState(event.data);
      return state;
    case 'IoDevicesAttached': {
      const { vmId, hostId, domId, guest, workload, devices } = event.data;
      const host = state.hosts[hostId];
      if (host) {
        bindInPlace(host, vmId, devices);
        host.nextDomId = Math.max(host.nextDomId, domId + 1);
      }
      putVm(state, { vmId, hostId, domId, guest, workload, devices, powered: false });
      return state;
    }
    case 'IoDevicesDiscovered': {
      const vm = vmOf(state, event.data.vmId);
      if (!vm) return state;
      const unbound = new Set(event.data.unbound.map((u) => u.deviceId));
      putVm(state, { ...vm, powered: true, devices: vm.devices.map((d) => connected(d, !unbound.has(d.deviceId))) });
      return state;
    }
    case 'IoDevicesClosed': {
      const vm = vmOf(state, event.data.vmId);
      if (vm) putVm(state, { ...vm, powered: false, devices: vm.devices.map(closed) });
      return state;
    }
    case 'IoGuestToolsInstalled': {
      const vm = vmOf(state, event.data.vmId);
      if (vm) {
        putVm(state, {
          ...vm, guest: { ...vm.guest, toolsInstalled: true }, devices: vm.powered ? vm.devices.map((d) => connected(d, true)) : vm.devices,
        });
      }
      return state;
    }
    case 'IoDevicesDetached': {
      const vm = vmOf(state, event.data.vmId);
      if (!vm) return state;
      const host = state.hosts[vm.hostId];
      if (host) releaseInPlace(host, vm);
      delete state.vmBuckets[vmBucket(vm.vmId)][vm.vmId];
      return state;
    }
    case 'IoDevicesMoved': {
      const { vmId, toHostId, domId, reason, devices } = event.data;
      const vm = vmOf(state, vmId);
      if (!vm) return state;
      const from = state.hosts[vm.hostId];
      if (from) releaseInPlace(from, vm);
      const to = state.hosts[toHostId];
      if (to) {
        bindInPlace(to, vmId, devices);
        to.nextDomId = Math.max(to.nextDomId, domId + 1);
      }
      putVm(state, { ...vm, hostId: toHostId, domId, devices, powered: vm.powered && reason === 'live-migration' });
      return state;
    }
    case 'IoStatsChanged': {
      const host = state.hosts[event.data.hostId];
      if (!host) return state;
      for (const v of event.data.vms) {
        if (v.devices.length === 0 && v.iops === 0 && v.dom0CpuMhz === 0) delete host.reportedVms[v.vmId];
        else host.reportedVms[v.vmId] = v;
      }
      host.reported = event.data.host;
      return state;
    }
    default:
      return state;
  }
}

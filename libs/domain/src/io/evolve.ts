// evolve of the io decider: io events (and inventory HostAdded) folded into IoState by ONE function, applyIo,
// over a draft (the pattern of ha/evolve.ts): evolveIo on a copy-on-write draft, leaving its input untouched;
// evolveIoInPlace on the state itself for the service projection. One fold, two drafts: they cannot drift apart.
import type { InventoryEvent, IoDevice, IoEvent } from '@virtsim/contracts';
import { replugged } from './devices.js';
import { vgpuSlicesPerGpu } from './host-pci.js';
import { hostRegistration, newHostState, type IoHostState, type IoState, type IoVmState, vmBucket, vmOf } from './state.js';
import { closed, connected } from './xenbus.js';
import { cowRecord } from '../shared/record.js';

export type IoInputEvent = IoEvent | Extract<InventoryEvent, { type: 'HostAdded' | 'VmDevicesChanged' }>;

const holder = (vmId: string, d: IoDevice): string => `${vmId}/${d.deviceId}`;

/** The state one fold writes, and how it may write it: in place, or copy-on-write (each host and VM bucket
 *  copied once per draft, the rest shared with the input). */
interface IoDraft {
  readonly state: IoState;
  /** the host, writable in this draft; undefined when io does not know it */
  host(hostId: string): IoHostState | undefined;
  putVm(vm: IoVmState): void;
  deleteVm(vmId: string): void;
}

function inPlaceDraft(state: IoState): IoDraft {
  return {
    state,
    host: (hostId) => state.hosts[hostId],
    putVm: (vm) => { (state.vmBuckets[vmBucket(vm.vmId)] ??= {})[vm.vmId] = vm; },
    deleteVm: (vmId) => { delete state.vmBuckets[vmBucket(vmId)]?.[vmId]; },
  };
}

const copyHost = (h: IoHostState): IoHostState => ({ ...h, pci: h.pci.map((p) => ({ ...p })), vmIds: [...h.vmIds], reportedVms: { ...h.reportedVms } });

function copyDraft(base: IoState, copyOnWrite: <T>(r: Record<string, T>) => Record<string, T> = (r) => ({ ...r })): IoDraft {
  const state: IoState = { ...base, hosts: copyOnWrite(base.hosts), vmBuckets: copyOnWrite(base.vmBuckets) };
  const hosts = new Set<string>();
  const buckets = new Set<string>();
  const bucket = (key: string) => {
    if (!buckets.has(key)) { buckets.add(key); state.vmBuckets[key] = { ...state.vmBuckets[key] }; }
    return state.vmBuckets[key]!;
  };
  return {
    state,
    host: (hostId) => {
      const h = state.hosts[hostId];
      if (!h || hosts.has(hostId)) return h;
      hosts.add(hostId);
      return (state.hosts[hostId] = copyHost(h));
    },
    putVm: (vm) => { bucket(vmBucket(vm.vmId))[vm.vmId] = vm; },
    deleteVm: (vmId) => { delete bucket(vmBucket(vmId))[vmId]; },
  };
}

/** Pure: a new state, the input untouched (the decider, tests, replay). O(devices + host VMs + buckets) per event. */
export function evolveIo(state: IoState, event: IoInputEvent): IoState {
  const d = copyDraft(state);
  applyIo(d, event);
  return d.state;
}

/** A copy-on-write overlay of `state` for a decision that must see its own earlier events (a batch of attach
 *  steps): `apply` as often as needed, `state` is never touched. O(1) to make (the host and bucket maps copy by
 *  key, cowRecord), then O(devices + host VMs) per event; evolveIo per event copied every host map (1,280 hosts
 *  in ten clusters) each time. The overlay's state is for reading during the decision, not for keeping. */
export function overlay(state: IoState): { state: IoState; apply: (events: readonly IoInputEvent[]) => void } {
  const d = copyDraft(state, cowRecord);
  return { state: d.state, apply: (events) => { for (const e of events) applyIo(d, e); } };
}

/** The same fold on `state` itself (mutates and returns it): the io-backend projection, which owns its state.
 *  Objects taken from event data are never mutated. */
export function evolveIoInPlace(state: IoState, event: IoInputEvent): IoState {
  applyIo(inPlaceDraft(state), event);
  return state;
}

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

function applyIo(d: IoDraft, event: IoInputEvent): void {
  switch (event.type) {
    case 'HostAdded':
      if (!d.state.hosts[event.data.hostId]) d.state.hosts[event.data.hostId] = newHostState(hostRegistration(event.data.hostId, event.data.spec));
      return;
    case 'IoHostRegistered':
      if (!d.state.hosts[event.data.hostId]) d.state.hosts[event.data.hostId] = newHostState(event.data);
      return;
    case 'IoDevicesAttached': {
      const { vmId, hostId, domId, guest, workload, devices } = event.data;
      const host = d.host(hostId);
      if (host) {
        bindInPlace(host, vmId, devices);
        host.nextDomId = Math.max(host.nextDomId, domId + 1);
      }
      d.putVm({ vmId, hostId, domId, guest, workload, devices, powered: false });
      return;
    }
    case 'IoDevicesDiscovered': {
      const vm = vmOf(d.state, event.data.vmId);
      if (!vm) return;
      const unbound = new Set(event.data.unbound.map((u) => u.deviceId));
      d.putVm({ ...vm, powered: true, devices: vm.devices.map((dev) => connected(dev, !unbound.has(dev.deviceId))) });
      return;
    }
    case 'IoDevicesClosed': {
      const vm = vmOf(d.state, event.data.vmId);
      if (vm) d.putVm({ ...vm, powered: false, devices: vm.devices.map(closed) });
      return;
    }
    case 'IoGuestToolsInstalled': {
      const vm = vmOf(d.state, event.data.vmId);
      if (vm) {
        d.putVm({
          ...vm, guest: { ...vm.guest, toolsInstalled: true }, devices: vm.powered ? vm.devices.map((dev) => connected(dev, true)) : vm.devices,
        });
      }
      return;
    }
    case 'VmDevicesChanged': {
      // a disk or NIC plugged or unplugged (inventory vm-devices.ts decided it): the device list follows
      const vm = vmOf(d.state, event.data.vmId);
      if (vm) d.putVm({ ...vm, devices: replugged(vm, d.state.hosts[vm.hostId]?.product ?? 'kvm', event.data) });
      return;
    }
    case 'IoDevicesDetached': {
      const vm = vmOf(d.state, event.data.vmId);
      if (!vm) return;
      const host = d.host(vm.hostId);
      if (host) releaseInPlace(host, vm);
      d.deleteVm(vm.vmId);
      return;
    }
    case 'IoDevicesMoved': {
      const { vmId, toHostId, domId, reason, devices } = event.data;
      const vm = vmOf(d.state, vmId);
      if (!vm) return;
      const from = d.host(vm.hostId);
      if (from) releaseInPlace(from, vm);
      const to = d.host(toHostId);
      if (to) {
        bindInPlace(to, vmId, devices);
        to.nextDomId = Math.max(to.nextDomId, domId + 1);
      }
      d.putVm({ ...vm, hostId: toHostId, domId, devices, powered: vm.powered && reason === 'live-migration' });
      return;
    }
    case 'IoStatsChanged': {
      const host = d.host(event.data.hostId);
      if (!host) return;
      for (const v of event.data.vms) {
        if (v.devices.length === 0 && v.iops === 0 && v.dom0CpuMhz === 0) delete host.reportedVms[v.vmId];
        else host.reportedVms[v.vmId] = v;
      }
      host.reported = event.data.host;
      return;
    }
    default:
      return;
  }
}

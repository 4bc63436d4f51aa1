// A VM's virtual devices built from its spec on a host (I1-I6): mode, guest name, XenStore id and the
// host PCI function behind passthrough / vGPU devices.
//   disks: ide, sata, scsi -> emulated by QEMU; virtio, xen -> paravirtual ring (class vbd)
//   passthrough -> a host's physical disk or NVMe device assigned whole (pci), like an SR-IOV VF: exclusive,
//                  needs the host's IOMMU, pins the VM against live migration (decider canLiveMigrate)
//   floppies -> emulated (vbd, fd0)
//   NICs: e1000 -> emulated; virtio -> paravirtual (vif); sriov -> a VF assigned by passthrough (pci)
//   GPUs: passthrough -> a whole GPU (pci); vgpu -> a slice of a GPU (vgpu)
// A 'xen' bus disk needs Xen's blkback, so it is refused on a kvm host. IDE has 4 positions.
import { unprocessable, type DiskSpec, type IoDevice, type IoDeviceMode, type NicSpec, type VmSpec } from '@virtsim/contracts';
import type { VmDevicesChangedData } from '@virtsim/contracts';
import { missingPvDriver } from './guest-drivers.js';
import { pciRequests, planPci, type PciAllocation } from './host-pci.js';
import { floppyDevId, floppyName, gpuName, nameDisks, nicName } from './naming.js';
import type { IoHostState, IoVmState } from './state.js';
import { connected } from './xenbus.js';

const IDE_POSITIONS = 4;

export const diskMode = (bus: DiskSpec['bus']): IoDeviceMode => (bus === 'passthrough' ? 'passthrough' : bus === 'virtio' || bus === 'xen' ? 'virtio' : 'emulated');

/** A disk device's `model`: its bus, or for a passthrough disk the host device kind ('passthrough' a physical
 *  disk, 'nvme' an NVMe device); diskBusOf reads it back. */
const diskModel = (d: Pick<DiskSpec, 'bus' | 'device'>): string => (d.bus === 'passthrough' && d.device === 'nvme' ? 'nvme' : d.bus);
export const diskBusOf = (model: string): Pick<DiskSpec, 'bus' | 'device'> =>
  model === 'nvme' ? { bus: 'passthrough', device: 'nvme' } : model === 'passthrough' ? { bus: 'passthrough', device: 'disk' } : { bus: model as DiskSpec['bus'] };
export const nicMode = (model: NicSpec['model']): IoDeviceMode => (model === 'virtio' ? 'virtio' : model === 'sriov' ? 'passthrough' : 'emulated');

const device = (d: Omit<IoDevice, 'pciIndex' | 'hostModel' | 'vgpuProfile' | 'frontend' | 'backend'>): IoDevice => ({
  ...d, pciIndex: null, hostModel: null, vgpuProfile: null, frontend: 'Initialising', backend: 'InitWait',
});

function checkBuses(vmId: string, spec: VmSpec, host: IoHostState): void {
  if (host.product !== 'xen' && spec.disks.some((d) => d.bus === 'xen')) {
    throw unprocessable('io.busUnsupported', `VM ${vmId}: a xen bus disk needs a xen host, host ${host.hostId} runs ${host.product}`, { vmId, hostId: host.hostId });
  }
  const ide = spec.disks.filter((d) => d.bus === 'ide').length;
  if (ide > IDE_POSITIONS) {
    throw unprocessable('io.ideChannelsFull', `VM ${vmId}: ${ide} IDE disks, IDE has 2 channels x master/slave = ${IDE_POSITIONS}`, { vmId, ide });
  }
}

/** Devices of the spec, still unbound to host PCI functions (see bindPci). */
export function specDevices(vmId: string, spec: VmSpec, host: IoHostState): IoDevice[] {
  checkBuses(vmId, spec, host);
  const family = spec.guestOs.family;
  const names = nameDisks(spec.disks, family, host.product);
  let pciSeq = 0;
  let vgpuSeq = 0;
  const disks = spec.disks.map((d, i) => {
    const pci = d.bus === 'passthrough';
    const dev = device({ deviceId: `disk-${i}`, kind: 'disk', model: diskModel(d), mode: diskMode(d.bus), guestName: names[i].guestName, deviceClass: pci ? 'pci' : 'vbd', devId: pci ? pciSeq++ : names[i].devId });
    // the host model asked for, if any: bindPci takes a function of that model (host-pci.ts pciRequests)
    return pci ? { ...dev, hostModel: d.model ?? null } : dev;
  });
  const floppies = spec.floppies.map((_, i) =>
    device({ deviceId: `floppy-${i}`, kind: 'floppy', model: 'floppy', mode: 'emulated', guestName: floppyName(i, family), deviceClass: 'vbd', devId: floppyDevId(i) }));
  const nics = spec.nics.map((n, i) => {
    const mode = nicMode(n.model);
    const pci = mode === 'passthrough';
    return device({ deviceId: `nic-${i}`, kind: 'nic', model: n.model, mode, guestName: nicName(i, family), deviceClass: pci ? 'pci' : 'vif', devId: pci ? pciSeq++ : i });
  });
  const gpus = spec.gpus.map((g, i) => ({
    ...device({ deviceId: `gpu-${i}`, kind: 'gpu', model: g.mode, mode: g.mode, guestName: gpuName(i, family), deviceClass: g.mode === 'vgpu' ? 'vgpu' : 'pci', devId: g.mode === 'vgpu' ? vgpuSeq++ : pciSeq++ }),
    vgpuProfile: g.mode === 'vgpu' ? g.profile ?? null : null,
  }));
  return [...disks, ...floppies, ...nics, ...gpus];
}

const bound = (d: IoDevice, a: PciAllocation | undefined): IoDevice =>
  a ? { ...d, pciIndex: a.pciIndex, hostModel: a.hostModel, vgpuProfile: a.profile } : d;

/** Bind host PCI functions to the devices, all or nothing; throws the allocation refusal. */
export function bindPci(devices: readonly IoDevice[], host: IoHostState, equivalent: boolean): IoDevice[] {
  const plan = planPci(host, pciRequests(devices, equivalent));
  if (!plan.ok) throw plan.error;
  const byDevice = new Map(plan.allocations.map((a) => [a.deviceId, a]));
  return devices.map((d) => bound(d, byDevice.get(d.deviceId)));
}

/** A VM's devices re-homed on another host: disk names follow the target's product (vd <-> xvd),
 *  host PCI bindings are dropped (bindPci binds equivalents on the target). */
export function rehomed(vmId: string, devices: readonly IoDevice[], family: 'linux' | 'windows', host: IoHostState): IoDevice[] {
  const disks = devices.filter((d) => d.kind === 'disk');
  if (host.product !== 'xen' && disks.some((d) => d.model === 'xen')) {
    throw unprocessable('io.busUnsupported', `VM ${vmId}: a xen bus disk needs a xen host, host ${host.hostId} runs ${host.product}`, { vmId, hostId: host.hostId });
  }
  const names = nameDisks(disks.map((d) => diskBusOf(d.model)), family, host.product);
  const byId = new Map(disks.map((d, i) => [d.deviceId, names[i]]));
  return devices.map((d) => {
    const name = byId.get(d.deviceId);
    // a PCI-class disk keeps its PCI device number; only vbds take the vbd id
    const renamed = name ? { ...d, guestName: name.guestName, devId: d.deviceClass === 'pci' ? d.devId : name.devId } : d;
    return d.pciIndex === null ? renamed : { ...renamed, pciIndex: null, hostModel: d.hostModel };
  });
}

/** A VM's devices after a disk or NIC was added or removed (VmDevicesChanged): the devices that stay keep their
 *  state and PCI binding; disks and NICs are renumbered and renamed by the bus rules (removing /dev/vda makes the
 *  next virtio disk /dev/vda, as Linux names them at the next scan); a device added to a powered VM connects
 *  when the guest has its driver (a virtio NIC on Windows without Tools stays unbound: no network). */
export function replugged(vm: IoVmState, product: IoHostState['product'], data: Pick<VmDevicesChangedData, 'disks' | 'nics' | 'change'>): IoDevice[] {
  const { change } = data;
  const family = vm.guest.os.family;
  const fresh = (d: IoDevice): IoDevice => {
    if (!vm.powered) return d;
    const missing = d.mode === 'virtio' ? missingPvDriver(vm.guest, d.kind === 'nic' ? 'nic' : 'disk') : null;
    return connected(d, missing === null);
  };
  const ofKind = (kind: 'disk' | 'nic'): (IoDevice | null)[] => {
    const list: (IoDevice | null)[] = vm.devices.filter((d) => d.kind === kind);
    if (change.kind !== kind) return list;
    if (change.op === 'remove') return list.filter((_, i) => i !== change.index);
    return [...list, null];
  };
  const diskNames = nameDisks(data.disks, family, product);
  const disks = ofKind('disk').map((d, i) => {
    const spec = data.disks[i];
    const base = d ?? fresh(device({ deviceId: '', kind: 'disk', model: diskModel(spec), mode: diskMode(spec.bus), guestName: '', deviceClass: 'vbd', devId: 0 }));
    return { ...base, deviceId: `disk-${i}`, guestName: diskNames[i].guestName, devId: base.deviceClass === 'pci' ? base.devId : diskNames[i].devId };
  });
  const nics = ofKind('nic').map((d, i) => {
    const base = d ?? fresh(device({ deviceId: '', kind: 'nic', model: data.nics[i].model, mode: nicMode(data.nics[i].model), guestName: '', deviceClass: 'vif', devId: 0 }));
    return { ...base, deviceId: `nic-${i}`, guestName: nicName(i, family), devId: base.deviceClass === 'pci' ? base.devId : i };
  });
  const others = vm.devices.filter((d) => d.kind !== 'disk' && d.kind !== 'nic');
  return [...disks, ...others.filter((d) => d.kind === 'floppy'), ...nics, ...others.filter((d) => d.kind !== 'floppy')];
}

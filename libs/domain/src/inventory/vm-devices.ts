// Disks and NICs added to or removed from an existing VM (I5 names follow the bus rules in io/naming.ts).
//
// API (vmDecider commands):
//   AddVmDisk {vmId, disk} / RemoveVmDisk {vmId, index}   -> VmDevicesChanged (the lists after the change)
//   AddVmNic {vmId, nic}   / RemoveVmNic {vmId, index}
// Rules:
//   - a stopped VM takes any change (the lists' limits: 60 disks, 10 NICs, IDE 2 channels x 2 = 4 disks, a
//     xen bus disk only on a xen host);
//   - a running VM is hot-plugged when the bus and the guest allow it: IDE and SATA (AHCI) have no hot-plug in
//     the virtual hardware; scsi, virtio and xen disks and e1000 / virtio NICs do; the guest must be mainstream
//     in the guest OS table (the same rows that change CPU / memory online, F1) and, for a PV device, carry the
//     driver (Linux inbox, Windows with Tools); otherwise refused 409 `vm.hotPlug` saying to stop the VM;
//   - host-bound devices (a passthrough disk, an SR-IOV NIC) are chosen at creation: refused 422 `vm.hostDevice`;
//   - any other state (creating, starting, suspended, migrating, failed...) is refused 409 `vm.state`.
import { conflict, notFound, unprocessable, type DiskSpec, type InventoryEvent, type NicSpec } from '@virtsim/contracts';
import { guestOsSupport } from './guest-os.js';
import type { InventoryView, VmView } from './view.js';

export type VmDeviceCommand =
  | { type: 'AddVmDisk'; vmId: string; disk: DiskSpec }
  | { type: 'RemoveVmDisk'; vmId: string; index: number }
  | { type: 'AddVmNic'; vmId: string; nic: NicSpec }
  | { type: 'RemoveVmNic'; vmId: string; index: number };

const MAX_DISKS = 60;
const MAX_NICS = 10;
const IDE_POSITIONS = 4;
const NO_HOT_PLUG_BUS = new Set<string>(['ide', 'sata']);

/** Why a running VM cannot take (or give up) this device live, or null when it can. */
export function hotPlugRefusal(vm: VmView, kind: 'disk' | 'nic', model: string): string | null {
  if (kind === 'disk' && NO_HOT_PLUG_BUS.has(model)) return `a ${model} disk cannot be hot-plugged (the ${model === 'ide' ? 'IDE' : 'AHCI'} controller has no hot-plug)`;
  const support = guestOsSupport(vm.spec.guestOs);
  const os = `${vm.spec.guestOs.family}${vm.spec.guestOs.distro ? ` ${vm.spec.guestOs.distro}` : ''} ${vm.spec.guestOs.version}`;
  if (!support.mainstream) return `${os} is not mainstream in the guest OS table: no online device change`;
  const pv = model === 'virtio' || model === 'xen';
  if (pv && support.pvDrivers !== 'inbox' && !vm.spec.toolsInstalled) return `${os} has no PV driver for a ${model} ${kind} (install Tools)`;
  return null;
}

function changeable(vm: VmView, kind: 'disk' | 'nic', model: string, what: string): boolean {
  if (vm.state === 'stopped') return false;
  if (vm.state !== 'running') {
    throw conflict('vm.state', `VM ${vm.spec.name} is ${vm.state}: devices change on a running (hot-plug) or stopped VM`, { vmId: vm.id, state: vm.state });
  }
  const why = hotPlugRefusal(vm, kind, model);
  if (why) throw conflict('vm.hotPlug', `VM ${vm.spec.name} is running and cannot ${what} live: ${why}; stop the VM first`, { vmId: vm.id, kind, model });
  return true;
}

function checkDisks(view: InventoryView, vm: VmView, disks: DiskSpec[]): void {
  if (disks.length > MAX_DISKS) throw unprocessable('vm.devices', `VM ${vm.spec.name} would have ${disks.length} disks, at most ${MAX_DISKS}`, { vmId: vm.id });
  const ide = disks.filter((d) => d.bus === 'ide').length;
  if (ide > IDE_POSITIONS) throw unprocessable('vm.devices', `VM ${vm.spec.name} would have ${ide} IDE disks: IDE has 2 channels x master/slave = ${IDE_POSITIONS}`, { vmId: vm.id });
  const product = vm.hostId ? view.hosts[vm.hostId]?.spec.hypervisor.product ?? 'kvm' : 'kvm';
  if (product !== 'xen' && disks.some((d) => d.bus === 'xen')) {
    throw unprocessable('vm.devices', `VM ${vm.spec.name}: a xen bus disk needs a xen host, its host runs ${product}`, { vmId: vm.id, hostId: vm.hostId });
  }
}

function changed(vm: VmView, disks: DiskSpec[], nics: NicSpec[], change: Omit<Extract<InventoryEvent, { type: 'VmDevicesChanged' }>['data']['change'], never>): InventoryEvent[] {
  return [{ type: 'VmDevicesChanged', data: { vmId: vm.id, clusterId: vm.clusterId, disks, nics, change } }];
}

export function changeVmDevices(view: InventoryView, vm: VmView, c: VmDeviceCommand): InventoryEvent[] {
  const { disks, nics } = vm.spec;
  switch (c.type) {
    case 'AddVmDisk': {
      if (c.disk.bus === 'passthrough') throw unprocessable('vm.hostDevice', `VM ${vm.spec.name}: a passthrough disk is a host device chosen at creation (placement picks a host that has it)`, { vmId: vm.id });
      const next = [...disks, c.disk];
      checkDisks(view, vm, next);
      const hotPlug = changeable(vm, 'disk', c.disk.bus, `add a ${c.disk.bus} disk`);
      return changed(vm, next, nics, { op: 'add', kind: 'disk', index: disks.length, hotPlug });
    }
    case 'RemoveVmDisk': {
      const disk = disks[c.index];
      if (!disk) throw notFound('disk', `${vm.id}/disks/${c.index}`);
      if (disk.bus === 'passthrough') throw unprocessable('vm.hostDevice', `VM ${vm.spec.name}: disk ${c.index} is a passthrough host device, kept for the VM's life`, { vmId: vm.id });
      const hotPlug = changeable(vm, 'disk', disk.bus, `remove its ${disk.bus} disk ${c.index}`);
      return changed(vm, disks.filter((_, i) => i !== c.index), nics, { op: 'remove', kind: 'disk', index: c.index, hotPlug });
    }
    case 'AddVmNic': {
      if (c.nic.model === 'sriov') throw unprocessable('vm.hostDevice', `VM ${vm.spec.name}: an SR-IOV NIC is a host device chosen at creation (placement picks a host that has it)`, { vmId: vm.id });
      if (nics.length + 1 > MAX_NICS) throw unprocessable('vm.devices', `VM ${vm.spec.name} would have ${nics.length + 1} NICs, at most ${MAX_NICS}`, { vmId: vm.id });
      const hotPlug = changeable(vm, 'nic', c.nic.model, `add a ${c.nic.model} NIC`);
      return changed(vm, disks, [...nics, c.nic], { op: 'add', kind: 'nic', index: nics.length, hotPlug });
    }
    case 'RemoveVmNic': {
      const nic = nics[c.index];
      if (!nic) throw notFound('nic', `${vm.id}/nics/${c.index}`);
      if (nic.model === 'sriov') throw unprocessable('vm.hostDevice', `VM ${vm.spec.name}: NIC ${c.index} is an SR-IOV host function, kept for the VM's life`, { vmId: vm.id });
      const hotPlug = changeable(vm, 'nic', nic.model, `remove its ${nic.model} NIC ${c.index}`);
      return changed(vm, disks, nics.filter((_, i) => i !== c.index), { op: 'remove', kind: 'nic', index: c.index, hotPlug });
    }
  }
}

import type { InventoryEvent } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { clusterWithHosts, createdVm, vmSpec } from './inventory.fixtures.js';
import { vmDecider } from './vm.js';

const vms = spec(vmDecider);
const UBUNTU = { family: 'linux', distro: 'ubuntu', version: '22.04' };
const WIN = { family: 'windows', version: '2019' };
const RHEL6 = { family: 'linux', distro: 'rhel', version: '6' };
const vm = (guestOs: object, running: boolean, over: Record<string, unknown> = {}) =>
  vms.given([...clusterWithHosts(1), ...createdVm('vm1', vmSpec('app', 'c1', { guestOs, disks: [{ sizeGiB: 20, bus: 'virtio' }], nics: [{ model: 'virtio' }], ...over }), 'h1', running)]);
const devicesChanged = (disks: unknown[], nics: unknown[], change: object): InventoryEvent =>
  ({ type: 'VmDevicesChanged', data: { vmId: 'vm1', clusterId: 'c1', disks, nics, change } } as InventoryEvent);

describe('devices on an existing VM (I5, F1)', () => {
  it('Ubuntu 22.04 running: a virtio disk and a NIC are hot-plugged; the spec lists them', () => {
    const view = vm(UBUNTU, true).when({ type: 'AddVmDisk', vmId: 'vm1', disk: { sizeGiB: 100, bus: 'virtio' } })
      .then([devicesChanged([{ sizeGiB: 20, bus: 'virtio' }, { sizeGiB: 100, bus: 'virtio' }], [{ model: 'virtio' }], { op: 'add', kind: 'disk', index: 1, hotPlug: true })]);
    expect(view.vms.vm1.spec.disks).toHaveLength(2);
    vms.givenState(view).when({ type: 'AddVmNic', vmId: 'vm1', nic: { model: 'e1000' } })
      .then([devicesChanged(view.vms.vm1.spec.disks, [{ model: 'virtio' }, { model: 'e1000' }], { op: 'add', kind: 'nic', index: 1, hotPlug: true })]);
  });

  it('IDE and SATA have no hot-plug: refused on the running VM, accepted once it is stopped', () => {
    vm(UBUNTU, true).when({ type: 'AddVmDisk', vmId: 'vm1', disk: { sizeGiB: 10, bus: 'ide' } }).thenThrows('conflict', { rule: 'vm.hotPlug' });
    vm(UBUNTU, true).when({ type: 'AddVmDisk', vmId: 'vm1', disk: { sizeGiB: 10, bus: 'sata' } }).thenThrows('conflict', { rule: 'vm.hotPlug' });
    vm(UBUNTU, false).when({ type: 'AddVmDisk', vmId: 'vm1', disk: { sizeGiB: 10, bus: 'ide' } })
      .then([devicesChanged([{ sizeGiB: 20, bus: 'virtio' }, { sizeGiB: 10, bus: 'ide' }], [{ model: 'virtio' }], { op: 'add', kind: 'disk', index: 1, hotPlug: false })]);
  });

  it('the guest OS table decides: RHEL 6 (not mainstream) no hot-plug; Windows 2019 a virtio NIC only with Tools, e1000 always', () => {
    vm(RHEL6, true).when({ type: 'AddVmNic', vmId: 'vm1', nic: { model: 'e1000' } }).thenThrows('conflict', { rule: 'vm.hotPlug' });
    vm(WIN, true, { disks: [] }).when({ type: 'AddVmNic', vmId: 'vm1', nic: { model: 'virtio' } }).thenThrows('conflict', { rule: 'vm.hotPlug' });
    vm(WIN, true, { disks: [], toolsInstalled: true }).when({ type: 'AddVmNic', vmId: 'vm1', nic: { model: 'virtio' } })
      .then([devicesChanged([], [{ model: 'virtio' }, { model: 'virtio' }], { op: 'add', kind: 'nic', index: 1, hotPlug: true })]);
    vm(WIN, true, { disks: [] }).when({ type: 'AddVmNic', vmId: 'vm1', nic: { model: 'e1000' } })
      .then([devicesChanged([], [{ model: 'virtio' }, { model: 'e1000' }], { op: 'add', kind: 'nic', index: 1, hotPlug: true })]);
  });

  it('removal: unplugged live where allowed; an unknown index is not found; a suspended VM is refused vm.state', () => {
    vm(UBUNTU, true).when({ type: 'RemoveVmDisk', vmId: 'vm1', index: 0 })
      .then([devicesChanged([], [{ model: 'virtio' }], { op: 'remove', kind: 'disk', index: 0, hotPlug: true })]);
    vm(UBUNTU, true).when({ type: 'RemoveVmNic', vmId: 'vm1', index: 3 }).thenThrows('not-found');
    const { state } = vm(UBUNTU, true).when({ type: 'PowerVm', vmId: 'vm1', action: 'suspend' }).result();
    vms.givenState(state).when({ type: 'RemoveVmNic', vmId: 'vm1', index: 0 }).thenThrows('conflict', { rule: 'vm.state' });
  });

  it('limits and host devices: a 5th IDE disk, a xen disk on a kvm host, a passthrough disk or SR-IOV NIC added later are refused', () => {
    const ide = Array.from({ length: 4 }, () => ({ sizeGiB: 1, bus: 'ide' }));
    vm(UBUNTU, false, { disks: ide }).when({ type: 'AddVmDisk', vmId: 'vm1', disk: { sizeGiB: 1, bus: 'ide' } }).thenThrows('unprocessable', { rule: 'vm.devices' });
    vm(UBUNTU, false).when({ type: 'AddVmDisk', vmId: 'vm1', disk: { sizeGiB: 1, bus: 'xen' } }).thenThrows('unprocessable', { rule: 'vm.devices' });
    vm(UBUNTU, false).when({ type: 'AddVmDisk', vmId: 'vm1', disk: { sizeGiB: 1, bus: 'passthrough', device: 'nvme' } }).thenThrows('unprocessable', { rule: 'vm.hostDevice' });
    vm(UBUNTU, false).when({ type: 'AddVmNic', vmId: 'vm1', nic: { model: 'sriov' } }).thenThrows('unprocessable', { rule: 'vm.hostDevice' });
  });
});

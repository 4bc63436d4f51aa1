import type { GuestOs, InventoryEvent } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { clusterWithHosts, createdVm, vmSpec } from './inventory.fixtures.js';
import { vmDecider } from './vm.js';
import type { VmCommand } from './vm.js';
import type { InventoryView } from './view.js';

const WIN2019: GuestOs = { family: 'windows', version: '2019' };
const RHEL8: GuestOs = { family: 'linux', distro: 'rhel', version: '8' };
const vms = spec(vmDecider);
const vmView = (guestOs: GuestOs, running: boolean, over = {}) =>
  vms.given([...clusterWithHosts(1), ...createdVm('vm1', vmSpec('app-1', 'c1', { guestOs, vcpus: 4, memoryMiB: 4096, toolsInstalled: true, ...over }), 'h1', running)]);
const apply = (view: InventoryView, command: VmCommand): InventoryEvent[] => vms.givenState(view).when(command).result().events;
const patch = (change: { vcpus?: number; memoryMiB?: number }): VmCommand => ({ type: 'ReconfigureVm', vmId: 'vm1', ...change });
const reconfigured = (vcpus: number, memoryMiB: number, pendingVcpus: number | null): InventoryEvent =>
  ({ type: 'VmReconfigured', data: { vmId: 'vm1', clusterId: 'c1', vcpus, memoryMiB, pendingVcpus } });

describe('online CPU / memory change (F4)', () => {
  it('Windows 2019 running: vcpus 4 -> 8 is pending until restart, then applied while the VM is off', () => {
    const view = vmView(WIN2019, true).when(patch({ vcpus: 8 })).then([reconfigured(4, 4096, 8)]);
    expect(view.vms.vm1).toMatchObject({ spec: { vcpus: 4 }, pendingVcpus: 8 });
    const restart = apply(view, { type: 'PowerVm', vmId: 'vm1', action: 'restart' });
    expect(restart.map((e) => (e.type === 'VmStateChanged' ? e.data.to : e.type))).toEqual(['stopping', 'stopped', 'VmReconfigured', 'starting', 'running']);
    expect(restart[2]).toEqual(reconfigured(8, 4096, null));
    expect(view.vms.vm1).toMatchObject({ state: 'running', spec: { vcpus: 8 }, pendingVcpus: null });
  });

  it('Windows 2019 running: memory 4096 -> 8192 MiB online at once', () => {
    vmView(WIN2019, true).when(patch({ memoryMiB: 8192 })).then([reconfigured(4, 8192, null)]);
  });

  it('Windows 2019 running: asking for 4 vCPUs again cancels the pending 8', () => {
    const { state: view } = vmView(WIN2019, true).when(patch({ vcpus: 8 })).result();
    vms.givenState(view).when(patch({ vcpus: 4 })).then([reconfigured(4, 4096, null)]);
  });

  it('RHEL 8 running: vcpus 4 -> 8 and memory 4096 -> 8192 MiB both online', () => {
    vmView(RHEL8, true).when(patch({ vcpus: 8, memoryMiB: 8192 })).then([reconfigured(8, 8192, null)]);
  });

  it('RHEL 8 running: vcpus 4 -> 2 waits for a restart (no vCPU hot-remove)', () => {
    vmView(RHEL8, true).when(patch({ vcpus: 2 })).then([reconfigured(4, 4096, 2)]);
  });

  it('running: memory 4096 -> 2048 MiB refused (vm.memoryShrinkOnline); stopped: accepted with vcpus 4 -> 2', () => {
    vmView(RHEL8, true).when(patch({ memoryMiB: 2048 })).thenThrows('conflict', { rule: 'vm.memoryShrinkOnline', from: 4096, to: 2048 });
    vmView(RHEL8, false).when(patch({ memoryMiB: 2048, vcpus: 2 })).then([reconfigured(2, 2048, null)]);
  });

  it('an unknown guest (Ubuntu 25.04) running takes no online change (vm.onlineChange); stopped it does', () => {
    const ubuntu: GuestOs = { family: 'linux', distro: 'ubuntu', version: '25.04' };
    vmView(ubuntu, true).when(patch({ memoryMiB: 8192 })).thenThrows('conflict', { rule: 'vm.onlineChange' });
    vmView(ubuntu, false).when(patch({ memoryMiB: 8192 })).then([reconfigured(4, 8192, null)]);
  });

  it('Windows 2019 running without Tools: no PV drivers, no online change (vm.pvDriversMissing)', () => {
    vmView(WIN2019, true, { toolsInstalled: false }).when(patch({ memoryMiB: 8192 })).thenThrows('conflict', { rule: 'vm.pvDriversMissing' });
  });

  it('vcpus 4 -> 33 on a 32-thread host is unprocessable (vm.vcpusExceedHost)', () => {
    vmView(RHEL8, false).when(patch({ vcpus: 33 })).thenThrows('unprocessable', { rule: 'vm.vcpusExceedHost', threads: 32 });
  });

  it('a suspended VM refuses changes (vm.state); an unchanged value yields no event', () => {
    const { state: view } = vmView(RHEL8, true);
    vms.givenState(view).when(patch({ vcpus: 4 })).thenNothingHappened();
    apply(view, { type: 'PowerVm', vmId: 'vm1', action: 'suspend' });
    vms.givenState(view).when(patch({ vcpus: 8 })).thenThrows('conflict', { rule: 'vm.state' });
  });
});

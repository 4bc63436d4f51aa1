import { vmCreationRequestedData } from '@virtsim/contracts';
import type { InventoryEvent, VmState } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { clusterWithHosts, createdVm, hostSpec, vmSpec } from './inventory.fixtures.js';
import { vmDecider } from './vm.js';
import type { VmCommand } from './vm.js';
import { evolveInventory } from './view.js';
import type { InventoryView } from './view.js';

const vms = spec(vmDecider);
const request = (vmId: string, name: string, over = {}): VmCommand => ({ type: 'RequestVmCreation', vmId, spec: vmSpec(name, 'c1', over) });
const hops = (events: InventoryEvent[]) =>
  events.filter((e) => e.type === 'VmStateChanged').map((e) => `${(e.data as { from: VmState }).from}->${(e.data as { to: VmState }).to}`);
/** the events `command` decides on `view`, applied to it (the view is evolved in place) */
const apply = (view: InventoryView, command: VmCommand) => vms.givenState(view).when(command).result().events;

describe('vm decider: creation request (P1, F2)', () => {
  it('VM with 33 vCPUs refused on a cluster whose largest host has 2x8x2 = 32 threads; 32 accepted', () => {
    const error = vms.given(clusterWithHosts(2)).when(request('vm1', 'big', { vcpus: 33 })).thenThrows('unprocessable', { rule: 'vm.vcpusExceedHost' });
    expect(error.message).toContain('32 threads');
    vms.given(clusterWithHosts(2)).when(request('vm1', 'big', { vcpus: 32 }))
      .then([{ type: 'VmCreationRequested', data: vmCreationRequestedData('vm1', vmSpec('big', 'c1', { vcpus: 32 })) }]);
  });

  it('adding a 4x8x2 = 64-thread host lets the 33-vCPU VM in', () => {
    const withBigHost = vms.given([...clusterWithHosts(1), { type: 'HostAdded', data: { hostId: 'big', clusterId: 'c1', spec: hostSpec('big', {}, { sockets: 4 }) } }]);
    expect(withBigHost.state.clusters.c1!.maxHostThreads).toBe(64);
    expect(withBigHost.when(request('vm1', 'big-vm', { vcpus: 33 })).result().events).toHaveLength(1);
  });

  it('8,000 VMs ok (creations in flight count), the 8,001st refused (cluster.maxVms)', () => {
    const { state: view } = vms.given(clusterWithHosts(1));
    for (let i = 0; i < 7999; i++) evolveInventory(view, { type: 'VmCreationRequested', data: { vmId: `vm${i}`, spec: vmSpec(`vm-${i}`, 'c1') } });
    expect(apply(view, request('last', 'vm-last'))).toHaveLength(1);
    expect(view.clusters.c1).toMatchObject({ vmCount: 8000, vmsByState: { creating: 8000 } });
    const error = vms.givenState(view).when(request('one-more', 'one-more')).thenThrows('conflict', { rule: 'cluster.maxVms' });
    expect(error.message).toContain('8000');
  });

  it('a duplicate VM name in the cluster is refused naming it; a cluster without hosts is unprocessable', () => {
    const withWeb1 = vms.given([...clusterWithHosts(1), ...createdVm('vm1', vmSpec('web-1', 'c1'), 'h1')]);
    const error = withWeb1.when(request('vm2', 'web-1')).thenThrows('conflict', { rule: 'vm.name' });
    expect(error.message).toContain("'web-1'");
    withWeb1.when(request('vm1', 'other')).thenThrows('conflict', { rule: 'vm.exists' });
    vms.given(clusterWithHosts(0)).when(request('vm3', 'x')).thenThrows('unprocessable', { rule: 'cluster.noHosts' });
  });

  it('huge pages for a guest whose kernel lacks them (RHEL 3, Linux 2.4) are refused; RHEL 9 and Windows take them (M3)', () => {
    const rhel = (version: string) => ({ hugePages: true, guestOs: { family: 'linux', distro: 'rhel', version } });
    const error = vms.given(clusterWithHosts(1)).when(request('old', 'old', rhel('3'))).thenThrows('unprocessable', { rule: 'vm.hugePagesGuest' });
    expect(error.message).toContain('Linux before 2.6');
    expect(vms.given(clusterWithHosts(1)).when(request('new', 'new', rhel('9'))).result().events).toHaveLength(1);
    expect(vms.given(clusterWithHosts(1)).when(request('win', 'win', { hugePages: true, guestOs: { family: 'windows', version: '2019' } })).result().events).toHaveLength(1);
    expect(vms.given(clusterWithHosts(1)).when(request('old4k', 'old4k', { ...rhel('3'), hugePages: false })).result().events).toHaveLength(1);
  });
});

describe('vm decider: power state machine', () => {
  const stopped = () => vms.given([...clusterWithHosts(1), ...createdVm('vm1', vmSpec('web-1', 'c1'), 'h1')]);
  const running = () => vms.given([...clusterWithHosts(1), ...createdVm('vm1', vmSpec('web-1', 'c1'), 'h1', true)]);

  it('start: stopped -> starting -> running as two events with the reason, applied in one go', () => {
    const view = stopped().when({ type: 'PowerVm', vmId: 'vm1', action: 'start' }).then([
      { type: 'VmStateChanged', data: { vmId: 'vm1', clusterId: 'c1', hostId: 'h1', from: 'stopped', to: 'starting', reason: 'start' } },
      { type: 'VmStateChanged', data: { vmId: 'vm1', clusterId: 'c1', hostId: 'h1', from: 'starting', to: 'running', reason: 'start' } },
    ]);
    expect(view.vms.vm1!.state).toBe('running');
    expect(view.clusters.c1!.vmsByState).toEqual({ running: 1 });
  });

  it('start of a running VM is a conflict naming from running to starting (vm.state)', () => {
    const error = running().when({ type: 'PowerVm', vmId: 'vm1', action: 'start' }).thenThrows('conflict', { rule: 'vm.state', from: 'running', to: 'starting' });
    expect(error.message).toContain('web-1');
  });

  it('restart walks 4 hops; stop 2; suspend then resume 1 each; a suspended VM can be stopped', () => {
    const { state: view } = running();
    expect(hops(apply(view, { type: 'PowerVm', vmId: 'vm1', action: 'restart' }))).toEqual(['running->stopping', 'stopping->stopped', 'stopped->starting', 'starting->running']);
    expect(hops(apply(view, { type: 'PowerVm', vmId: 'vm1', action: 'suspend' }))).toEqual(['running->suspended']);
    vms.givenState(view).when({ type: 'PowerVm', vmId: 'vm1', action: 'suspend' }).thenThrows('conflict', { from: 'suspended', to: 'suspended' });
    expect(hops(apply(view, { type: 'PowerVm', vmId: 'vm1', action: 'resume' }))).toEqual(['suspended->running']);
    apply(view, { type: 'PowerVm', vmId: 'vm1', action: 'suspend' });
    expect(hops(apply(view, { type: 'PowerVm', vmId: 'vm1', action: 'stop' }))).toEqual(['suspended->stopping', 'stopping->stopped']);
  });

  it('a migration returns to the state it began in: running -> migrating -> running, stopped -> migrating -> stopped', () => {
    const { state: view } = running();
    expect(hops(apply(view, { type: 'BeginVmMigration', vmId: 'vm1' }))).toEqual(['running->migrating']);
    vms.givenState(view).when({ type: 'PowerVm', vmId: 'vm1', action: 'stop' }).thenThrows('conflict', { from: 'migrating', to: 'stopping' });
    expect(hops(apply(view, { type: 'EndVmMigration', vmId: 'vm1' }))).toEqual(['migrating->running']);
    const { state: cold } = stopped();
    apply(cold, { type: 'BeginVmMigration', vmId: 'vm1' });
    expect(hops(apply(cold, { type: 'EndVmMigration', vmId: 'vm1' }))).toEqual(['migrating->stopped']);
  });

  it('fail then recover with power on: running -> failed -> starting -> running', () => {
    const { state: view } = running();
    expect(apply(view, { type: 'FailVm', vmId: 'vm1', reason: 'guest-os-crash' })[0]!.data).toMatchObject({ to: 'failed', reason: 'guest-os-crash' });
    expect(view.vms.vm1!.cpuFeatures).toBeNull();
    expect(hops(apply(view, { type: 'RecoverVm', vmId: 'vm1', powerOn: true }))).toEqual(['failed->starting', 'starting->running']);
  });

  it('delete only when stopped or failed: running refused (vm.state to deleted), stopped frees the name', () => {
    const { state: view } = running();
    vms.givenState(view).when({ type: 'DeleteVm', vmId: 'vm1' }).thenThrows('conflict', { rule: 'vm.state', from: 'running', to: 'deleted' });
    apply(view, { type: 'PowerVm', vmId: 'vm1', action: 'stop' });
    vms.givenState(view).when({ type: 'DeleteVm', vmId: 'vm1' }).then([{ type: 'VmDeleted', data: { vmId: 'vm1', clusterId: 'c1', hostId: 'h1' } }]);
    expect(view.vms.vm1).toBeUndefined();
    expect(view.hosts.h1!.vmCount).toBe(0);
    expect(view.clusters.c1).toMatchObject({ vmCount: 0, vmNames: {}, vmsByState: {} });
    expect(vms.givenState(view).when(request('vm2', 'web-1')).result().events).toHaveLength(1);
  });

  it('start is refused on a host in maintenance (host.maintenance) and on a host in standby (host.down)', () => {
    const { state: view } = stopped();
    evolveInventory(view, { type: 'HostMaintenanceEntered', data: { hostId: 'h1', clusterId: 'c1' } });
    vms.givenState(view).when({ type: 'PowerVm', vmId: 'vm1', action: 'start' }).thenThrows('conflict', { rule: 'host.maintenance' });
    evolveInventory(view, { type: 'HostPoweredOff', data: { hostId: 'h1', clusterId: 'c1', reason: 'dpm', standby: true } });
    vms.givenState(view).when({ type: 'PowerVm', vmId: 'vm1', action: 'start' }).thenThrows('conflict', { rule: 'host.down' });
  });

  it('an unknown VM is not-found', () => {
    stopped().when({ type: 'PowerVm', vmId: 'ghost', action: 'start' }).thenThrows('not-found');
  });
});

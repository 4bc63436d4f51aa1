import type { InventoryEvent } from '@virtsim/contracts';
import { hostDecider } from './host.js';
import { IMC_LEVELS } from './imc.js';
import { spec } from '@virtsim/testing/decider';
import { clusterWithHosts, createdVm, hostSpec, vmSpec } from './inventory.fixtures.js';

const hosts = spec(hostDecider);
const add = (hostId: string, name: string, over = {}, cpu = {}) =>
  ({ type: 'AddHost' as const, hostId, clusterId: 'c1', spec: hostSpec(name, over, cpu) });

describe('host decider: adding hosts', () => {
  it('adds a host to its cluster: HostAdded, powered on, 2 x 8 x 2 = 32 threads', () => {
    const after = hosts.given(clusterWithHosts(0)).when(add('h1', 'host-1'))
      .then([{ type: 'HostAdded', data: { hostId: 'h1', clusterId: 'c1', spec: hostSpec('host-1') } }]);
    expect(after.hosts.h1).toMatchObject({ power: 'on', maintenance: false, threads: 32 });
    expect(after.clusters.c1!.maxHostThreads).toBe(32);
  });

  it('128 hosts ok, the 129th refused (cluster.maxHosts)', () => {
    const { events, state: view } = hosts.given(clusterWithHosts(127)).when(add('h128', 'host-128')).result();
    expect(events).toHaveLength(1);
    expect(view.clusters.c1!.hostCount).toBe(128);
    const error = hosts.givenState(view).when(add('h129', 'host-129')).thenThrows('conflict', { rule: 'cluster.maxHosts' });
    expect(error.message).toContain('128');
  });

  it('a second host named host-1 in the cluster is refused, naming host-1', () => {
    const error = hosts.given(clusterWithHosts(1)).when(add('h9', 'host-1')).thenThrows('conflict', { rule: 'host.name' });
    expect(error.message).toContain("'host-1'");
  });

  it('an unknown cluster is not-found', () => {
    hosts.given([]).when({ ...add('h1', 'host-1'), clusterId: 'nope' }).thenThrows('not-found');
  });

  it('hardware-assisted mode on an Intel CPU without vmx is refused (host.hardwareAssist)', () => {
    const error = hosts.given(clusterWithHosts(0)).when(add('h1', 'old', {}, { features: ['sse2', 'lm'] })).thenThrows('conflict', { rule: 'host.hardwareAssist' });
    expect(error.message).toContain('vmx');
  });

  it('hardware-assisted mode on an AMD CPU needs svm, not vmx', () => {
    const view = hosts.given(clusterWithHosts(0));
    const error = view.when(add('h1', 'amd-1', {}, { vendor: 'amd', features: ['vmx'] })).thenThrows('conflict');
    expect(error.message).toContain('svm');
    expect(view.when(add('h1', 'amd-1', {}, { vendor: 'amd', features: ['svm'] })).result().events).toHaveLength(1);
  });

  it('full virtualization (binary translation) needs no vmx', () => {
    expect(hosts.given(clusterWithHosts(0)).when(add('h1', 'bt', { hypervisor: { type: 'type1', mode: 'full' } }, { features: ['sse2'] })).result().events).toHaveLength(1);
  });

  it('IMC baseline haswell: a Nehalem host lacking avx2, bmi1... is refused naming them', () => {
    const view = hosts.given(clusterWithHosts(0, { imcBaseline: { level: 'haswell' } }));
    const error = view.when(add('h1', 'nehalem-1', {}, { features: [...IMC_LEVELS.nehalem!.features, 'vmx'] })).thenThrows('conflict', { rule: 'imc.baseline' });
    expect(error.details.missing).toEqual(expect.arrayContaining(['avx2', 'bmi1', 'aes', 'avx']));
    expect(error.message).toContain('avx2');
    expect(view.when(add('h1', 'haswell-1', {}, { features: [...IMC_LEVELS.haswell!.features, 'vmx'] })).result().events).toHaveLength(1);
  });

  it('IMC baseline haswell (Intel): an AMD EPYC host is refused even though it has avx2', () => {
    const epyc = { vendor: 'amd', features: [...IMC_LEVELS.epyc!.features, ...IMC_LEVELS.haswell!.features, 'svm'] };
    hosts.given(clusterWithHosts(0, { imcBaseline: { level: 'haswell' } })).when(add('h1', 'epyc-1', {}, epyc)).thenThrows('conflict', { rule: 'imc.baseline' });
  });
});

describe('host decider: power and maintenance', () => {
  const base = clusterWithHosts(2);

  it('power off to standby, then maintenance is refused for the host that is down (host.down)', () => {
    const view = hosts.given(base).when({ type: 'PowerOffHost', hostId: 'h1', standby: true, reason: 'dpm' })
      .then([{ type: 'HostPoweredOff', data: { hostId: 'h1', clusterId: 'c1', reason: 'dpm', standby: true } }]);
    expect(view.hosts.h1!.power).toBe('standby');
    hosts.givenState(view).when({ type: 'EnterHostMaintenance', hostId: 'h1' }).thenThrows('conflict', { rule: 'host.down' });
  });

  it('maintenance survives a power cycle: entered, off, on -> still in maintenance', () => {
    const { state: view } = hosts.given(base);
    const steps = [
      { type: 'EnterHostMaintenance', hostId: 'h1' },
      { type: 'PowerOffHost', hostId: 'h1' },
      { type: 'PowerOnHost', hostId: 'h1' },
    ] as const;
    for (const command of steps) hosts.givenState(view).when(command).result();
    expect(view.hosts.h1).toMatchObject({ power: 'on', maintenance: true });
    hosts.givenState(view).when({ type: 'EnterHostMaintenance', hostId: 'h1' }).thenNothingHappened();
    hosts.givenState(view).when({ type: 'ExitHostMaintenance', hostId: 'h1' }).then([{ type: 'HostMaintenanceExited', data: { hostId: 'h1', clusterId: 'c1' } }]);
  });

  it('powering on a host that is on is a conflict (host.power)', () => {
    hosts.given(base).when({ type: 'PowerOnHost', hostId: 'h1' }).thenThrows('conflict', { rule: 'host.power' });
  });

  it('a planned power-off is refused while 1 VM runs on the host, accepted once it is stopped', () => {
    const web1 = vmSpec('web-1', 'c1');
    const running: InventoryEvent[] = [...base, ...createdVm('vm1', web1, 'h1', true)];
    const error = hosts.given(running).when({ type: 'PowerOffHost', hostId: 'h1' }).thenThrows('conflict', { rule: 'host.hasActiveVms' });
    expect(error.details.vmIds).toEqual(['vm1']);
    expect(hosts.given([...base, ...createdVm('vm1', web1, 'h1')]).when({ type: 'PowerOffHost', hostId: 'h1' }).result().events).toHaveLength(1);
  });
});

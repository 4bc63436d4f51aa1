import type { InventoryEvent } from '@virtsim/contracts';
import { hostDecider } from './host.js';
import { IMC_LEVELS } from './imc.js';
import { clusterWithHosts, createdVm, given, hostSpec, refusal, vmSpec } from './inventory.fixtures.js';
import { evolveInventory } from './view.js';

const decide = hostDecider.decide;
const add = (hostId: string, name: string, over = {}, cpu = {}) =>
  ({ type: 'AddHost' as const, hostId, clusterId: 'c1', spec: hostSpec(name, over, cpu) });

describe('host decider: adding hosts', () => {
  it('adds a host to its cluster: HostAdded, powered on, 2 x 8 x 2 = 32 threads', () => {
    const view = given(clusterWithHosts(0));
    const events = decide(add('h1', 'host-1'), view);
    expect(events).toEqual([{ type: 'HostAdded', data: { hostId: 'h1', clusterId: 'c1', spec: hostSpec('host-1') } }]);
    const after = events.reduce(evolveInventory, view);
    expect(after.hosts.h1).toMatchObject({ power: 'on', maintenance: false, threads: 32 });
    expect(after.clusters.c1!.maxHostThreads).toBe(32);
  });

  it('128 hosts ok, the 129th refused (cluster.maxHosts)', () => {
    const view = given(clusterWithHosts(127));
    const events = decide(add('h128', 'host-128'), view);
    expect(events).toHaveLength(1);
    events.forEach((e) => evolveInventory(view, e));
    expect(view.clusters.c1!.hostCount).toBe(128);
    const error = refusal(() => decide(add('h129', 'host-129'), view));
    expect(error.code).toBe('conflict');
    expect(error.details.rule).toBe('cluster.maxHosts');
    expect(error.message).toContain('128');
  });

  it('a second host named host-1 in the cluster is refused, naming host-1', () => {
    const error = refusal(() => decide(add('h9', 'host-1'), given(clusterWithHosts(1))));
    expect(error.details.rule).toBe('host.name');
    expect(error.message).toContain("'host-1'");
  });

  it('an unknown cluster is not-found', () => {
    const error = refusal(() => decide({ ...add('h1', 'host-1'), clusterId: 'nope' }, given([])));
    expect(error.code).toBe('not-found');
  });

  it('hardware-assisted mode on an Intel CPU without vmx is refused (host.hardwareAssist)', () => {
    const view = given(clusterWithHosts(0));
    const error = refusal(() => decide(add('h1', 'old', {}, { features: ['sse2', 'lm'] }), view));
    expect(error.details.rule).toBe('host.hardwareAssist');
    expect(error.message).toContain('vmx');
  });

  it('hardware-assisted mode on an AMD CPU needs svm, not vmx', () => {
    const view = given(clusterWithHosts(0));
    const error = refusal(() => decide(add('h1', 'amd-1', {}, { vendor: 'amd', features: ['vmx'] }), view));
    expect(error.message).toContain('svm');
    expect(decide(add('h1', 'amd-1', {}, { vendor: 'amd', features: ['svm'] }), view)).toHaveLength(1);
  });

  it('full virtualization (binary translation) needs no vmx', () => {
    const view = given(clusterWithHosts(0));
    expect(decide(add('h1', 'bt', { hypervisor: { type: 'type1', mode: 'full' } }, { features: ['sse2'] }), view)).toHaveLength(1);
  });

  it('IMC baseline haswell: a Nehalem host lacking avx2, bmi1... is refused naming them', () => {
    const view = given(clusterWithHosts(0, { imcBaseline: { level: 'haswell' } }));
    const error = refusal(() => decide(add('h1', 'nehalem-1', {}, { features: [...IMC_LEVELS.nehalem!.features, 'vmx'] }), view));
    expect(error.details.rule).toBe('imc.baseline');
    expect(error.details.missing).toEqual(expect.arrayContaining(['avx2', 'bmi1', 'aes', 'avx']));
    expect(error.message).toContain('avx2');
    expect(decide(add('h1', 'haswell-1', {}, { features: [...IMC_LEVELS.haswell!.features, 'vmx'] }), view)).toHaveLength(1);
  });

  it('IMC baseline haswell (Intel): an AMD EPYC host is refused even though it has avx2', () => {
    const view = given(clusterWithHosts(0, { imcBaseline: { level: 'haswell' } }));
    const epyc = { vendor: 'amd', features: [...IMC_LEVELS.epyc!.features, ...IMC_LEVELS.haswell!.features, 'svm'] };
    expect(refusal(() => decide(add('h1', 'epyc-1', {}, epyc), view)).details.rule).toBe('imc.baseline');
  });
});

describe('host decider: power and maintenance', () => {
  const base = clusterWithHosts(2);

  it('power off to standby, then maintenance is refused for the host that is down (host.down)', () => {
    const view = given(base);
    const off = decide({ type: 'PowerOffHost', hostId: 'h1', standby: true, reason: 'dpm' }, view);
    expect(off).toEqual([{ type: 'HostPoweredOff', data: { hostId: 'h1', clusterId: 'c1', reason: 'dpm', standby: true } }]);
    off.forEach((e) => evolveInventory(view, e));
    expect(view.hosts.h1!.power).toBe('standby');
    expect(refusal(() => decide({ type: 'EnterHostMaintenance', hostId: 'h1' }, view)).details.rule).toBe('host.down');
  });

  it('maintenance survives a power cycle: entered, off, on -> still in maintenance', () => {
    const view = given(base);
    const steps = [
      { type: 'EnterHostMaintenance', hostId: 'h1' },
      { type: 'PowerOffHost', hostId: 'h1' },
      { type: 'PowerOnHost', hostId: 'h1' },
    ] as const;
    for (const command of steps) decide(command, view).forEach((e) => evolveInventory(view, e));
    expect(view.hosts.h1).toMatchObject({ power: 'on', maintenance: true });
    expect(decide({ type: 'EnterHostMaintenance', hostId: 'h1' }, view)).toEqual([]);
    expect(decide({ type: 'ExitHostMaintenance', hostId: 'h1' }, view)).toEqual([{ type: 'HostMaintenanceExited', data: { hostId: 'h1', clusterId: 'c1' } }]);
  });

  it('powering on a host that is on is a conflict (host.power)', () => {
    expect(refusal(() => decide({ type: 'PowerOnHost', hostId: 'h1' }, given(base))).details.rule).toBe('host.power');
  });

  it('a planned power-off is refused while 1 VM runs on the host, accepted once it is stopped', () => {
    const spec = vmSpec('web-1', 'c1');
    const running: InventoryEvent[] = [...base, ...createdVm('vm1', spec, 'h1', true)];
    const error = refusal(() => decide({ type: 'PowerOffHost', hostId: 'h1' }, given(running)));
    expect(error.details.rule).toBe('host.hasActiveVms');
    expect(error.details.vmIds).toEqual(['vm1']);
    expect(decide({ type: 'PowerOffHost', hostId: 'h1' }, given([...base, ...createdVm('vm1', spec, 'h1')]))).toHaveLength(1);
  });
});

import { evolvePlacement, setHostAvailable } from './evolve.js';
import { clusterCreated, given, hostAdded, runningVm, vmRequested, vmSpec } from './fixtures.spec.js';
import { placeVm } from './place.js';

describe('placement state projection', () => {
  it('host 2x8x2 at 2,600 MHz -> 32 threads and 83,200 MHz; hosts kept in name order', () => {
    const state = given(clusterCreated(), hostAdded('zeta'), hostAdded('alpha'));
    expect(state.hosts.alpha).toMatchObject({ threads: 32, mhz: 83_200, power: 'on', maintenance: false, available: true });
    expect(state.clusters.c1!.hostIds).toEqual(['alpha', 'zeta']);
  });

  it('ClusterPolicyChanged ratio 4 -> 1: 32 vCPUs allocated leave no room for a 33rd', () => {
    const state = given(clusterCreated(), hostAdded('h1'), runningVm('a', 'h1', { vcpus: 32 }));
    expect(placeVm(state, { vmId: 'b', spec: vmSpec('b', { vcpus: 1 }) }).hostId).toBe('h1');
    evolvePlacement(state, { type: 'ClusterPolicyChanged', data: { clusterId: 'c1', patch: { cpuOvercommitRatio: 1 } } });
    expect(() => placeVm(state, { vmId: 'b', spec: vmSpec('b', { vcpus: 1 }) })).toThrow(/cpu-capacity: 1/);
  });

  it('power, maintenance and HA availability each take a host out of placement', () => {
    const state = given(clusterCreated(), hostAdded('h1'), hostAdded('h2'), hostAdded('h3'),
      { type: 'HostPoweredOff', data: { hostId: 'h1', clusterId: 'c1', reason: 'dpm', standby: true } },
      { type: 'HostMaintenanceEntered', data: { hostId: 'h2', clusterId: 'c1' } });
    setHostAvailable(state, 'h3', false);
    expect(state.hosts.h1!.power).toBe('standby');
    expect(() => placeVm(state, { vmId: 'v', spec: vmSpec('v') })).toThrow(/power: 2, maintenance: 1/);
    evolvePlacement(state, { type: 'HostPoweredOn', data: { hostId: 'h1', clusterId: 'c1', reason: 'dpm' } });
    expect(placeVm(state, { vmId: 'v', spec: vmSpec('v') }).hostId).toBe('h1');
  });

  it('VmReconfigured 2 -> 6 vCPUs, 4,096 -> 8,192 MiB re-accounts the host in place', () => {
    const state = given(clusterCreated(), hostAdded('h1'), runningVm('v', 'h1'));
    evolvePlacement(state, { type: 'VmReconfigured', data: { vmId: 'v', clusterId: 'c1', vcpus: 6, memoryMiB: 8192, pendingVcpus: null } });
    expect(state.hosts.h1!.alloc).toMatchObject({ vmCount: 1, vcpus: 6, memoryMiB: 8192, numaVcpus: [6, 0], numaMemoryMiB: [8192, 0] });
  });

  it('VmCreationFailed after VmPlaced gives the 2 vCPUs back and forgets the VM', () => {
    const state = given(clusterCreated(), hostAdded('h1'), vmRequested('v'),
      { type: 'VmPlaced', data: { vmId: 'v', clusterId: 'c1', hostId: 'h1', numa: { nodes: [0], vcpusPerNode: [2], memoryMiBPerNode: [4096] }, brokenShouldRules: [], reason: 't' } },
      { type: 'VmCreationFailed', data: { vmId: 'v', clusterId: 'c1', reason: 'memory', step: 'reserve-memory' } });
    expect(state.hosts.h1!.alloc).toMatchObject({ vmCount: 0, vcpus: 0, memoryMiB: 0 });
    expect(state.vms.v).toBeUndefined();
  });

  it('same events -> same JSON state (replay, B3), and the state survives a JSON round trip', () => {
    const events = () => [clusterCreated(), hostAdded('h1'), hostAdded('h2'), runningVm('a', 'h1'), runningVm('b', 'h2', { gpus: [] })];
    const one = given(...events());
    const two = given(...events());
    expect(JSON.stringify(one)).toBe(JSON.stringify(two));
    expect(JSON.parse(JSON.stringify(one))).toEqual(one);
  });
});

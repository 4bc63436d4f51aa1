import { CLUSTER, clusterCreated, given, hostAdded, ofType, runningVm, runTicks, typesOf, ha } from './ha.fixtures.js';
import { haTick } from './tick.js';
import { capacityPlacer } from './ha.fixtures.js';

const threeHosts = (ha = {}) => [clusterCreated(ha), hostAdded('h-1'), hostAdded('h-2'), hostAdded('h-3')];

describe('HA heartbeat detection', () => {
  it('30 s detection at 10 s ticks = 3 missed heartbeats: missed at 10, still missing at 20, failed at 30', () => {
    const s0 = given([...threeHosts(), ...runningVm('vm-1', 'h-1')]);
    const { state } = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 0 }).result();
    const t10 = haTick(state, { simTime: 10, place: capacityPlacer(state) });
    expect(typesOf(t10.events)).toEqual(['HostHeartbeatMissed']);
    expect(t10.events[0]!.data).toMatchObject({ hostId: 'h-1', lastHeartbeatAt: 0, datastoreHeartbeat: false });
    const t20 = haTick(t10.state, { simTime: 20, place: capacityPlacer(t10.state) });
    expect(t20.events).toEqual([]); // HostHeartbeatMissed only on the first miss
    const t30 = haTick(t20.state, { simTime: 30, place: capacityPlacer(t20.state) });
    expect(typesOf(t30.events)).toEqual(['HostFailureDetected', 'HostFenced', 'VmRestartPlanned', 'VmRestarted']);
    expect(ofType(t30.events, 'HostFailureDetected')[0]!.data).toMatchObject({ missedSeconds: 30 });
    expect(ofType(t30.events, 'HostFenced')[0]!.data.method).toBe('power-lost');
  });

  it('60 s detection at 10 s ticks: nothing declared at 50 s, failure at 60 s', () => {
    const s0 = given([...threeHosts({ failureDetectionSeconds: 60 }), ...runningVm('vm-1', 'h-1')]);
    const { state } = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'hypervisor-crash', simTime: 0 }).result();
    const upTo50 = runTicks(state, 10, 50);
    expect(typesOf(upTo50.events)).toEqual(['HostHeartbeatMissed']);
    const at60 = runTicks(upTo50.state, 60, 60);
    expect(ofType(at60.events, 'HostFenced')[0]!.data.method).toBe('hypervisor-down');
  });

  it('a host back after 20 s (2 missed heartbeats) is never declared failed; its VMs, down since power-loss, restart on it', () => {
    const s0 = given([...threeHosts(), ...runningVm('vm-1', 'h-1')]);
    let { state } = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 0 }).result();
    ({ state } = runTicks(state, 10, 20));
    ({ state } = ha.givenState(state).when({ type: 'RecoverHost', hostId: 'h-1', simTime: 25 }).result());
    const back = runTicks(state, 30, 60);
    expect(typesOf(back.events)).toEqual(['HostHeartbeatResumed', 'VmRestartPlanned', 'VmRestarted']);
    expect(ofType(back.events, 'HostHeartbeatResumed')[0]!.data.missedSeconds).toBe(20);
    expect(ofType(back.events, 'VmRestarted')[0]!.data).toMatchObject({ fromHostId: 'h-1', hostId: 'h-1', cause: 'host-rebooted' });
  });

  it('network-isolation with a live datastore heartbeat + power-off: isolation, VMs powered off (fenced), then restarted elsewhere', () => {
    const s0 = given([...threeHosts({ isolationResponse: 'power-off' }), ...runningVm('vm-1', 'h-1'), ...runningVm('vm-2', 'h-1')]);
    const { state } = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'network-isolation', simTime: 0 }).result();
    const { events, state: after } = runTicks(state, 10, 30);
    expect(typesOf(events)).toEqual([
      'HostHeartbeatMissed', 'HostIsolationDetected', 'VmsDownOnHost', 'HostFenced',
      'VmRestartPlanned', 'VmRestartPlanned', 'VmRestarted', 'VmRestarted',
    ]);
    expect(ofType(events, 'HostHeartbeatMissed')[0]!.data.datastoreHeartbeat).toBe(true);
    expect(ofType(events, 'HostIsolationDetected')[0]!.data.response).toBe('power-off');
    expect(ofType(events, 'HostFenced')[0]!.data.method).toBe('isolation-power-off');
    expect(ofType(events, 'VmRestarted').map((e) => e.data.cause)).toEqual(['host-isolation', 'host-isolation']);
    expect(after.vms['vm-1']!.hostId).not.toBe('h-1');
  });

  it('network-isolation + leave-running: isolation detected, nothing fenced, nothing moves, VMs keep running on h-1', () => {
    const s0 = given([...threeHosts({ isolationResponse: 'leave-running' }), ...runningVm('vm-1', 'h-1')]);
    const { state } = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'network-isolation', simTime: 0 }).result();
    const { events, state: after } = runTicks(state, 10, 120);
    expect(typesOf(events)).toEqual(['HostHeartbeatMissed', 'HostIsolationDetected']);
    expect(after.vms['vm-1']).toMatchObject({ hostId: 'h-1', status: 'running' });
    const back = runTicks(ha.givenState(after).when({ type: 'RecoverHost', hostId: 'h-1', simTime: 125 }).result().state, 130, 130);
    expect(typesOf(back.events)).toEqual(['HostRecovered']);
  });

  it('isolated host (leave-running) that then loses its datastore heartbeat too is declared failed and fenced by lock revocation', () => {
    const s0 = given([...threeHosts({ isolationResponse: 'leave-running' }), ...runningVm('vm-1', 'h-1')]);
    const isolated = { 'h-1': { powered: true, network: false, datastore: true } };
    const cutOff = { 'h-1': { powered: true, network: false, datastore: false } };
    const first = runTicks(s0, 10, 30, isolated);
    const second = runTicks(first.state, 40, 40, cutOff);
    expect(typesOf(second.events)).toEqual(['HostFailureDetected', 'VmsDownOnHost', 'HostFenced', 'VmRestartPlanned', 'VmRestarted']);
    expect(ofType(second.events, 'HostFenced')[0]!.data.method).toBe('datastore-locks-revoked');
  });

  it('total isolation of all 3 hosts restarts nothing for 10 min; when h-2 returns, h-1 and h-3 are handled', () => {
    const s0 = given([...threeHosts(), ...runningVm('vm-1', 'h-1'), ...runningVm('vm-3', 'h-3')]);
    let state = s0;
    for (const hostId of ['h-1', 'h-2', 'h-3']) ({ state } = ha.givenState(state).when({ type: 'InjectHostFault', hostId, kind: 'network-isolation', simTime: 0 }).result());
    const cut = runTicks(state, 10, 600);
    expect(typesOf(cut.events)).toEqual(['HostHeartbeatMissed', 'HostHeartbeatMissed', 'HostHeartbeatMissed', 'HaTotalIsolationDetected']);
    expect(cut.state.vms['vm-1']).toMatchObject({ status: 'running', hostId: 'h-1' });
    const back = runTicks(ha.givenState(cut.state).when({ type: 'RecoverHost', hostId: 'h-2', simTime: 605 }).result().state, 610, 610);
    expect(typesOf(back.events).slice(0, 2)).toEqual(['HaTotalIsolationEnded', 'HostIsolationDetected']);
    expect(ofType(back.events, 'VmRestarted').map((e) => [e.data.vmId, e.data.hostId])).toEqual([['vm-1', 'h-2'], ['vm-3', 'h-2']]);
  });

  it('HA disabled on the cluster: a power-loss takes VMs down but no tick emits anything', () => {
    const s0 = given([...threeHosts({ enabled: false }), ...runningVm('vm-1', 'h-1')]);
    const { state, events } = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 0 }).result();
    expect(ofType(events, 'VmsDownOnHost')[0]!.data.vmIds).toEqual(['vm-1']);
    expect(runTicks(state, 10, 300).events).toEqual([]);
  });

  it('a planned power-off (HostPoweredOff) is never a failure', () => {
    const s0 = given([...threeHosts(), { type: 'HostPoweredOff', data: { hostId: 'h-3', clusterId: CLUSTER, reason: 'dpm', standby: true } }]);
    expect(runTicks(s0, 10, 300, { 'h-3': { powered: false, network: false, datastore: false } }).events).toEqual([]);
  });
});

import { clusterCreated, given, hostAdded, ofType, runningVm, runTicks, typesOf } from './ha.fixtures.js';

// h-1 is cut off from network AND storage but keeps running (a partition): HA cannot tell it from a dead host.
const partitioned = { 'h-1': { powered: true, network: false, datastore: false } };

describe('a VM never runs twice (HA.md 4)', () => {
  const s0 = given([clusterCreated(), hostAdded('h-1'), hostAdded('h-2'), ...runningVm('vm-1', 'h-1'), ...runningVm('vm-2', 'h-1', { priority: null })]);

  it('partitioned h-1 is fenced by revoking disk locks (VmsDownOnHost staleCopies) before vm-1 restarts on h-2', () => {
    const { events } = runTicks(s0, 10, 30, partitioned);
    // vm-2 has no HA: the first tick warns of it, the fence says why it stays down, the warning ends once it is down
    expect(typesOf(events)).toEqual([
      'HostHeartbeatMissed', 'HaUnprotectedVmsChanged', 'HostFailureDetected', 'VmsDownOnHost', 'HostFenced', 'VmRestartNotAttempted',
      'VmRestartPlanned', 'VmRestarted', 'HaUnprotectedVmsChanged',
    ]);
    expect(ofType(events, 'VmsDownOnHost')[0]!.data).toMatchObject({ vmIds: ['vm-1', 'vm-2'], staleCopies: true });
    expect(ofType(events, 'HostFenced')[0]!.data.method).toBe('datastore-locks-revoked');
  });

  it('returning h-1 powers its stale copies off (vm-1 runs on h-2, vm-2 is HA-managed) and restarts nothing by itself', () => {
    const down = runTicks(s0, 10, 60, partitioned);
    const back = runTicks(down.state, 70, 70);
    expect(typesOf(back.events)).toEqual(['HostRecovered', 'StaleVmCopyPoweredOff', 'StaleVmCopyPoweredOff']);
    const stale = ofType(back.events, 'StaleVmCopyPoweredOff').map((e) => [e.data.vmId, e.data.hostId, e.data.runningOnHostId]);
    expect(stale).toEqual([['vm-1', 'h-1', 'h-2'], ['vm-2', 'h-1', null]]);
    expect(back.state.vms['vm-1']).toMatchObject({ status: 'running', hostId: 'h-2' });
    expect(back.state.hosts['h-1']!.staleCopies).toEqual([]);
    expect(runTicks(back.state, 80, 200).events).toEqual([]);
  });
});

// "Why not" (issue 19): HA says which VMs of a failed host it will not restart and why, and warns while an HA
// cluster runs VMs it does not protect.
import type { InventoryEvent } from '@virtsim/contracts';
import { CLUSTER, clusterCreated, given, hostAdded, ofType, runningVm, runTicks, typesOf, ha } from './ha.fixtures.js';
import { foldHa } from './evolve.js';
import { capacityPlacer } from './ha.fixtures.js';
import { haProtectionWarning, UNPROTECTED_LISTED } from './protection.js';
import { haTick } from './tick.js';

const haOff: InventoryEvent = { type: 'ClusterPolicyChanged', data: { clusterId: CLUSTER, patch: { ha: { enabled: false } } } } as never;

describe('a VM HA does not restart says why', () => {
  const s0 = given([clusterCreated(), hostAdded('h-1'), hostAdded('h-2'), ...runningVm('vm-ha', 'h-1'), ...runningVm('vm-plain', 'h-1', { priority: null })]);

  it('given h-1 with an HA VM and an unprotected one, when h-1 loses power, then the fence is followed by VmRestartNotAttempted for vm-plain only', () => {
    const faulted = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 0 }).result().state;
    const { events, state } = runTicks(faulted, 10, 40);
    const fenced = typesOf(events).indexOf('HostFenced');
    const notAttempted = ofType(events, 'VmRestartNotAttempted');
    expect(notAttempted.map((e) => e.data)).toEqual([{
      clusterId: CLUSTER, simTime: 30, vmId: 'vm-plain', hostId: 'h-1', why: 'vm-not-protected',
      reason: 'VM vm-plain went down with host h-1 and is not restarted: it is not HA-protected (ha.enabled is not set on the VM); start it by hand',
    }]);
    expect(typesOf(events).indexOf('VmRestartNotAttempted')).toBe(fenced + 1);
    expect(ofType(events, 'VmRestarted').map((e) => e.data.vmId)).toEqual(['vm-ha']);
    expect(state.vms['vm-plain']).toMatchObject({ status: 'down', hostId: 'h-1' });
    // said once: later ticks repeat nothing
    expect(ofType(runTicks(state, 50, 120).events, 'VmRestartNotAttempted')).toEqual([]);
  });

  it('given h-1 reboots before it is declared failed, when its heartbeat resumes, then the unprotected VM is named too', () => {
    const faulted = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'hypervisor-crash', simTime: 0 }).result().state;
    const missing = runTicks(faulted, 10, 10).state;
    const back = ha.givenState(missing).when({ type: 'RecoverHost', hostId: 'h-1', simTime: 15 }).result().state;
    const { events } = runTicks(back, 20, 20);
    expect(typesOf(events).slice(0, 2)).toEqual(['HostHeartbeatResumed', 'VmRestartNotAttempted']);
    expect(ofType(events, 'VmRestartNotAttempted')[0]!.data).toMatchObject({ vmId: 'vm-plain', why: 'vm-not-protected' });
  });

  it('given cluster HA off, when h-1 loses power, then each VM that went down is named at once with cluster-ha-off (no tick will look at them)', () => {
    const off = given([clusterCreated({ enabled: false }), hostAdded('h-1'), hostAdded('h-2'), ...runningVm('vm-a', 'h-1'), ...runningVm('vm-b', 'h-1', { priority: null })]);
    const { events } = ha.givenState(off).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 5 }).result();
    expect(typesOf(events)).toEqual(['HostFaultInjected', 'VmsDownOnHost', 'VmRestartNotAttempted', 'VmRestartNotAttempted']);
    expect(ofType(events, 'VmRestartNotAttempted').map((e) => [e.data.vmId, e.data.why])).toEqual([['vm-a', 'cluster-ha-off'], ['vm-b', 'cluster-ha-off']]);
    expect(ofType(events, 'VmRestartNotAttempted')[0]!.data.reason).toContain('HA is off on its cluster');
  });

  it('given cluster HA on, when an isolated host keeps its VMs running (leave-running), then nothing is said: nothing went down', () => {
    const left = given([clusterCreated({ isolationResponse: 'leave-running' }), hostAdded('h-1'), hostAdded('h-2'), ...runningVm('vm-plain', 'h-1', { priority: null })]);
    const { events } = runTicks(left, 10, 60, { 'h-1': { powered: true, network: false, datastore: true } });
    expect(ofType(events, 'VmRestartNotAttempted')).toEqual([]);
  });
});

describe('the unprotected-VMs warning of an HA cluster', () => {
  it('haProtectionWarning: null with HA off or all protected; else the count, the first ids and a sentence', () => {
    const vms = [{ vmId: 'vm-2', running: true, haEnabled: false }, { vmId: 'vm-1', running: true, haEnabled: false }, { vmId: 'vm-3', running: false, haEnabled: false }, { vmId: 'vm-4', running: true, haEnabled: true }];
    expect(haProtectionWarning(false, vms)).toBeNull();
    expect(haProtectionWarning(true, [vms[3]!])).toBeNull();
    expect(haProtectionWarning(true, vms)).toEqual({
      unprotected: 2, vmIds: ['vm-1', 'vm-2'],
      message: 'cluster HA is on but 2 running VMs are not HA-protected (vm-1, vm-2): a host failure leaves them down; set ha.enabled on them to protect them',
    });
    const many = Array.from({ length: 25 }, (_, i) => ({ vmId: `vm-${String(i).padStart(2, '0')}`, running: true, haEnabled: false }));
    const w = haProtectionWarning(true, many)!;
    expect([w.unprotected, w.vmIds.length, w.message]).toEqual([25, UNPROTECTED_LISTED, expect.stringContaining('vm-19, and 5 more')]);
  });

  it('given an HA cluster running one unprotected VM, when ticks run, then one HaUnprotectedVmsChanged, not repeated', () => {
    const s = given([clusterCreated(), hostAdded('h-1'), ...runningVm('vm-ha', 'h-1'), ...runningVm('vm-plain', 'h-1', { priority: null })]);
    const { events, state } = runTicks(s, 10, 60);
    expect(events.map((e) => [e.type, e.data])).toEqual([['HaUnprotectedVmsChanged', expect.objectContaining({ clusterId: CLUSTER, simTime: 10, unprotected: 1, vmIds: ['vm-plain'] })]]);
    expect(state.unprotectedVms).toBe(1);
  });

  it('given the warning stands, when the unprotected VM stops, then it ends with 0; when HA is turned off, it ends too', () => {
    const s = given([clusterCreated(), hostAdded('h-1'), ...runningVm('vm-plain', 'h-1', { priority: null })]);
    const warned = runTicks(s, 10, 10).state;
    const afterStop = haTick(foldHa([{ type: 'VmStateChanged', data: { vmId: 'vm-plain', clusterId: CLUSTER, hostId: 'h-1', from: 'running', to: 'stopped', reason: 'test' } } as InventoryEvent], warned), { simTime: 20, place: capacityPlacer(warned) });
    expect(afterStop.events.map((e) => [e.type, (e.data as { unprotected?: number }).unprotected, (e.data as { reason: string }).reason]))
      .toEqual([['HaUnprotectedVmsChanged', 0, 'every running VM of the cluster is HA-protected again']]);
    const afterOff = haTick(foldHa([haOff], warned), { simTime: 20, place: capacityPlacer(warned) });
    expect(afterOff.events.map((e) => [e.type, (e.data as { unprotected?: number }).unprotected])).toEqual([['HaUnprotectedVmsChanged', 0]]);
    expect(afterOff.state.unprotectedVms).toBe(0);
    expect(haTick(afterOff.state, { simTime: 30, place: capacityPlacer(warned) }).events).toEqual([]);
  });
});

import { clusterCreated, given, hostAdded, runningVm, typesOf, ha } from './ha.fixtures.js';

const s0 = given([clusterCreated(), hostAdded('h-1'), hostAdded('h-2'), ...runningVm('vm-1', 'h-1'), ...runningVm('vm-2', 'h-1')]);

describe('fault commands', () => {
  it('power-loss on h-1 with 2 VMs: HostFaultInjected + VmsDownOnHost [vm-1, vm-2] at once, VMs down', () => {
    const { events, state } = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 5 }).result();
    expect(typesOf(events)).toEqual(['HostFaultInjected', 'VmsDownOnHost']);
    expect(events[1]!.data).toMatchObject({ vmIds: ['vm-1', 'vm-2'], staleCopies: false, simTime: 5 });
    expect(state.vms['vm-1']!.status).toBe('down');
  });

  it('network-isolation takes nothing down by itself', () => {
    const { events, state } = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'network-isolation', simTime: 0 }).result();
    expect(typesOf(events)).toEqual(['HostFaultInjected']);
    expect(state.vms['vm-1']!.status).toBe('running');
  });

  it('refusals: unknown host, second fault, recover without fault, crash of a down VM', () => {
    expect(ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-9', kind: 'power-loss', simTime: 0 }).thenThrows('not-found').details.rule).toBeUndefined();
    const faulted = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 0 }).result().state;
    ha.givenState(faulted).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'hypervisor-crash', simTime: 0 }).thenThrows('conflict', { rule: 'ha.hostFault' });
    ha.givenState(faulted).when({ type: 'RecoverHost', hostId: 'h-2', simTime: 0 }).thenThrows('conflict', { rule: 'ha.recover' });
    ha.givenState(faulted).when({ type: 'InjectVmFault', vmId: 'vm-1', kind: 'guest-os-crash', simTime: 0 }).thenThrows('conflict', { rule: 'ha.vmFault' });
  });

  it('RecoverHost clears the fault (HostFaultCleared); HostRecovered comes from the next tick', () => {
    const faulted = ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 0 }).result().state;
    const state = ha.givenState(faulted).when({ type: 'RecoverHost', hostId: 'h-1', simTime: 40 })
      .then([{ type: 'HostFaultCleared', data: { clusterId: 'c-1', simTime: 40, hostId: 'h-1', kind: 'power-loss' } }]);
    expect(state.hosts['h-1']!.fault).toBeNull();
  });

  it('evolve never mutates its input state (s0 unchanged after a power-loss fold)', () => {
    const before = JSON.stringify(s0);
    ha.givenState(s0).when({ type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 0 }).result();
    expect(JSON.stringify(s0)).toBe(before);
  });
});

import { VirtsimError } from '@virtsim/contracts';
import { decideHa } from './decider.js';
import { clusterCreated, given, hostAdded, runningVm, typesOf, when } from './ha.fixtures.js';

const s0 = given([clusterCreated(), hostAdded('h-1'), hostAdded('h-2'), ...runningVm('vm-1', 'h-1'), ...runningVm('vm-2', 'h-1')]);
const codeOf = (fn: () => unknown) => { try { fn(); } catch (e) { return [(e as VirtsimError).code, (e as VirtsimError).details.rule]; } return null; };

describe('fault commands', () => {
  it('power-loss on h-1 with 2 VMs: HostFaultInjected + VmsDownOnHost [vm-1, vm-2] at once, VMs down', () => {
    const { events, state } = when(s0, { type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 5 });
    expect(typesOf(events)).toEqual(['HostFaultInjected', 'VmsDownOnHost']);
    expect(events[1]!.data).toMatchObject({ vmIds: ['vm-1', 'vm-2'], staleCopies: false, simTime: 5 });
    expect(state.vms['vm-1']!.status).toBe('down');
  });

  it('network-isolation takes nothing down by itself', () => {
    const { events, state } = when(s0, { type: 'InjectHostFault', hostId: 'h-1', kind: 'network-isolation', simTime: 0 });
    expect(typesOf(events)).toEqual(['HostFaultInjected']);
    expect(state.vms['vm-1']!.status).toBe('running');
  });

  it('refusals: unknown host, second fault, recover without fault, crash of a down VM', () => {
    expect(codeOf(() => decideHa({ type: 'InjectHostFault', hostId: 'h-9', kind: 'power-loss', simTime: 0 }, s0))).toEqual(['not-found', undefined]);
    const faulted = when(s0, { type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 0 }).state;
    expect(codeOf(() => decideHa({ type: 'InjectHostFault', hostId: 'h-1', kind: 'hypervisor-crash', simTime: 0 }, faulted))).toEqual(['conflict', 'ha.hostFault']);
    expect(codeOf(() => decideHa({ type: 'RecoverHost', hostId: 'h-2', simTime: 0 }, faulted))).toEqual(['conflict', 'ha.recover']);
    expect(codeOf(() => decideHa({ type: 'InjectVmFault', vmId: 'vm-1', kind: 'guest-os-crash', simTime: 0 }, faulted))).toEqual(['conflict', 'ha.vmFault']);
  });

  it('RecoverHost clears the fault (HostFaultCleared); HostRecovered comes from the next tick', () => {
    const faulted = when(s0, { type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 0 }).state;
    const { events, state } = when(faulted, { type: 'RecoverHost', hostId: 'h-1', simTime: 40 });
    expect(events).toEqual([{ type: 'HostFaultCleared', data: { clusterId: 'c-1', simTime: 40, hostId: 'h-1', kind: 'power-loss' } }]);
    expect(state.hosts['h-1']!.fault).toBeNull();
  });

  it('evolve never mutates its input state (s0 unchanged after a power-loss fold)', () => {
    const before = JSON.stringify(s0);
    when(s0, { type: 'InjectHostFault', hostId: 'h-1', kind: 'power-loss', simTime: 0 });
    expect(JSON.stringify(s0)).toBe(before);
  });
});

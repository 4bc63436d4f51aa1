import type { HaEvent } from '@virtsim/contracts';
import { foldHa } from './evolve.js';
import { CLUSTER, clusterCreated, given, hostAdded, ofType, runningVm, runTicks, typesOf, ha } from './ha.fixtures.js';
import type { HaState } from './state.js';

// a budget of 1 restart in place per hour (the default is 3: vm-restart-window.unit.spec.ts)
const cluster = (vmOpts = {}) => given([clusterCreated({ restartsInPlace: 1 }), hostAdded('h-1'), hostAdded('h-2'), hostAdded('h-3'), ...runningVm('vm-1', 'h-1', { tools: true, ...vmOpts })]);

function crash(state: HaState, at: number, kind: 'guest-os-crash' | 'vmm-process-crash' = 'guest-os-crash'): { state: HaState; events: HaEvent[] } {
  const injected = ha.givenState(state).when({ type: 'InjectVmFault', vmId: 'vm-1', kind, simTime: at }).result();
  return runTicks(injected.state, at + 10, at + 60);
}

describe('VM monitoring: guest OS and VMM crashes (HA.md 6, budget 1 local restart + 1 relocation)', () => {
  it('guest-os-crash at 0 with Tools: detected at 30 s (Tools heartbeat silent 30 s), restarted in place on h-1', () => {
    const injected = ha.givenState(cluster()).when({ type: 'InjectVmFault', vmId: 'vm-1', kind: 'guest-os-crash', simTime: 0 }).result();
    expect(runTicks(injected.state, 10, 20).events).toEqual([]);
    const { events, state } = runTicks(injected.state, 10, 30);
    expect(typesOf(events)).toEqual(['VmFailureDetected', 'VmRestartedInPlace']);
    expect(events[0]!.data).toMatchObject({ action: 'restart-in-place', simTime: 30 });
    expect(events[1]!.data).toMatchObject({ hostId: 'h-1', attempt: 1, maxAttempts: 1 });
    expect(state.vms['vm-1']).toMatchObject({ status: 'running', hostId: 'h-1', localRestarts: 1 });
  });

  it('1st crash: in place; 2nd: relocated to an untried host; 3rd: failed, needs an operator', () => {
    const first = crash(cluster(), 0);
    expect(typesOf(first.events)).toEqual(['VmFailureDetected', 'VmRestartedInPlace']);
    const second = crash(first.state, 100);
    expect(typesOf(second.events)).toEqual(['VmFailureDetected', 'VmRestartPlanned', 'VmRestarted']);
    const plan = ofType(second.events, 'VmRestartPlanned')[0]!.data;
    expect(plan).toMatchObject({ fromHostId: 'h-1', cause: 'guest-os-crash' });
    expect(plan.toHostId).not.toBe('h-1');
    const third = crash(second.state, 200);
    expect(typesOf(third.events)).toEqual(['VmFailureDetected', 'VmFailedNeedsOperator']);
    expect(ofType(third.events, 'VmFailedNeedsOperator')[0]!.data.reason).toContain('restarts in place 1/1 in 3600 s, relocations 1/1');
    expect(third.state.vms['vm-1']!.status).toBe('failed');
  });

  it('an operator power-on of the failed VM gives it a fresh budget: next crash restarts in place again', () => {
    const failed = crash(crash(crash(cluster(), 0).state, 100).state, 200).state;
    const operatorOn = foldHa([{ type: 'VmStateChanged', data: { vmId: 'vm-1', clusterId: CLUSTER, hostId: 'h-2', from: 'failed', to: 'running', reason: 'operator' } }], failed);
    expect(operatorOn.vms['vm-1']).toMatchObject({ status: 'running', localRestarts: 0, relocations: 0, triedHosts: [] });
    expect(typesOf(crash(operatorOn, 300).events)).toEqual(['VmFailureDetected', 'VmRestartedInPlace']);
  });

  it('guest-os-crash without Tools is never detected (no Tools heartbeat): the event says so, ticks stay silent', () => {
    const { events, state } = ha.givenState(cluster({ tools: false })).when({ type: 'InjectVmFault', vmId: 'vm-1', kind: 'guest-os-crash', simTime: 0 }).result();
    expect(events[0]!.data).toMatchObject({ detectable: false });
    expect((events[0]!.data as { reason: string }).reason).toContain('without Tools');
    expect(runTicks(state, 10, 600).events).toEqual([]);
  });

  it('vmm-process-crash is seen at the next tick (10 s), without Tools', () => {
    const { events } = crash(cluster({ tools: false }), 0, 'vmm-process-crash');
    expect(typesOf(events)).toEqual(['VmFailureDetected', 'VmRestartedInPlace']);
    expect(events[0]!.data.simTime).toBe(10);
  });

  it('a crash of a VM without HA: detected, then needs an operator (no restart)', () => {
    const { events } = crash(cluster({ priority: null }), 0, 'vmm-process-crash');
    expect(typesOf(events)).toEqual(['VmFailureDetected', 'VmFailedNeedsOperator']);
    expect(ofType(events, 'VmFailedNeedsOperator')[0]!.data.reason).toContain('HA is not enabled');
  });
});

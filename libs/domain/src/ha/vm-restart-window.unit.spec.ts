// F7 / HA.md 6: the restart-in-place budget is "N per window" (default 3 per 3,600 s, vSphere VM Monitoring),
// not N in a VM's whole life; relocation only when the window's budget is spent.
import type { HaEvent } from '@virtsim/contracts';
import { clusterCreated, given, hostAdded, ofType, runningVm, runTicks, typesOf, ha } from './ha.fixtures.js';
import type { HaState } from './state.js';

const cluster = (policy = {}) => given([clusterCreated(policy), hostAdded('h-1'), hostAdded('h-2'), ...runningVm('vm-1', 'h-1', { tools: true })]);

/** a VMM crash injected at `at` is seen at the next 10 s tick */
function crash(state: HaState, at: number): { state: HaState; events: HaEvent[] } {
  const injected = ha.givenState(state).when({ type: 'InjectVmFault', vmId: 'vm-1', kind: 'vmm-process-crash', simTime: at }).result();
  return runTicks(injected.state, at + 10, at + 10);
}

function crashes(state: HaState, times: number[]): { state: HaState; events: HaEvent[][] } {
  const events: HaEvent[][] = [];
  for (const at of times) {
    const r = crash(state, at);
    events.push(r.events);
    state = r.state;
  }
  return { state, events };
}

describe('restart in place: N per window (default 3 per 3,600 s)', () => {
  it('crashes at 0, 600 and 1,200 s: three restarts in place on h-1 (attempts 1, 2, 3 of 3); the 4th at 1,800 s relocates', () => {
    const { events, state } = crashes(cluster(), [0, 600, 1200, 1800]);
    expect(events.slice(0, 3).map(typesOf)).toEqual(Array(3).fill(['VmFailureDetected', 'VmRestartedInPlace']));
    expect(events.slice(0, 3).map((e) => ofType(e, 'VmRestartedInPlace')[0]!.data)).toMatchObject([
      { attempt: 1, maxAttempts: 3, hostId: 'h-1' }, { attempt: 2, maxAttempts: 3 }, { attempt: 3, maxAttempts: 3, reason: 'vmm-process-crash: restart 3 of 3 within 3600 s on the same host' },
    ]);
    expect(ofType(events[3]!, 'VmFailureDetected')[0]!.data).toMatchObject({ action: 'relocate', simTime: 1810 });
    expect(ofType(events[3]!, 'VmFailureDetected')[0]!.data.reason).toContain('restarts in place 3/3 in 3600 s, relocations 0/1');
    expect(ofType(events[3]!, 'VmRestarted')[0]!.data).toMatchObject({ hostId: 'h-2', fromHostId: 'h-1' });
    expect(state.vms['vm-1']).toMatchObject({ hostId: 'h-2', localRestarts: 3, relocations: 1 });
  });

  it('the window slides: restarts at 10, 610, 1,210 s; a crash seen at 3,610 s finds the 10 s one gone (3,600 s old) and restarts in place', () => {
    const { events } = crashes(cluster(), [0, 600, 1200, 3600]);
    expect(typesOf(events[3]!)).toEqual(['VmFailureDetected', 'VmRestartedInPlace']);
    expect(ofType(events[3]!, 'VmRestartedInPlace')[0]!.data).toMatchObject({ attempt: 3, maxAttempts: 3, simTime: 3610 });
  });

  it('policy 2 per 600 s: crashes at 0 and 300 restart in place, at 400 relocate; 0 per window relocates at once', () => {
    const two = crashes(cluster({ restartsInPlace: 2, restartWindowSeconds: 600 }), [0, 300, 400]);
    expect(two.events.map((e) => ofType(e, 'VmFailureDetected')[0]!.data.action)).toEqual(['restart-in-place', 'restart-in-place', 'relocate']);
    expect(ofType(crash(cluster({ restartsInPlace: 0 }), 0).events, 'VmFailureDetected')[0]!.data.action).toBe('relocate');
  });
});

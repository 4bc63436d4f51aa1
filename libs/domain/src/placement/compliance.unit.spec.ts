// F12 rule compliance recorded when it changes (issue 15 "Wrong today" item 3): worked examples on two hosts.
import { ruleComplianceEvents } from './compliance.js';
import { recommendDrs } from './drs.js';
import { evolvePlacement } from './evolve.js';
import { clusterCreated, given, hostAdded, ruleCreated, runningVm, vmPlaced, vmRequested } from './fixtures.spec.js';
import type { PlacementState } from './model.js';

/** evaluate at simTime and fold the events back, as the scheduler's tick does */
function check(state: PlacementState, simTime: number) {
  const events = ruleComplianceEvents(state, 'c1', simTime);
  for (const e of events) evolvePlacement(state, e);
  return events;
}

describe('rule compliance (F12)', () => {
  it('must anti-affinity over a and b, both running on h1: not compliant naming b, once; compliant again when b moves to h2', () => {
    const state = given(clusterCreated(), hostAdded('h1'), hostAdded('h2'), runningVm('a', 'h1'), runningVm('b', 'h1'),
      ruleCreated('apart', { kind: 'vm-anti-affinity', vms: ['a', 'b'] }));
    expect(state.rules.apart!.compliance).toEqual({ compliant: true, vmIds: [] });
    expect(check(state, 10)).toEqual([{ type: 'RuleComplianceChanged', data: {
      clusterId: 'c1', ruleId: 'apart', ruleName: 'apart', severity: 'must', compliant: false, vmIds: ['b'], simTime: 10,
      reason: 'must rule apart is not compliant, sharing a host with another member: b; DRS moves them at priority 1 where a host fits',
    } }]);
    expect(check(state, 20)).toEqual([]); // recorded: no repeat
    // DRS repairs it at priority 1 (threshold 1 = mandatory moves only)
    expect(recommendDrs(state, { clusterId: 'c1', simTime: 300, threshold: 1 })).toMatchObject([
      { vmId: 'b', fromHostId: 'h1', toHostId: 'h2', rationale: { priority: 1, reason: 'must-rule', ruleId: 'apart' } },
    ]);
    evolvePlacement(state, { type: 'VmRelocated', data: { vmId: 'b', clusterId: 'c1', fromHostId: 'h1', toHostId: 'h2', numa: null, reason: 'drs' } } as never);
    expect(check(state, 330)).toMatchObject([{ data: { ruleId: 'apart', compliant: true, vmIds: [], reason: 'must rule apart is compliant again' } }]);
  });

  it('a VM that does not hold its host (being created) breaks nothing; once running it does', () => {
    const state = given(clusterCreated(), hostAdded('h1'), hostAdded('h2'), runningVm('a', 'h1'), vmRequested('b'), vmPlaced('b', 'h1'),
      ruleCreated('apart', { kind: 'vm-anti-affinity', vms: ['a', 'b'] }));
    expect(check(state, 10)).toEqual([]);
    evolvePlacement(state, { type: 'VmStateChanged', data: { vmId: 'b', clusterId: 'c1', hostId: 'h1', from: 'creating', to: 'running', reason: 't' } } as never);
    expect(check(state, 20)).toMatchObject([{ data: { compliant: false, vmIds: ['b'] } }]);
  });

  it('should rule prefer-h2 over a (on h1) and c (on h2): not compliant naming a, priority 2 repair; a changed set is a new event', () => {
    const state = given(clusterCreated(), hostAdded('h1'), hostAdded('h2'), runningVm('a', 'h1'), runningVm('c', 'h2'),
      ruleCreated('prefer-h2', { kind: 'vm-host-should', vms: ['a', 'c'], hosts: ['h2'] }));
    expect(check(state, 10)).toMatchObject([{ data: {
      severity: 'should', compliant: false, vmIds: ['a'],
      reason: 'should rule prefer-h2 is not compliant, outside the preferred hosts: a; DRS brings them back at priority 2 when a preferred host fits',
    } }]);
    evolvePlacement(state, { type: 'VmRelocated', data: { vmId: 'c', clusterId: 'c1', fromHostId: 'h2', toHostId: 'h1', numa: null, reason: 't' } } as never);
    expect(check(state, 20)).toMatchObject([{ data: { compliant: false, vmIds: ['a', 'c'] } }]);
  });
});

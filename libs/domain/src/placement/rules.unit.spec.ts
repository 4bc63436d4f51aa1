import { clusterCreated, given, hostAdded, ruleCreated, runningVm, vmPlaced, vmRequested } from './fixtures.spec.js';
import { evolvePlacement } from './evolve.js';
import { breaksMustRule, ruleViolations } from './rules.js';

const hosts = () => [clusterCreated(), hostAdded('h1'), hostAdded('h2'), hostAdded('h3')];

describe('rule violations (F12, B6)', () => {
  it('anti-affinity db1, db2 both on h1: db2 (second by id) must leave', () => {
    const state = given(hosts(), runningVm('db1', 'h1'), runningVm('db2', 'h1'), ruleCreated('anti', { kind: 'vm-anti-affinity', vms: ['db1', 'db2'] }));
    expect(ruleViolations(state, 'c1')).toEqual([{ ruleId: 'anti', ruleName: 'anti', kind: 'vm-anti-affinity', severity: 'must', vmIds: ['db2'], hostId: null }]);
  });

  it('affinity split 2 on h2 / 1 on h1: the h1 member must join h2', () => {
    const state = given(hosts(), runningVm('a', 'h2'), runningVm('b', 'h2'), runningVm('c', 'h1'), ruleCreated('aff', { kind: 'vm-affinity', vms: ['a', 'b', 'c'] }));
    expect(ruleViolations(state, 'c1')).toMatchObject([{ ruleId: 'aff', severity: 'must', vmIds: ['c'], hostId: 'h2' }]);
  });

  it('must, must-not and should: each VM off its allowed hosts is listed, should as severity should', () => {
    const state = given(hosts(), runningVm('m', 'h1'), runningVm('n', 'h2'), runningVm('s', 'h3'),
      ruleCreated('r-must', { kind: 'vm-host-must', vms: ['m'], hosts: ['h2'] }),
      ruleCreated('r-not', { kind: 'vm-host-must-not', vms: ['n'], hosts: ['h2'] }),
      ruleCreated('r-should', { kind: 'vm-host-should', vms: ['s'], hosts: ['h1'] }));
    expect(ruleViolations(state, 'c1').map((v) => [v.ruleId, v.severity, v.vmIds])).toEqual([
      ['r-must', 'must', ['m']], ['r-not', 'must', ['n']], ['r-should', 'should', ['s']],
    ]);
  });

  it('a kept rule has no violation; deleting a rule removes it from the VM index', () => {
    const state = given(hosts(), runningVm('a', 'h1'), runningVm('b', 'h2'), ruleCreated('anti', { kind: 'vm-anti-affinity', vms: ['a', 'b'] }));
    expect(ruleViolations(state, 'c1')).toEqual([]);
    expect(breaksMustRule(state, 'b', 'h1')).toBe('anti');
    evolvePlacement(state, { type: 'RuleDeleted', data: { ruleId: 'anti', clusterId: 'c1' } });
    expect(breaksMustRule(state, 'b', 'h1')).toBeNull();
    expect(state.vmRules).toEqual({});
  });

  it('rule host counts follow placements made after the rule: 2 members on h1 after two VmPlaced', () => {
    const state = given(hosts(), ruleCreated('aff', { kind: 'vm-affinity', vms: ['a', 'b'] }), vmRequested('a'), vmRequested('b'), vmPlaced('a', 'h1'), vmPlaced('b', 'h1'));
    expect(state.rules.aff!.hostCounts).toEqual({ h1: 2 });
    expect(breaksMustRule(state, 'b', 'h2')).toBe('aff');
  });
});

// F12: a must rule the current placement breaks is refused 409 rules.brokenByPlacement, naming the rule and VMs.
import type { InventoryEvent } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { clusterWithHosts, createdVm, ruleSpec, vmSpec } from './inventory.fixtures.js';
import { ruleDecider, type RuleCommand } from './rule.js';

const rules = spec(ruleDecider);
// three running VMs over two hosts: a and b on h1 (host-1), c on h2 (host-2); d stopped on h1
const base: InventoryEvent[] = [
  ...clusterWithHosts(2),
  ...createdVm('a', vmSpec('vm-a', 'c1'), 'h1', true),
  ...createdVm('b', vmSpec('vm-b', 'c1'), 'h1', true),
  ...createdVm('c', vmSpec('vm-c', 'c1'), 'h2', true),
  ...createdVm('d', vmSpec('vm-d', 'c1'), 'h1'),
];
const create = (ruleId: string, over: Record<string, unknown>): RuleCommand => ({ type: 'CreateRule', ruleId, clusterId: 'c1', spec: ruleSpec({ name: ruleId, ...over }) });

describe('must rules against the current placement (F12)', () => {
  it('anti-affinity of the 3 running VMs over 2 hosts: 409 naming the rule and a, b (they share host-1)', () => {
    const error = rules.given(base).when(create('apart', { kind: 'vm-anti-affinity', vms: ['a', 'b', 'c'] })).thenThrows('conflict');
    expect(error.details).toEqual({ rule: 'rules.brokenByPlacement', ruleId: 'apart', ruleName: 'apart', vmIds: ['a', 'b'] });
    expect(error.message).toBe('must rule apart is broken by where its VMs run now: a, b share host host-1; move or power off a, b first');
  });

  it('affinity of a and c (host-1, host-2), must of c to h1, must-not of a from h1: each refused naming its VMs', () => {
    expect(rules.given(base).when(create('together', { kind: 'vm-affinity', vms: ['a', 'c'] })).thenThrows('conflict').details.vmIds).toEqual(['a', 'c']);
    expect(rules.given(base).when(create('pin', { kind: 'vm-host-must', vms: ['a', 'c'], hosts: ['h1'] })).thenThrows('conflict').details.vmIds).toEqual(['c']);
    expect(rules.given(base).when(create('avoid', { kind: 'vm-host-must-not', vms: ['a', 'c'], hosts: ['h1'] })).thenThrows('conflict').details.vmIds).toEqual(['a']);
  });

  it('rules the placement keeps are created; a stopped VM (d on host-1) and should rules do not count', () => {
    rules.given(base).when(create('ok', { kind: 'vm-anti-affinity', vms: ['a', 'c', 'd'] }))
      .then([{ type: 'RuleCreated', data: { ruleId: 'ok', clusterId: 'c1', spec: ruleSpec({ name: 'ok', kind: 'vm-anti-affinity', vms: ['a', 'c', 'd'] }) } }]);
    rules.given(base).when(create('prefer', { kind: 'vm-host-should', vms: ['c'], hosts: ['h1'] })).then([
      { type: 'RuleCreated', data: { ruleId: 'prefer', clusterId: 'c1', spec: ruleSpec({ name: 'prefer', kind: 'vm-host-should', vms: ['c'], hosts: ['h1'] }) } },
    ]);
  });
});

import type { InventoryEvent } from '@virtsim/contracts';
import { clusterSpec, clusterWithHosts, createdVm, given, hostSpec, refusal, ruleSpec, vmSpec } from './inventory.fixtures.js';
import { ruleDecider } from './rule.js';
import type { RuleCommand } from './rule.js';
import { evolveInventory } from './view.js';
import type { InventoryView } from './view.js';

const decide = ruleDecider.decide;
const base: InventoryEvent[] = [
  ...clusterWithHosts(3),
  ...['a', 'b', 'c'].flatMap((id) => createdVm(id, vmSpec(`vm-${id}`, 'c1'), 'h1')),
  { type: 'ClusterCreated', data: { clusterId: 'c2', spec: clusterSpec({ name: 'dev' }) } },
  { type: 'HostAdded', data: { hostId: 'x1', clusterId: 'c2', spec: hostSpec('dev-host') } },
  ...createdVm('x', vmSpec('vm-x', 'c2'), 'x1'),
];
const create = (ruleId: string, spec: Record<string, unknown>): RuleCommand => ({ type: 'CreateRule', ruleId, clusterId: 'c1', spec: ruleSpec({ name: ruleId, ...spec }) });
const apply = (view: InventoryView, command: RuleCommand) => decide(command, view).forEach((e) => evolveInventory(view, e));

describe('rule decider (F12)', () => {
  it('creates an affinity rule for 2 VMs: RuleCreated, indexed in the cluster', () => {
    const view = given(base);
    const events = decide(create('r1', { kind: 'vm-affinity', vms: ['a', 'b'] }), view);
    expect(events).toEqual([{ type: 'RuleCreated', data: { ruleId: 'r1', clusterId: 'c1', spec: ruleSpec({ name: 'r1', kind: 'vm-affinity', vms: ['a', 'b'] }) } }]);
    events.forEach((e) => evolveInventory(view, e));
    expect(view.clusters.c1).toMatchObject({ ruleCount: 1, ruleNames: { r1: 'r1' } });
  });

  it('shape: affinity with 1 VM, vm-host-must without hosts, anti-affinity with hosts are invalid', () => {
    const view = given(base);
    expect(refusal(() => decide(create('r', { kind: 'vm-affinity', vms: ['a'] }), view)).code).toBe('invalid');
    const noHosts = refusal(() => decide(create('r', { kind: 'vm-host-must', vms: ['a'] }), view));
    expect(noHosts.details.errors).toEqual([{ path: 'hosts', message: 'vm-host-must needs at least 1 host' }]);
    expect(refusal(() => decide(create('r', { kind: 'vm-anti-affinity', vms: ['a', 'b'], hosts: ['h1'] }), view)).code).toBe('invalid');
  });

  it('a VM of cluster dev in a rule of cluster prod is not-found, naming both', () => {
    const error = refusal(() => decide(create('r', { kind: 'vm-affinity', vms: ['a', 'x'] }), given(base)));
    expect(error.code).toBe('not-found');
    expect(error.message).toBe('rule r: vm x not found in cluster prod');
    expect(refusal(() => decide(create('r', { kind: 'vm-host-must', vms: ['a'], hosts: ['x1'] }), given(base))).code).toBe('not-found');
  });

  it('a second rule named r1 is refused naming it; deleting r1 frees the name', () => {
    const view = given(base);
    apply(view, create('r1', { kind: 'vm-affinity', vms: ['a', 'b'] }));
    const duplicate: RuleCommand = { type: 'CreateRule', ruleId: 'r2', clusterId: 'c1', spec: ruleSpec({ name: 'r1', kind: 'vm-affinity', vms: ['b', 'c'] }) };
    const error = refusal(() => decide(duplicate, view));
    expect(error.details.rule).toBe('rule.name');
    expect(error.message).toContain("'r1'");
    apply(view, { type: 'DeleteRule', ruleId: 'r1' });
    expect(view.clusters.c1).toMatchObject({ ruleCount: 0, ruleNames: {} });
    expect(refusal(() => decide({ type: 'DeleteRule', ruleId: 'r1' }, view)).code).toBe('not-found');
  });

  it('affinity {a,b,c} then anti-affinity {b,c} contradicts: b and c cannot be together and apart', () => {
    const view = given(base);
    apply(view, create('together', { kind: 'vm-affinity', vms: ['a', 'b', 'c'] }));
    const error = refusal(() => decide(create('apart', { kind: 'vm-anti-affinity', vms: ['b', 'c'] }), view));
    expect(error.details).toMatchObject({ rule: 'rules.contradiction', ruleIds: ['together'] });
    expect(error.message).toContain('b and c');
  });

  it('anti-affinity sharing only 1 VM with an affinity rule is fine: {a,b} together, {b,c} apart', () => {
    const view = given(base);
    apply(view, create('together', { kind: 'vm-affinity', vms: ['a', 'b'] }));
    expect(decide(create('apart', { kind: 'vm-anti-affinity', vms: ['b', 'c'] }), view)).toHaveLength(1);
  });

  it('a must {h1} and a must-not {h1} on VM a leave it no host: contradiction', () => {
    const view = given(base);
    apply(view, create('pin', { kind: 'vm-host-must', vms: ['a'], hosts: ['h1'] }));
    const error = refusal(() => decide(create('ban', { kind: 'vm-host-must-not', vms: ['a', 'b'], hosts: ['h1'] }), view));
    expect(error.details.rule).toBe('rules.contradiction');
    expect(error.message).toContain('VM a');
    expect(decide(create('ban', { kind: 'vm-host-must-not', vms: ['a'], hosts: ['h2'] }), view)).toHaveLength(1);
  });

  it('affinity {a,b} with a pinned to h1 and b pinned to h2 has no common host: contradiction', () => {
    const view = given(base);
    apply(view, create('pin-a', { kind: 'vm-host-must', vms: ['a'], hosts: ['h1'] }));
    apply(view, create('pin-b', { kind: 'vm-host-must', vms: ['b'], hosts: ['h2', 'h3'] }));
    const error = refusal(() => decide(create('together', { kind: 'vm-affinity', vms: ['a', 'b'] }), view));
    expect(error.message).toContain('no allowed host in common');
  });

  it('should rules never contradict: vm-host-should {h1} next to must-not {h1}', () => {
    const view = given(base);
    apply(view, create('ban', { kind: 'vm-host-must-not', vms: ['a'], hosts: ['h1'] }));
    expect(decide(create('prefer', { kind: 'vm-host-should', vms: ['a'], hosts: ['h1'] }), view)).toHaveLength(1);
  });
});

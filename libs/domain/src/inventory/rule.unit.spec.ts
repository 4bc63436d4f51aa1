import type { InventoryEvent } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { clusterSpec, clusterWithHosts, createdVm, hostSpec, ruleSpec, vmSpec } from './inventory.fixtures.js';
import { ruleDecider } from './rule.js';
import type { RuleCommand } from './rule.js';
import type { InventoryView } from './view.js';

const rules = spec(ruleDecider);
const base: InventoryEvent[] = [
  ...clusterWithHosts(3),
  ...['a', 'b', 'c'].flatMap((id) => createdVm(id, vmSpec(`vm-${id}`, 'c1'), 'h1')),
  { type: 'ClusterCreated', data: { clusterId: 'c2', spec: clusterSpec({ name: 'dev' }) } },
  { type: 'HostAdded', data: { hostId: 'x1', clusterId: 'c2', spec: hostSpec('dev-host') } },
  ...createdVm('x', vmSpec('vm-x', 'c2'), 'x1'),
];
const create = (ruleId: string, spec: Record<string, unknown>): RuleCommand => ({ type: 'CreateRule', ruleId, clusterId: 'c1', spec: ruleSpec({ name: ruleId, ...spec }) });
const apply = (view: InventoryView, command: RuleCommand) => rules.givenState(view).when(command).result();
const withBase = () => rules.given(base);

describe('rule decider (F12)', () => {
  it('creates an affinity rule for 2 VMs: RuleCreated, indexed in the cluster', () => {
    const view = withBase().when(create('r1', { kind: 'vm-affinity', vms: ['a', 'b'] }))
      .then([{ type: 'RuleCreated', data: { ruleId: 'r1', clusterId: 'c1', spec: ruleSpec({ name: 'r1', kind: 'vm-affinity', vms: ['a', 'b'] }) } }]);
    expect(view.clusters.c1).toMatchObject({ ruleCount: 1, ruleNames: { r1: 'r1' } });
  });

  it('shape: affinity with 1 VM, vm-host-must without hosts, anti-affinity with hosts are invalid', () => {
    const view = withBase();
    view.when(create('r', { kind: 'vm-affinity', vms: ['a'] })).thenThrows('invalid');
    const noHosts = view.when(create('r', { kind: 'vm-host-must', vms: ['a'] })).thenThrows('invalid');
    expect(noHosts.details.errors).toEqual([{ path: 'hosts', message: 'vm-host-must needs at least 1 host' }]);
    view.when(create('r', { kind: 'vm-anti-affinity', vms: ['a', 'b'], hosts: ['h1'] })).thenThrows('invalid');
  });

  it('a VM of cluster dev in a rule of cluster prod is not-found, naming both', () => {
    const error = withBase().when(create('r', { kind: 'vm-affinity', vms: ['a', 'x'] })).thenThrows('not-found');
    expect(error.message).toBe('rule r: vm x not found in cluster prod');
    withBase().when(create('r', { kind: 'vm-host-must', vms: ['a'], hosts: ['x1'] })).thenThrows('not-found');
  });

  it('a second rule named r1 is refused naming it; deleting r1 frees the name', () => {
    const { state: view } = apply(withBase().state, create('r1', { kind: 'vm-affinity', vms: ['a', 'b'] }));
    const duplicate: RuleCommand = { type: 'CreateRule', ruleId: 'r2', clusterId: 'c1', spec: ruleSpec({ name: 'r1', kind: 'vm-affinity', vms: ['b', 'c'] }) };
    const error = rules.givenState(view).when(duplicate).thenThrows('conflict', { rule: 'rule.name' });
    expect(error.message).toContain("'r1'");
    apply(view, { type: 'DeleteRule', ruleId: 'r1' });
    expect(view.clusters.c1).toMatchObject({ ruleCount: 0, ruleNames: {} });
    rules.givenState(view).when({ type: 'DeleteRule', ruleId: 'r1' }).thenThrows('not-found');
  });

  it('affinity {a,b,c} then anti-affinity {b,c} contradicts: b and c cannot be together and apart', () => {
    const { state: view } = apply(withBase().state, create('together', { kind: 'vm-affinity', vms: ['a', 'b', 'c'] }));
    const error = rules.givenState(view).when(create('apart', { kind: 'vm-anti-affinity', vms: ['b', 'c'] }))
      .thenThrows('conflict', { rule: 'rules.contradiction', ruleIds: ['together'] });
    expect(error.message).toContain('b and c');
  });

  it('anti-affinity sharing only 1 VM with an affinity rule is fine: {a,b} together, {b,c} apart', () => {
    const { state: view } = apply(withBase().state, create('together', { kind: 'vm-affinity', vms: ['a', 'b'] }));
    expect(apply(view, create('apart', { kind: 'vm-anti-affinity', vms: ['b', 'c'] })).events).toHaveLength(1);
  });

  it('a must {h1} and a must-not {h1} on VM a leave it no host: contradiction', () => {
    const { state: view } = apply(withBase().state, create('pin', { kind: 'vm-host-must', vms: ['a'], hosts: ['h1'] }));
    const error = rules.givenState(view).when(create('ban', { kind: 'vm-host-must-not', vms: ['a', 'b'], hosts: ['h1'] }))
      .thenThrows('conflict', { rule: 'rules.contradiction' });
    expect(error.message).toContain('VM a');
    expect(apply(view, create('ban', { kind: 'vm-host-must-not', vms: ['a'], hosts: ['h2'] })).events).toHaveLength(1);
  });

  it('affinity {a,b} with a pinned to h1 and b pinned to h2 has no common host: contradiction', () => {
    const { state: view } = apply(withBase().state, create('pin-a', { kind: 'vm-host-must', vms: ['a'], hosts: ['h1'] }));
    apply(view, create('pin-b', { kind: 'vm-host-must', vms: ['b'], hosts: ['h2', 'h3'] }));
    const error = rules.givenState(view).when(create('together', { kind: 'vm-affinity', vms: ['a', 'b'] })).thenThrows('conflict');
    expect(error.message).toContain('no allowed host in common');
  });

  it('should rules never contradict: vm-host-should {h1} next to must-not {h1}', () => {
    const { state: view } = apply(withBase().state, create('ban', { kind: 'vm-host-must-not', vms: ['a'], hosts: ['h1'] }));
    expect(apply(view, create('prefer', { kind: 'vm-host-should', vms: ['a'], hosts: ['h1'] })).events).toHaveLength(1);
  });
});

// Rule-group decider (F12): VM-VM affinity / anti-affinity, VM-host must / should / must-not.
//
// API: ruleDecider: Decider<InventoryView, RuleCommand, InventoryEvent>
//   {type:'CreateRule', ruleId, clusterId, spec: RuleSpec} -> RuleCreated
//   {type:'DeleteRule', ruleId}                            -> RuleDeleted
//   isMustRule(kind): boolean                              every kind but vm-host-should binds
// Refusals: invalid (shape: vm-host-* need hosts, VM-VM kinds need >= 2 VMs and no hosts, no duplicates),
// not-found (a VM or host outside the cluster), rule.exists, rule.name, rules.contradiction (against the must rules
// in force: an affinity pair also anti-affine; a VM left with no allowed host by its must / must-not rules; an
// affinity group whose VMs have no allowed host in common).
// Contradiction checks look only at rules sharing a VM with the new one: O(size of those rules).
// rules.brokenByPlacement: a must rule the current placement breaks (rule-compliance.ts).
import { conflict, invalid, notFound } from '@virtsim/contracts';
import type { InventoryEvent, RuleSpec } from '@virtsim/contracts';
import type { Decider } from '../shared/decider.js';
import { requireCluster, requireRule } from './lookup.js';
import { assertPlacementComplies } from './rule-compliance.js';
import { emptyInventory, evolveInventory } from './view.js';
import type { ClusterView, InventoryView, RuleView } from './view.js';
import { own } from '../shared/record.js';

export type RuleCommand =
  | { type: 'CreateRule'; ruleId: string; clusterId: string; spec: RuleSpec }
  | { type: 'DeleteRule'; ruleId: string };

export const isMustRule = (kind: RuleSpec['kind']): boolean => kind !== 'vm-host-should';

export const ruleDecider: Decider<InventoryView, RuleCommand, InventoryEvent> = {
  initialState: emptyInventory,
  evolve: evolveInventory,
  decide: (command, view) => {
    switch (command.type) {
      case 'CreateRule': return createRule(view, command.ruleId, command.clusterId, command.spec);
      case 'DeleteRule': {
        const rule = requireRule(view, command.ruleId);
        return [{ type: 'RuleDeleted', data: { ruleId: rule.id, clusterId: rule.clusterId } }];
      }
    }
  },
};

function createRule(view: InventoryView, ruleId: string, clusterId: string, spec: RuleSpec): InventoryEvent[] {
  const cluster = requireCluster(view, clusterId);
  if (own(view.rules, ruleId)) throw conflict('rule.exists', `rule ${ruleId} already exists`, { ruleId });
  const owner = own(cluster.ruleNames, spec.name);
  if (owner !== undefined) {
    throw conflict('rule.name', `cluster ${cluster.spec.name} already has a rule named '${spec.name}' (${owner})`, { name: spec.name, ruleId: owner });
  }
  assertShape(spec);
  assertMembers(cluster, spec);
  if (isMustRule(spec.kind)) assertNoContradiction(view, cluster, { id: ruleId, clusterId, spec, compliance: { compliant: true, vmIds: [], reason: null, since: null } });
  if (isMustRule(spec.kind)) assertPlacementComplies(view, ruleId, spec);
  return [{ type: 'RuleCreated', data: { ruleId, clusterId, spec } }];
}

function assertShape(spec: RuleSpec): void {
  const hosts = spec.hosts ?? [];
  const vmVm = spec.kind === 'vm-affinity' || spec.kind === 'vm-anti-affinity';
  const errors = [
    vmVm && spec.vms.length < 2 ? { path: 'vms', message: `${spec.kind} needs at least 2 VMs, got ${spec.vms.length}` } : null,
    vmVm && hosts.length > 0 ? { path: 'hosts', message: `${spec.kind} takes no hosts` } : null,
    !vmVm && hosts.length === 0 ? { path: 'hosts', message: `${spec.kind} needs at least 1 host` } : null,
    new Set(spec.vms).size !== spec.vms.length ? { path: 'vms', message: 'a VM is listed twice' } : null,
    new Set(hosts).size !== hosts.length ? { path: 'hosts', message: 'a host is listed twice' } : null,
  ].filter((e): e is { path: string; message: string } => e !== null);
  if (errors.length > 0) throw invalid(`rule ${spec.name}: ${errors.map((e) => e.message).join('; ')}`, errors);
}

function assertMembers(cluster: ClusterView, spec: RuleSpec): void {
  for (const vmId of spec.vms) {
    if (!own(cluster.vmIds, vmId)) throw memberNotFound('vm', vmId, cluster, spec);
  }
  for (const hostId of spec.hosts ?? []) {
    if (!own(cluster.hostIds, hostId)) throw memberNotFound('host', hostId, cluster, spec);
  }
}

const memberNotFound = (what: 'vm' | 'host', id: string, cluster: ClusterView, spec: RuleSpec) => {
  const error = notFound(what, id);
  error.message = `rule ${spec.name}: ${what} ${id} not found in cluster ${cluster.spec.name}`;
  return error;
};

function assertNoContradiction(view: InventoryView, cluster: ClusterView, added: RuleView): void {
  const related = relatedMustRules(view, cluster, added);
  const rules = [...related, added];
  const allowed = allowedHosts(cluster, rules);
  const contradiction = (message: string, ruleIds: string[]) =>
    conflict('rules.contradiction', `rule ${added.spec.name} contradicts ${message}`, { ruleIds });
  for (const rule of related) {
    const pair = sharedPair(rule, added);
    if (pair) throw contradiction(`rule ${rule.spec.name}: VMs ${pair.join(' and ')} would have to be together and apart`, [rule.id]);
  }
  for (const [vmId, hosts] of Object.entries(allowed)) {
    if (hosts.size === 0) throw contradiction(`the host rules of VM ${vmId}: no host is left for it`, ruleIdsOf(rules, vmId));
  }
  for (const rule of rules.filter((r) => r.spec.kind === 'vm-affinity')) {
    const common = rule.spec.vms.map((id) => own(allowed, id)).filter((s): s is Set<string> => s !== undefined).reduce(intersect, null);
    if (common !== null && common.size === 0) {
      throw contradiction(`affinity rule ${rule.spec.name}: its VMs have no allowed host in common`, [rule.id]);
    }
  }
}

function relatedMustRules(view: InventoryView, cluster: ClusterView, added: RuleView): RuleView[] {
  const vms = new Set(added.spec.vms);
  return Object.keys(cluster.ruleIds).sort()
    .map((id) => view.rules[id]!)
    .filter((rule) => isMustRule(rule.spec.kind) && rule.spec.vms.some((vm) => vms.has(vm)));
}

function sharedPair(a: RuleView, b: RuleView): [string, string] | null {
  const kinds = new Set([a.spec.kind, b.spec.kind]);
  if (!kinds.has('vm-affinity') || !kinds.has('vm-anti-affinity')) return null;
  const inA = new Set(a.spec.vms);
  const shared = b.spec.vms.filter((vm) => inA.has(vm)).sort();
  return shared.length >= 2 ? [shared[0]!, shared[1]!] : null;
}

/** Per VM named by a host rule: the cluster's hosts, narrowed by must rules and minus must-not hosts. */
function allowedHosts(cluster: ClusterView, rules: RuleView[]): Record<string, Set<string>> {
  const allowed: Record<string, Set<string>> = {};
  const all = Object.keys(cluster.hostIds);
  for (const rule of rules) {
    if (rule.spec.kind !== 'vm-host-must' && rule.spec.kind !== 'vm-host-must-not') continue;
    const hosts = new Set(rule.spec.hosts ?? []);
    for (const vmId of rule.spec.vms) {
      const current = own(allowed, vmId) ?? new Set(all);
      allowed[vmId] = new Set([...current].filter((h) => (rule.spec.kind === 'vm-host-must') === hosts.has(h)));
    }
  }
  return allowed;
}

function intersect(acc: Set<string> | null, next: Set<string>): Set<string> {
  return acc === null ? next : new Set([...acc].filter((h) => next.has(h)));
}

const ruleIdsOf = (rules: RuleView[], vmId: string): string[] => rules.filter((r) => r.spec.vms.includes(vmId)).map((r) => r.id);

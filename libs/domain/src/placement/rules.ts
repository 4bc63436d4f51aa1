// Rule groups (F12): VM-VM affinity / anti-affinity, VM-host must / must-not / should.
//
//   addRule(state, ruleId, clusterId, spec) / removeRule(state, ruleId)      (evolve; mutating)
//   breaksMustRule(state, vmId, hostId, migrations) -> ruleId | null          (placement 'rules' filter)
//   brokenShouldRules(state, vmId, hostId) -> ruleId[]                        (weigher preference)
//   hostRuleVerdict(spec, hostId) -> 'barred' | 'should-broken' | null        (VM-host rules; also HA's capacity model)
//   ruleViolations(state, clusterId, counts?) -> RuleViolation[]  (alias violations)  (DRS priority 1 / 2, HA, B6, compliance)
//
// Must rules always hold; should rules give way only when nothing else fits (HA.md 5).
// Anti-affinity counts an in-flight migration's source and target hosts as taken until the move ends.
import type { RuleSpec } from '@virtsim/contracts';
import type { InFlightMigration, PlacementState, PlacementVm } from './model.js';
import { own } from '../shared/record.js';

export type RuleSeverity = 'must' | 'should';
export interface RuleViolation {
  ruleId: string;
  ruleName: string;
  kind: RuleSpec['kind'];
  severity: RuleSeverity;
  /** VMs that are where the rule says they must not be, sorted */
  vmIds: string[];
  /** for affinity: the host holding most members, where the others should go */
  hostId: string | null;
}

export const ruleSeverity = (kind: RuleSpec['kind']): RuleSeverity => (kind === 'vm-host-should' ? 'should' : 'must');

/** What a VM-host rule says of hostId: must / must-not bar it, a should rule it misses is broken; null for
 *  VM-VM rules and for a host the rule accepts. */
export function hostRuleVerdict(spec: Pick<RuleSpec, 'kind' | 'hosts'>, hostId: string): 'barred' | 'should-broken' | null {
  const listed = (spec.hosts ?? []).includes(hostId);
  if (spec.kind === 'vm-host-must') return listed ? null : 'barred';
  if (spec.kind === 'vm-host-must-not') return listed ? 'barred' : null;
  if (spec.kind === 'vm-host-should') return listed ? null : 'should-broken';
  return null;
}

export function addRule(state: PlacementState, ruleId: string, clusterId: string, spec: RuleSpec): void {
  const hostCounts: Record<string, number> = {};
  for (const vmId of spec.vms) {
    const ids = own(state.vmRules, vmId) ?? [];
    if (!ids.includes(ruleId)) state.vmRules[vmId] = [...ids, ruleId].sort();
    const hostId = state.vms[vmId]?.hostId;
    if (hostId) hostCounts[hostId] = (hostCounts[hostId] ?? 0) + 1;
  }
  state.rules[ruleId] = { id: ruleId, clusterId, spec, hostCounts, compliance: { compliant: true, vmIds: [] } };
}

export function removeRule(state: PlacementState, ruleId: string): void {
  const rule = own(state.rules, ruleId);
  if (!rule) return;
  for (const vmId of rule.spec.vms) {
    const rest = (own(state.vmRules, vmId) ?? []).filter((id) => id !== ruleId);
    if (rest.length > 0) state.vmRules[vmId] = rest;
    else delete state.vmRules[vmId];
  }
  delete state.rules[ruleId];
}

/** Members of the rule other than vmId placed on hostId. */
function othersOn(state: PlacementState, ruleId: string, vmId: string, hostId: string): number {
  const n = state.rules[ruleId]?.hostCounts[hostId] ?? 0;
  return n - (state.vms[vmId]?.hostId === hostId ? 1 : 0);
}

function takenByMigration(state: PlacementState, ruleId: string, vmId: string, hostId: string, migrations: readonly InFlightMigration[]): boolean {
  return migrations.some((m) => m.vmId !== vmId && (m.sourceHostId === hostId || m.targetHostId === hostId)
    && (state.vmRules[m.vmId] ?? []).includes(ruleId));
}

/** The first must rule (by id) that placing vmId on hostId would break, or null. */
export function breaksMustRule(state: PlacementState, vmId: string, hostId: string, migrations: readonly InFlightMigration[] = []): string | null {
  for (const ruleId of state.vmRules[vmId] ?? []) {
    const rule = own(state.rules, ruleId);
    if (!rule) continue;
    const { kind } = rule.spec;
    if (hostRuleVerdict(rule.spec, hostId) === 'barred') return ruleId;
    if (kind === 'vm-anti-affinity') {
      if (othersOn(state, ruleId, vmId, hostId) > 0 || takenByMigration(state, ruleId, vmId, hostId, migrations)) return ruleId;
    }
    if (kind === 'vm-affinity' && affinityElsewhere(state, ruleId, vmId, hostId)) return ruleId;
  }
  return null;
}

/** True when other members of the affinity group are placed, none of them on hostId. */
function affinityElsewhere(state: PlacementState, ruleId: string, vmId: string, hostId: string): boolean {
  const own = state.vms[vmId]?.hostId ?? null;
  let othersPlaced = 0;
  for (const [h, n] of Object.entries(state.rules[ruleId]!.hostCounts)) othersPlaced += n - (h === own ? 1 : 0);
  return othersPlaced > 0 && othersOn(state, ruleId, vmId, hostId) === 0;
}

/** Should rules of the VM that hostId does not satisfy. */
export function brokenShouldRules(state: PlacementState, vmId: string, hostId: string): string[] {
  const ruleIds = state.vmRules[vmId];
  if (!ruleIds) return [];
  const out: string[] = [];
  for (const ruleId of ruleIds) {
    const rule = own(state.rules, ruleId);
    if (rule && hostRuleVerdict(rule.spec, hostId) === 'should-broken') out.push(ruleId);
  }
  return out;
}

/** Every rule of the cluster that its placed VMs break now, sorted by rule id. O(sum of rule sizes).
 *  counts: which placed VMs count (default all; compliance counts only those that hold their host). */
export function ruleViolations(state: PlacementState, clusterId: string, counts: (vm: PlacementVm) => boolean = () => true): RuleViolation[] {
  const out: RuleViolation[] = [];
  const rules = Object.values(state.rules).filter((r) => r.clusterId === clusterId).sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const rule of rules) {
    const { kind, hosts = [], vms } = rule.spec;
    const placed = vms.map((id) => state.vms[id]).filter((v) => v?.hostId && counts(v)).map((v) => ({ id: v!.id, hostId: v!.hostId! }));
    let bad: string[] = [];
    let target: string | null = null;
    if (kind === 'vm-host-must' || kind === 'vm-host-should') bad = placed.filter((v) => !hosts.includes(v.hostId)).map((v) => v.id);
    if (kind === 'vm-host-must-not') bad = placed.filter((v) => hosts.includes(v.hostId)).map((v) => v.id);
    if (kind === 'vm-anti-affinity') {
      // The first member (by id) on a crowded host may stay; the others must leave.
      const seen = new Set<string>();
      for (const v of [...placed].sort((a, b) => (a.id < b.id ? -1 : 1))) {
        if (seen.has(v.hostId)) bad.push(v.id);
        seen.add(v.hostId);
      }
    }
    if (kind === 'vm-affinity') {
      const counted: Record<string, number> = {};
      for (const v of placed) counted[v.hostId] = (counted[v.hostId] ?? 0) + 1;
      target = majorityHost(counted);
      bad = placed.filter((v) => v.hostId !== target).map((v) => v.id);
    }
    if (bad.length > 0) out.push({ ruleId: rule.id, ruleName: rule.spec.name, kind, severity: ruleSeverity(kind), vmIds: bad.sort(), hostId: target });
  }
  return out;
}

/** Alias named after the brief (F12 helpers): every must / should violation of a cluster. */
export const violations = ruleViolations;

/** Host with most members; ties to the smallest host id for determinism. */
function majorityHost(counts: Record<string, number>): string | null {
  let best: string | null = null;
  for (const h of Object.keys(counts).sort()) if (best === null || counts[h]! > counts[best]!) best = h;
  return best;
}

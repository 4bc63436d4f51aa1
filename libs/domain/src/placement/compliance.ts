// F12 rule compliance, recorded when it changes (issue 15): the scheduler runs this every tick, so a rule is
// checked after it is created and after every placement change (placement, power-on, migration, HA restart).
//
//   ruleComplianceEvents(state, clusterId, simTime) -> RuleComplianceChanged[]   (pure; fold them back)
//
// Only VMs that hold their host count (starting, running, migrating, stopping, suspended), as at rule creation
// (inventory/rule-compliance.ts): a stopped VM breaks nothing until it runs. A must rule can break after its
// creation (a stopped member powered on where another runs; a rule nothing could honour during an HA outage);
// a should rule breaks whenever placement or HA had no other host (HA.md 5). DRS repairs what it can: must rules
// at priority 1, should rules at priority 2 (drs.ts mandatoryMoves / shouldRuleReturns).
import type { PlacementDecisionEvent, VmState } from '@virtsim/contracts';
import type { PlacementState, PlacementVm } from './model.js';
import { ruleViolations, type RuleViolation } from './rules.js';

export type RuleComplianceChanged = Extract<PlacementDecisionEvent, { type: 'RuleComplianceChanged' }>;

const HOLDS_HOST: ReadonlySet<VmState> = new Set(['starting', 'running', 'migrating', 'stopping', 'suspended']);
export const holdsHost = (vm: PlacementVm): boolean => HOLDS_HOST.has(vm.state);

const sameIds = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((id, i) => id === b[i]);

function why(state: PlacementState, v: RuleViolation): string {
  const vms = v.vmIds.join(', ');
  const hostName = v.hostId ? (state.hosts[v.hostId]?.name ?? v.hostId) : null;
  const what: Record<RuleViolation['kind'], string> = {
    'vm-anti-affinity': `sharing a host with another member: ${vms}`,
    'vm-affinity': `apart from the group's host ${hostName}: ${vms}`,
    'vm-host-must': `outside the rule's hosts: ${vms}`,
    'vm-host-must-not': `on a host the rule forbids: ${vms}`,
    'vm-host-should': `outside the preferred hosts: ${vms}`,
  };
  const repair = v.severity === 'must' ? 'DRS moves them at priority 1 where a host fits' : 'DRS brings them back at priority 2 when a preferred host fits';
  return `${v.severity} rule ${v.ruleName} is not compliant, ${what[v.kind]}; ${repair}`;
}

/** One event per rule of the cluster whose compliance (or set of breaking VMs) differs from the recorded one. */
export function ruleComplianceEvents(state: PlacementState, clusterId: string, simTime: number): RuleComplianceChanged[] {
  const now = new Map(ruleViolations(state, clusterId, holdsHost).map((v) => [v.ruleId, v] as const));
  const out: RuleComplianceChanged[] = [];
  const ruleIds = Object.keys(state.rules).filter((id) => state.rules[id]!.clusterId === clusterId).sort();
  for (const ruleId of ruleIds) {
    const rule = state.rules[ruleId]!;
    const v = now.get(ruleId);
    const vmIds = v?.vmIds ?? [];
    if (rule.compliance.compliant === !v && sameIds(rule.compliance.vmIds, vmIds)) continue;
    const severity = rule.spec.kind === 'vm-host-should' ? 'should' : 'must';
    const reason = v ? why(state, v) : `${severity} rule ${rule.spec.name} is compliant again`;
    out.push({ type: 'RuleComplianceChanged', data: { clusterId, ruleId, ruleName: rule.spec.name, severity, compliant: !v, vmIds, reason, simTime } });
  }
  return out;
}

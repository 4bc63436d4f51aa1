// Placement decision events, owned by the scheduler (placement, DRS, DPM).
// Where a VM runs (VmPlaced, VmPlacementReleased, VmRelocated, NumaPlacement) is in inventory.ts as PlacementEvent;
// this file holds the scheduler's own decisions and recommendations: PlacementDecisionEvent.
import type { EventOf } from './envelope.js';

/** Host filters of the placement pipeline, in the fixed order they run. */
export type PlacementFilterName =
  | 'excluded' | 'power' | 'maintenance' | 'cpu-mode' | 'vcpus' | 'cpu-capacity' | 'memory' | 'huge-pages'
  | 'numa' | 'rules' | 'imc' | 'devices' | 'datastores';

/** How many hosts one filter rejected; each host counts only under its first rejecting filter. */
export interface PlacementFilterRejection { filter: PlacementFilterName; rejected: number }

export type DrsMoveReason = 'maintenance-evacuation' | 'must-rule' | 'should-rule' | 'load-balance';

/** Why DRS recommends a move: the audit trail of B2. Imbalance = standard deviation of host CPU loads (0..1). */
export interface DrsMoveRationale {
  imbalanceBefore: number;
  imbalanceAfter: number;
  /** imbalanceBefore - imbalanceAfter */
  benefit: number;
  /** migration cost in the same unit as benefit (see drs.ts: per GiB of memory to copy) */
  cost: number;
  /** 1 mandatory (must rules, maintenance) .. 5 smallest gain; applied when priority <= cluster threshold */
  priority: number;
  reason: DrsMoveReason;
  /** the rule corrected, for must-rule / should-rule moves */
  ruleId: string | null;
}

/** Where cluster CPU utilization sits relative to the DPM band lowPercent..highPercent. */
export type DpmBand = 'below' | 'within' | 'above';
export type DpmHeldWhy = 'ha-reserve' | 'evacuation' | 'capacity';

export interface DpmEvacuation { vmId: string; toHostId: string }

export type PlacementDecisionEvent =
  | EventOf<'PlacementRefused', { vmId: string; clusterId: string; filters: PlacementFilterRejection[]; reason: string }>
  /** recommendationId: `drs-<clusterId>-<simTime>-<n>` (n = 1-based order in the pass); a new pass supersedes the previous one's */
  | EventOf<'DrsRecommendationMade', { clusterId: string; recommendationId: string; vmId: string; fromHostId: string; toHostId: string; simTime: number; rationale: DrsMoveRationale }>
  /** handed to the migration service (manual: scheduler.drs-apply; automatic: the DRS pass itself) */
  | EventOf<'DrsRecommendationApplied', { clusterId: string; recommendationId: string; vmId: string; fromHostId: string; toHostId: string; migrationId: string | null; automatic: boolean; simTime: number }>
  /** the migration service refused it */
  | EventOf<'DrsRecommendationFailed', { clusterId: string; recommendationId: string; vmId: string; reason: string; simTime: number }>
  /** "why not" (issue 19): DRS automation is manual, so the moves this pass recommended are not made until an
   *  operator applies them (one per pass that recommends any) */
  | EventOf<'DrsMovesAwaitOperator', { clusterId: string; simTime: number; recommendationIds: string[]; reason: string }>
  /** a DRS pass found nothing to do: the previous pass's pending recommendations are void */
  | EventOf<'DrsRecommendationsSuperseded', { clusterId: string; recommendationIds: string[]; simTime: number }>
  // utilizationPercent is CPU; memoryPercent (memory demand / memory for VMs) is absent from events written before
  // DPM weighed memory (issue 15)
  | EventOf<'DpmBandChanged', { clusterId: string; band: DpmBand; since: number; utilizationPercent: number; memoryPercent?: number }>
  | EventOf<'DpmHostPowerOffRecommended', { clusterId: string; hostId: string; simTime: number; utilizationPercent: number; memoryPercent?: number; evacuations: DpmEvacuation[]; reason: string }>
  | EventOf<'DpmHostPowerOnRecommended', { clusterId: string; hostId: string; simTime: number; utilizationPercent: number; memoryPercent?: number; reason: string }>
  /** "why not" (issue 19): the cluster has been idle long enough but DPM powers no host off. why: ha-reserve (the
   *  host it would choose is needed for HA admission control), evacuation (its VMs cannot all move), capacity (the
   *  other hosts would be over highPercent). hostId: the host DPM would have chosen (null: no host). Said once
   *  until the band, the reason or the host changes. */
  | EventOf<'DpmHostPowerOffHeld', { clusterId: string; hostId: string | null; simTime: number; utilizationPercent: number; memoryPercent: number; why: DpmHeldWhy; reason: string }>
  /** automatic DPM gave up powering the host off (evacuation refused, cluster left the low band) */
  | EventOf<'DpmHostPowerOffCancelled', { clusterId: string; hostId: string; simTime: number; reason: string }>
  /** F12: a rule's compliance changed (the scheduler checks every rule each tick): compliant false names the VMs
   *  that break it now (a changed set is a new event too), compliant true says it holds again */
  | EventOf<'RuleComplianceChanged', { clusterId: string; ruleId: string; ruleName: string; severity: 'must' | 'should'; compliant: boolean; vmIds: string[]; reason: string; simTime: number }>;

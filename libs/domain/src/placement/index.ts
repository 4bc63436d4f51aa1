// Placement bounded context (scheduler side): capacity accounting (P1), NUMA (P4/F6), IMC filter (F11),
// rule groups (F12), placement (F13 step "place"), DRS (F9), DPM (F10). Pure functions over plain JSON state.
//
// Driving it from the scheduler shell:
//   state = placementDecider.initialState(); feed every InventoryEvent + PlacementEvent + PlacementDecisionEvent
//   of the cluster through evolvePlacement (mutates in place, O(1) per event); call setHostAvailable(state, hostId,
//   bool) when HA declares a host failed / isolated / back.
//   Requests: decide({type:'PlaceVm', vmId, spec, excludeHosts?, preferHost?, weigher?, migrations?}) -> [VmPlaced]
//             or VirtsimError unprocessable 'placement.noHost' {filters:[{filter, rejected}]} (HTTP 422);
//             placeVm(state, request) for HA restarts / migration targets (returns the decision, no event).
//   Every tick: decide({type:'EvaluateDpm', clusterId, simTime, demandMhz?}) -> DPM events.
//   Every 300 s: decide({type:'RecommendDrs', clusterId, simTime, demandMhz?, migrations?}) -> DrsRecommendationMade[].
//   Queries: ruleViolations(state, clusterId), numaCostFactor(numa), clusterLoad / imbalanceOf (metrics).
export * from './model.js';
export { applyGuestToolsInstalled, applyHaVerdict, evolvePlacement, setHostAvailable, type PlacementInput } from './evolve.js';
export { attachVm, detachVm, scratchCopy, hugePagesDemandMiB } from './accounting.js';
export { numaPlacementFor, numaCostFactor, remoteMemoryShare, nodesNeeded, DEFAULT_REMOTE_MEMORY_FACTOR } from './numa.js';
export { vgpuSlicesPerGpu, assignGpus } from './devices.js';
export { PLACEMENT_FILTERS, checkHost, type FilterContext, type HostCheck } from './filters.js';
export { breaksMustRule, brokenShouldRules, hostRuleVerdict, ruleViolations, violations, ruleSeverity, type RuleViolation, type RuleSeverity } from './rules.js';
export { placeVm, vmPlacedEvent, loadAfterPlacement, type PlaceVmRequest, type PlacementDecision, type PlacementWeigher } from './place.js';
export * from './drs-load.js';
export { recommendDrs, drsAwaitingOperator, drsRecommendationEvents, drsRecommendationId, type DrsOptions, type DrsRecommendation } from './drs.js';
export { evaluateDpm, dpmMemoryDemandMiB, DPM_BELOW_SECONDS, DPM_ABOVE_SECONDS, DPM_IDLE_MEMORY_SHARE, type DpmOptions, type DpmResult } from './dpm.js';
export { placementDecider, decidePlacement, type PlacementCommand, type PlacementOutput } from './decider.js';
export { holdsHost, ruleComplianceEvents, type RuleComplianceChanged } from './compliance.js';

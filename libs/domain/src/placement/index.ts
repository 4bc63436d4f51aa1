// Placement bounded context (scheduler): capacity accounting, NUMA, rules, placement, DRS, DPM. Pure functions.
export * from './model.js';
export { evolvePlacement, setHostAvailable, type PlacementInput } from './evolve.js';
export { attachVm, detachVm, scratchCopy, hugePagesDemandMiB } from './accounting.js';
export { numaPlacementFor, numaCostFactor, remoteMemoryShare, nodesNeeded, DEFAULT_REMOTE_MEMORY_FACTOR } from './numa.js';
export { vgpuSlicesPerGpu, assignGpus } from './devices.js';
export { PLACEMENT_FILTERS, checkHost, type FilterContext, type HostCheck } from './filters.js';
export { breaksMustRule, brokenShouldRules, ruleViolations, ruleSeverity, type RuleViolation, type RuleSeverity } from './rules.js';
export { placeVm, vmPlacedEvent, loadAfterPlacement, type PlaceVmRequest, type PlacementDecision, type PlacementWeigher } from './place.js';
export * from './drs-load.js';
export { recommendDrs, drsRecommendationEvents, type DrsOptions, type DrsRecommendation } from './drs.js';
export { evaluateDpm, DPM_BELOW_SECONDS, DPM_ABOVE_SECONDS, type DpmOptions, type DpmResult } from './dpm.js';
export { placementDecider, decidePlacement, type PlacementCommand, type PlacementOutput } from './decider.js';

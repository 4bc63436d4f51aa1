// HA (F7, C2, HA.md 1-9), pure domain of the ha-monitor. One HaState per cluster.
//
// Drive it from the shell:
//  - state: foldHa(events) over inventory (Cluster*, Host*, Vm*, Rule*), placement (VmPlaced, VmRelocated,
//    VmPlacementReleased) and HA events, in global order; evolveHa for one event (pure), evolveHaInPlace for a
//    projection that owns its state (mutates, O(1)). Other events are ignored.
//  - REST faults: decideHa({type:'InjectHostFault'|'RecoverHost'|'InjectVmFault', ..., simTime}, state).
//  - each clock tick (phase ha-monitor): haTick(state, {simTime, tickSeconds, signals?, place}) -> {events, state};
//    `place` is the scheduler: (request, excludeHosts) -> {hostId, brokenShouldRules?} | {refused}.
//  - power-on / create requests: admissionCheck(state, {vmId, name, vcpus, memoryMiB, action}) throws
//    conflict 'ha.admissionControl'; admissionReport(state) for read models.
export { haDecider, decideHa, type HaCommand } from './decider.js';
export { evolveHa, evolveHaInPlace, foldHa, type HaInputEvent } from './evolve.js';
export { HA_EVENT_TYPES } from './apply-ha.js';
export { transferHaVm } from './transfer.js';
export { haTick, decideTick, type HaTick, type HaTickResult } from './tick.js';
export type { InjectHostFault, RecoverHost, InjectVmFault } from './faults.js';
export { derivedSignal, type HaHostSignal, type HaSignals } from './detection.js';
export type { HaPlacer, HaPlacementAnswer, HaRestartRequest } from './restart.js';
export { admissionCheck, admissionReport, admissionUsage, HA_ADMISSION_POLICY, type HaVmDemand, type HaAdmissionReport, type HaResourceAdmission, type HaUsage } from './admission.js';
export {
  haInitialState, byRecoveryOrder, localDatastoreOf,
  HA_DEFAULT_TICK_SECONDS, HA_DEFAULT_FAILURE_DETECTION_SECONDS, HA_DEFAULT_RESTARTS_IN_PLACE, HA_DEFAULT_RESTART_WINDOW_SECONDS, HA_DEFAULT_MAX_RELOCATIONS,
  type HaState, type HaHost, type HaVm, type HaVmFault, type HaHostStatus, type HaVmStatus, type HaPolicyState,
} from './state.js';
export { haProtectionWarning, UNPROTECTED_LISTED, type HaProtectionWarning, type ProtectionVm } from './protection.js';
export { haCapacityPlacer, type HaCapacityOptions, type HaClusterRule } from './capacity-model.js';

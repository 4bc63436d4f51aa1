// Memory context (M1-M5, F4 memory, F5, P4 memory side): host memory accounting and admission, huge pages,
// NUMA per-node figures, per-tick reclamation (sharing, ballooning, swapping) and address translation.
//
// Driving it from memory-manager:
//   state   = evolveAll(state, events)  for ClusterCreated, ClusterPolicyChanged, HostAdded, VmCreationRequested,
//             VmStateChanged, VmDeleted, VmCreationFailed and every MemoryEvent (own events included);
//             evolveInPlace(state, events) when the caller owns the state (a projection), overlay(state) for
//             a copy-on-write scratch that a plan applies its own decisions to
//   command = decideMemory(cmd, state)  ReserveVmMemory | ReleaseVmMemory | MoveVmMemory | GrowVmMemory -> events
//   tick    = planMemoryTick(state, {simTime, tickSeconds, activeMiB?}) -> events (changes only); append, evolve
//   queries = hostMemoryView, vmMemoryView, translate / translateAll (translationView, packed for a list), translationCost
export * from './state.js';
export { evolve, evolveAll, evolveInPlace, foldMemory, newMemHost, overlay } from './evolve.js';
export { decideMemory, memoryDecider, type MemoryCommand } from './decide.js';
export { admit, type MemoryDemand } from './admission.js';
export { ESX_THRESHOLDS, nextFreeState, ballooningAllowed, swappingAllowed, type FreeStateThresholds } from './free-state.js';
export { hypervisorMiB, vmOverheadMiB, vmCapacityMiB, CHUNK_MIB } from './overhead.js';
export { hpaLayout, hostChunk, gpaToHpa, type HpaLayout, type ChunkRuns } from './hpa.js';
export { fitNuma, splitByNodes, singleNode } from './numa.js';
export { pageContentProfile, computeSharing, osKey, type PageContentProfile } from './sharing.js';
export {
  DEFAULT_RECLAIM_CONFIG, balloonCapMiB, hasBalloonDriver, memorySlowdown, distribute, type ReclaimConfig,
} from './reclaim.js';
export { planMemoryTick, activeMemoryOf, type MemoryTickInput } from './tick.js';
export { translate, translateAll, emptyTlb, hex, DEFAULT_TLB_ENTRIES, type TableRead, type TlbState, type Translation, type WalkKind } from './translate.js';
export {
  packTranslations, translationView, unpackTranslations, type PackedTranslations, type TranslationStepView, type TranslationView,
} from './translation-view.js';
export { translationCost, translationModeOf, walkReferences, tlbMissesPerSec, type TranslationCost, type TranslationCostInput } from './translation-cost.js';
export { hostMemoryView, vmMemoryView, type HostMemoryView, type VmMemoryView } from './views.js';
export { hostNumaNodes, splitByWeights, type NumaNodeSize } from './numa-layout.js';

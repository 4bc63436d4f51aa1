// evolve / fold for the HA state of one cluster. Feed it, in global log order: inventory events (ClusterCreated,
// ClusterPolicyChanged, Host*, Vm*, Rule*), placement events (VmPlaced, VmRelocated, VmPlacementReleased) and HA's
// own events. Anything else (other contexts, other clusters) is ignored, so the shell may feed the whole stream.
import type { HaEvent, InventoryEvent, PlacementEvent } from '@virtsim/contracts';
import { applyHa, HA_EVENT_TYPES } from './apply-ha.js';
import { applyInventory } from './apply-inventory.js';
import { draftOf, inPlaceDraft, type HaDraft } from './draft.js';
import { haInitialState, type HaState } from './state.js';

export type HaInputEvent = HaEvent | InventoryEvent | PlacementEvent;

export function applyEvent(d: HaDraft, e: HaInputEvent): void {
  if (HA_EVENT_TYPES.has(e.type)) applyHa(d, e as HaEvent);
  else applyInventory(d, e as InventoryEvent | PlacementEvent);
}

/** Pure: returns a new state, the input is untouched. O(VMs) per call: prefer foldHa for batches. */
export function evolveHa(state: HaState, event: HaInputEvent): HaState {
  const d = draftOf(state);
  applyEvent(d, event);
  return d.state;
}

/** Mutates `state` and returns it: O(1) per event (the ha-monitor projection, which owns its state).
 *  Same outcome as evolveHa. Never call it on a state another holder still reads (e.g. a tick's input). */
export function evolveHaInPlace(state: HaState, event: HaInputEvent): HaState {
  applyEvent(inPlaceDraft(state), event);
  return state;
}

/** Pure fold of a batch (replay, catch-up, given-events in tests): O(events + VMs). */
export function foldHa(events: readonly HaInputEvent[], state: HaState = haInitialState()): HaState {
  const d = draftOf(state);
  for (const e of events) applyEvent(d, e);
  return d.state;
}

// The scheduler's placement decider: commands in, events out; the state is the projection of evolve.ts.
//
//   PlaceVm      -> [VmPlaced]                       refusal: unprocessable 'placement.noHost' (422)
//   ReleaseVm    -> [VmPlacementReleased]            refusal: conflict 'placement.notPlaced'
//   RecommendDrs -> DrsRecommendationMade[]          (every 300 simulated s, caller's timer)
//   EvaluateDpm  -> DpmBandChanged | DpmHost...Recommended   (every tick)
// evolve mutates the state in place (see evolve.ts).
import { conflict, type PlacementDecisionEvent, type PlacementEvent } from '@virtsim/contracts';
import type { Decider } from '../shared/decider.js';
import { evaluateDpm, type DpmOptions } from './dpm.js';
import { drsRecommendationEvents, recommendDrs, type DrsOptions } from './drs.js';
import { evolvePlacement, type PlacementInput } from './evolve.js';
import { initialPlacementState, type PlacementState } from './model.js';
import { placeVm, vmPlacedEvent, type PlaceVmRequest } from './place.js';

export type PlacementCommand =
  | ({ type: 'PlaceVm'; reason?: string } & PlaceVmRequest)
  | { type: 'ReleaseVm'; vmId: string; reason: string }
  | ({ type: 'RecommendDrs' } & DrsOptions)
  | ({ type: 'EvaluateDpm' } & DpmOptions);

export type PlacementOutput = PlacementEvent | PlacementDecisionEvent;

export function decidePlacement(command: PlacementCommand, state: PlacementState): PlacementOutput[] {
  switch (command.type) {
    case 'PlaceVm': {
      const { type: _type, reason, ...request } = command;
      return [vmPlacedEvent(placeVm(state, request), reason ?? 'initial placement')];
    }
    case 'ReleaseVm': {
      const vm = state.vms[command.vmId];
      if (!vm?.hostId) throw conflict('placement.notPlaced', `VM ${vm?.spec.name ?? command.vmId} (${command.vmId}) is not placed on any host`, { vmId: command.vmId });
      return [{ type: 'VmPlacementReleased', data: { vmId: vm.id, clusterId: vm.clusterId, hostId: vm.hostId, reason: command.reason } }];
    }
    case 'RecommendDrs':
      return drsRecommendationEvents(recommendDrs(state, command), command.clusterId, command.simTime);
    case 'EvaluateDpm':
      return evaluateDpm(state, command).events;
  }
}

export const placementDecider: Decider<PlacementState, PlacementCommand, PlacementInput> = {
  initialState: initialPlacementState,
  decide: decidePlacement,
  evolve: evolvePlacement,
};

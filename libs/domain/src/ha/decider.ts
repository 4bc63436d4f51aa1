// The HA decider of one cluster: fault commands, and the per-tick command that detects, fences and restarts.
import type { HaEvent } from '@virtsim/contracts';
import type { Decider } from '../shared/decider.js';
import { decideInjectHostFault, decideInjectVmFault, decideRecoverHost, type InjectHostFault, type InjectVmFault, type RecoverHost } from './faults.js';
import { evolveHa, type HaInputEvent } from './evolve.js';
import { haInitialState, type HaState } from './state.js';
import { decideTick, type HaTick } from './tick.js';

export type HaCommand = InjectHostFault | RecoverHost | InjectVmFault | HaTick;

export function decideHa(command: HaCommand, state: HaState): HaEvent[] {
  switch (command.type) {
    case 'InjectHostFault': return decideInjectHostFault(command, state);
    case 'RecoverHost': return decideRecoverHost(command, state);
    case 'InjectVmFault': return decideInjectVmFault(command, state);
    case 'Tick': return decideTick(command, state);
  }
}

export const haDecider: Decider<HaState, HaCommand, HaInputEvent> = {
  initialState: haInitialState,
  decide: decideHa,
  evolve: evolveHa,
};

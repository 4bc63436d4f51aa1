// Working context of one HA tick: a draft state that each emitted event is applied to at once, so later phases
// (VM monitoring, restarts) see what earlier phases (detection, fencing) decided in the same tick.
import type { HaEvent } from '@virtsim/contracts';
import type { HaDraft } from './draft.js';
import { applyEvent } from './evolve.js';
import type { HaState } from './state.js';

export interface TickContext {
  d: HaDraft;
  events: HaEvent[];
  simTime: number;
  tickSeconds: number;
}

export const stateOf = (ctx: TickContext): HaState => ctx.d.state;
export const baseOf = (ctx: TickContext) => ({ clusterId: ctx.d.state.clusterId ?? '', simTime: ctx.simTime });

export function emit(ctx: TickContext, event: HaEvent): void {
  ctx.events.push(event);
  applyEvent(ctx.d, event);
}

export function runningVmsOn(state: HaState, hostId: string): string[] {
  const ids: string[] = [];
  for (const vm of Object.values(state.vms)) if (vm.hostId === hostId && vm.status === 'running') ids.push(vm.vmId);
  return ids.sort();
}

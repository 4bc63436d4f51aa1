// Working context of one HA tick: a draft state that each emitted event is applied to at once, so later phases
// (VM monitoring, restarts) see what earlier phases (detection, fencing) decided in the same tick.
// The VM Record is scanned once per tick (an 8,000-key object enumerates slowly): the index keeps VM ids by host,
// the faulted and waiting VMs at the start, and `queued` collects VMs made 'waiting' by this tick's events.
import type { HaEvent } from '@virtsim/contracts';
import type { HaDraft } from './draft.js';
import { applyEvent } from './evolve.js';
import type { HaState, HaVm } from './state.js';

export interface TickIndex {
  byHost: Map<string, string[]>;
  faulted: string[];
  waiting: string[];
}

export interface TickContext {
  d: HaDraft;
  events: HaEvent[];
  simTime: number;
  tickSeconds: number;
  index: TickIndex;
  queued: string[];
}

export function indexVms(state: HaState): TickIndex {
  const index: TickIndex = { byHost: new Map(), faulted: [], waiting: [] };
  for (const vmId in state.vms) {
    const vm = state.vms[vmId]!;
    if (vm.hostId !== null) {
      const list = index.byHost.get(vm.hostId);
      if (list) list.push(vmId);
      else index.byHost.set(vm.hostId, [vmId]);
    }
    if (vm.fault) index.faulted.push(vmId);
    if (vm.status === 'waiting') index.waiting.push(vmId);
  }
  return index;
}

export const stateOf = (ctx: TickContext): HaState => ctx.d.state;
export const baseOf = (ctx: TickContext) => ({ clusterId: ctx.d.state.clusterId ?? '', simTime: ctx.simTime });

function queuedBy(event: HaEvent): readonly string[] {
  if (event.type === 'HostFenced' || event.type === 'HostHeartbeatResumed') return event.data.vmIds;
  if (event.type === 'VmFailureDetected' && event.data.action === 'relocate') return [event.data.vmId];
  return [];
}

export function emit(ctx: TickContext, event: HaEvent): void {
  ctx.events.push(event);
  applyEvent(ctx.d, event);
  for (const vmId of queuedBy(event)) ctx.queued.push(vmId);
}

/** The host's VMs (current state) that match, in id order. */
export function vmsOn(ctx: TickContext, hostId: string, match: (vm: HaVm) => boolean): string[] {
  const vms = ctx.d.state.vms;
  return (ctx.index.byHost.get(hostId) ?? []).filter((id) => vms[id]?.hostId === hostId && match(vms[id]!)).sort();
}

export const isRunning = (vm: HaVm) => vm.status === 'running';
export const isDownWithHa = (vm: HaVm) => vm.status === 'down' && vm.haEnabled;
export const isDownWithoutHa = (vm: HaVm) => vm.status === 'down' && !vm.haEnabled;

// Copy-on-write working copy of HaState. A pure evolve that spreads an 8,000-VM Record per event would make replay
// and a 500-restart tick quadratic; a draft copies each Record and each touched record once, so folding a batch
// is O(events + VMs) and the input state is never mutated.
import type { HaHost, HaState, HaVm } from './state.js';

export interface HaDraft {
  state: HaState;
  owned: Pick<WeakSet<object>, 'has' | 'add'>;
}

/** Treats every object as owned: records are mutated where they are (the shell's live projection). */
const OWNS_ALL: Pick<WeakSet<object>, 'has' | 'add'> = { has: () => true, add() { return this as never; } };

/** A draft that writes into `state` itself: O(1) per event, for a projection that owns its state. */
export function inPlaceDraft(state: HaState): HaDraft {
  return { state, owned: OWNS_ALL };
}

export function draftOf(base: HaState): HaDraft {
  const state = { ...base };
  return { state, owned: new WeakSet<object>([state]) };
}

function own<T extends object>(d: HaDraft, o: T): T {
  if (d.owned.has(o)) return o;
  const copy = { ...o };
  d.owned.add(copy);
  return copy;
}

export function mutHost(d: HaDraft, hostId: string): HaHost | undefined {
  const current = d.state.hosts[hostId];
  if (!current) return undefined;
  const hosts = (d.state.hosts = own(d, d.state.hosts));
  return (hosts[hostId] = own(d, current));
}

export function mutVm(d: HaDraft, vmId: string): HaVm | undefined {
  const current = d.state.vms[vmId];
  if (!current) return undefined;
  const vms = (d.state.vms = own(d, d.state.vms));
  return (vms[vmId] = own(d, current));
}

export function putHost(d: HaDraft, host: HaHost): void {
  d.state.hosts = own(d, d.state.hosts);
  d.state.hosts[host.hostId] = host;
  d.owned.add(host);
}

export function putVm(d: HaDraft, vm: HaVm): void {
  d.state.vms = own(d, d.state.vms);
  d.state.vms[vm.vmId] = vm;
  d.owned.add(vm);
}

export function removeVm(d: HaDraft, vmId: string): void {
  if (!d.state.vms[vmId]) return;
  d.state.vms = own(d, d.state.vms);
  delete d.state.vms[vmId];
}

export function setAffinityGroup(d: HaDraft, ruleId: string, vmIds: string[] | null): void {
  d.state.affinityGroups = own(d, d.state.affinityGroups);
  if (vmIds) d.state.affinityGroups[ruleId] = vmIds;
  else delete d.state.affinityGroups[ruleId];
}

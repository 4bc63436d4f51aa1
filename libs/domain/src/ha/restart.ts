// Restart planning for 'waiting' VMs (fenced hosts' VMs, rebooted hosts' VMs, crash relocations).
// Order (HA.md 9): priority high > medium > low, then VM id; a VM-VM affinity group goes as one request at the rank
// of its best member and lands on one host (HA.md 5). The target comes from the scheduler callback: HA does not
// place, so must rules are the callback's to keep and should rules its to break (it reports them).
// Local-storage VMs can only run on their own host: they wait for it (HA.md 3 lasting state, retried each tick).
import type { HaPriority, HaRestartCause, HaWaitKind } from '@virtsim/contracts';
import { baseOf, emit, stateOf, type TickContext } from './tick-context.js';
import { byRecoveryOrder, isRestartTarget, localDatastoreOf, sortedIds, type HaState, type HaVm } from './state.js';

export interface HaRestartRequest {
  /** one VM, or the waiting members of a VM-VM affinity group, in recovery order */
  vms: HaVm[];
  vcpus: number;
  memoryMiB: number;
  priority: HaPriority;
  fromHostId: string;
  cause: HaRestartCause;
  groupId: string | null;
}
export type HaPlacementAnswer = { hostId: string; brokenShouldRules?: string[] } | { refused: string };
/** The scheduler. Each answer with a hostId is a commitment: the callback must count it against that host's
 *  capacity for the rest of the tick. excludeHosts: sorted ids HA will not accept (down, maintenance, tried). */
export type HaPlacer = (request: HaRestartRequest, excludeHosts: readonly string[]) => HaPlacementAnswer;

type Placed = Extract<HaPlacementAnswer, { hostId: string }>;
interface Refusal { waitKind: HaWaitKind; reason: string }
interface Unit { request: HaRestartRequest; home: string }

function affinityIndex(state: HaState): Map<string, string> {
  const index = new Map<string, string>();
  for (const ruleId of sortedIds(state.affinityGroups)) {
    for (const vmId of state.affinityGroups[ruleId]!) if (!index.has(vmId)) index.set(vmId, ruleId);
  }
  return index;
}

function unitsOf(waiting: HaVm[], groupOf: Map<string, string>): Unit[] {
  const byGroup = new Map<string, HaVm[]>();
  const units: Unit[] = [];
  for (const vm of waiting) {
    const groupId = groupOf.get(vm.vmId) ?? null;
    const members = groupId ? byGroup.get(groupId) : undefined;
    if (members) { members.push(vm); continue; }
    const vms = [vm];
    if (groupId) byGroup.set(groupId, vms);
    units.push({ home: vm.hostId!, request: { vms, vcpus: 0, memoryMiB: 0, priority: vm.priority, fromHostId: vm.hostId!, cause: vm.cause ?? 'host-failure', groupId } });
  }
  for (const u of units) {
    u.request.vcpus = u.request.vms.reduce((sum, vm) => sum + vm.vcpus, 0);
    u.request.memoryMiB = u.request.vms.reduce((sum, vm) => sum + vm.memoryMiB, 0);
  }
  return units;
}

function ask(place: HaPlacer, req: HaRestartRequest, exclude: string[]): HaPlacementAnswer {
  const answer = place(req, exclude);
  if ('hostId' in answer && exclude.includes(answer.hostId)) return { refused: `scheduler chose excluded host ${answer.hostId}` };
  return answer;
}

/** Exclusion lists, shared by all units of the tick (hostIds sorted, so are the lists). */
interface Targets { hostIds: string[]; unavailable: Set<string>; down: string[]; allBut: Map<string, string[]> }

function allBut(t: Targets, hostId: string): string[] {
  let list = t.allBut.get(hostId);
  if (!list) t.allBut.set(hostId, (list = t.hostIds.filter((id) => id !== hostId)));
  return list;
}

function choose(state: HaState, unit: Unit, place: HaPlacer, t: Targets): Placed | Refusal {
  const { hostIds, unavailable } = t;
  const home = state.hosts[unit.home];
  const pinned = unit.request.vms.map((vm) => localDatastoreOf(vm, home)).find((ds) => ds !== null);
  const homeUsable = home !== undefined && !unavailable.has(home.hostId);
  if (pinned) {
    const name = home?.name ?? unit.home;
    if (!homeUsable) return { waitKind: 'local-storage', reason: `disks on local datastore ${pinned} of host ${name}: waits for that host to return` };
    const answer = ask(place, unit.request, allBut(t, unit.home));
    return 'hostId' in answer ? answer : { waitKind: 'no-host', reason: `host ${name} is back but cannot take it: ${answer.refused}` };
  }
  const tried = new Set(unit.request.vms.flatMap((vm) => vm.triedHosts));
  if (homeUsable && !tried.has(unit.home)) {
    const answer = ask(place, unit.request, allBut(t, unit.home)); // HA.md 3: back to the original host when it returns
    if ('hostId' in answer) return answer;
  }
  const exclude = tried.size === 0 ? t.down : hostIds.filter((id) => unavailable.has(id) || tried.has(id));
  if (exclude.length === hostIds.length) return { waitKind: 'no-host', reason: `no running, untried host outside maintenance among ${hostIds.length}` };
  const answer = ask(place, unit.request, exclude);
  return 'hostId' in answer ? answer : { waitKind: 'no-host', reason: `no host can take it: ${answer.refused}` };
}

function planReason(req: HaRestartRequest, vm: HaVm, toHostId: string, broken: string[]): string {
  const why: Record<HaRestartCause, string> = {
    'host-failure': `host ${req.fromHostId} failed and was fenced`,
    'host-isolation': `host ${req.fromHostId} was isolated and powered its VMs off`,
    'host-rebooted': `host ${req.fromHostId} rebooted before failure detection`,
    'guest-os-crash': `guest OS crashed ${vm.localRestarts} time(s) in place: relocating to an untried host`,
    'vmm-process-crash': `VMM process crashed ${vm.localRestarts} time(s) in place: relocating to an untried host`,
  };
  const group = req.groupId ? ` with affinity group ${req.groupId}` : '';
  const rules = broken.length ? `; should rules broken: ${broken.join(', ')}` : '';
  return `${why[req.cause]}; restart on ${toHostId}${group}${rules}`;
}

export function runRestarts(ctx: TickContext, place: HaPlacer): void {
  const state = stateOf(ctx);
  const waiting = [...new Set([...ctx.index.waiting, ...ctx.queued])].map((id) => state.vms[id])
    .filter((vm): vm is HaVm => vm?.status === 'waiting' && vm.hostId !== null).sort(byRecoveryOrder);
  if (waiting.length === 0) return;
  const hostIds = sortedIds(state.hosts);
  const down = hostIds.filter((id) => !isRestartTarget(state.hosts[id]!));
  const targets: Targets = { hostIds, unavailable: new Set(down), down, allBut: new Map() };
  const restarts: { vm: HaVm; toHostId: string; cause: HaRestartCause }[] = [];
  for (const unit of unitsOf(waiting, affinityIndex(state))) {
    const result = choose(state, unit, place, targets);
    const req = unit.request;
    for (const vm of req.vms) {
      if ('waitKind' in result) {
        if (vm.waitReason === result.reason) continue;
        emit(ctx, { type: 'VmRestartWaiting', data: { ...baseOf(ctx), vmId: vm.vmId, hostId: vm.hostId!, waitKind: result.waitKind, reason: result.reason } });
        continue;
      }
      const broken = [...(result.brokenShouldRules ?? [])].sort();
      const cause = vm.cause ?? req.cause;
      const data = {
        ...baseOf(ctx), vmId: vm.vmId, fromHostId: vm.hostId!, toHostId: result.hostId, priority: vm.priority,
        order: restarts.length + 1, cause, groupId: req.groupId, brokenShouldRules: broken, reason: planReason({ ...req, cause }, vm, result.hostId, broken),
      };
      emit(ctx, { type: 'VmRestartPlanned', data });
      restarts.push({ vm, toHostId: result.hostId, cause });
    }
  }
  for (const r of restarts) {
    emit(ctx, { type: 'VmRestarted', data: { ...baseOf(ctx), vmId: r.vm.vmId, fromHostId: r.vm.hostId!, hostId: r.toHostId, cause: r.cause } });
  }
}

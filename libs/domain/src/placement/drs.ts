// DRS pass (F9): recommendations to live-migrate VMs, run by the caller every 300 simulated seconds.
//
//   recommendDrs(state, options) -> DrsRecommendation[]      (pure: plans on a scratch copy of the state)
//   drsRecommendationEvents(recs, clusterId, simTime) -> DrsRecommendationMade[]
//
// Order of a pass, each move planned on the state left by the previous ones:
//   priority 1  evacuate running VMs from powered-on hosts in maintenance; fix must-rule violations
//   priority 2  bring VMs back to their vm-host-should hosts once one fits (HA.md 5)     [threshold >= 2]
//   2..5        greedy load balancing while balancePriority(imbalance) <= threshold, at most maxMoves:
//               for each running VM on the most loaded hosts and each less loaded target that passes the
//               placement filters, net = (imbalance reduction) - migration cost (drs-load.ts); take the best net > 0.
// Mandatory and rule moves are not limited by maxMoves: they are corrections, not optimisations.
// VMs with a passthrough GPU (tied to their host, I4) and VMs already migrating are never moved.
import type { DrsMoveReason, DrsMoveRationale, EventOf, PlacementDecisionEvent } from '@virtsim/contracts';
import { attachVm, scratchCopy } from './accounting.js';
import {
  balancePriority, clusterLoad, DEFAULT_COST_PER_GIB, hostLoadOf, imbalanceOf, migrationCopyMiB, migrationCost, migrationGbps, preCopyMiB,
  vmDirtyRateMiBps, vmLoadMhz, type ClusterLoad,
} from './drs-load.js';
import { checkHost, type FilterContext } from './filters.js';
import { clusterPolicy, round3, type InFlightMigration, type PlacementState } from './model.js';
import { placeVm } from './place.js';
import { ruleViolations } from './rules.js';

export interface DrsOptions {
  clusterId: string;
  simTime: number;
  /** vmId -> current CPU demand in MHz (e.g. workloadAt(...).cpuDemandMhz); default: workload nominal */
  demandMhz?: Readonly<Record<string, number>>;
  /** vmId -> Dom0 back-end MHz spent on the VM's I/O (cpu/charged-overhead.ts dom0Mhz), added to its load once */
  systemMhz?: Readonly<Record<string, number>>;
  /** vmId -> page dirty rate in MiB/s; default: workload nominal */
  dirtyRateMiBps?: Readonly<Record<string, number>>;
  migrations?: readonly InFlightMigration[];
  /** 1..5, default the cluster's drs.threshold (3) */
  threshold?: number;
  /** load-balancing moves per pass, default 8 */
  maxMoves?: number;
  costPerGiB?: number;
  /** how many of the most loaded hosts give up VMs per step, default 4 (bounds the search at 8,000 VMs) */
  sourceHosts?: number;
}

export interface DrsRecommendation { vmId: string; fromHostId: string; toHostId: string; rationale: DrsMoveRationale }

interface Pass { state: PlacementState; load: ClusterLoad; options: DrsOptions; recs: DrsRecommendation[]; moving: Set<string> }

function canMove(pass: Pass, vmId: string): boolean {
  const vm = pass.state.vms[vmId];
  return !!vm && vm.state === 'running' && !pass.moving.has(vmId) && !vm.gpus.some((g) => g.mode === 'passthrough');
}

/** Apply a move to the scratch state and the load table, and record it. */
function move(pass: Pass, vmId: string, toHostId: string, reason: DrsMoveReason, priority: number, ruleId: string | null, numa?: Parameters<typeof attachVm>[3]): void {
  const { state, load, options } = pass;
  const vm = state.vms[vmId]!;
  const from = state.hosts[vm.hostId!]!;
  const to = state.hosts[toHostId]!;
  const before = imbalanceOf(state, load);
  const mhz = vmLoadMhz(vm.spec, from, options.demandMhz?.[vmId], options.systemMhz?.[vmId]);
  const cost = migrationCost(migrationCopyMiB(vm, from, to, options.dirtyRateMiBps?.[vmId]), load.hostIds.length, options.costPerGiB);
  attachVm(state, vmId, toHostId, numa ?? null);
  load.mhz[from.id]! -= mhz;
  load.mhz[to.id]! += mhz;
  load.vmsByHost[from.id] = load.vmsByHost[from.id]!.filter((id) => id !== vmId);
  load.vmsByHost[to.id] = [...load.vmsByHost[to.id]!, vmId].sort();
  pass.moving.add(vmId);
  const after = imbalanceOf(state, load);
  pass.recs.push({
    vmId, fromHostId: from.id, toHostId,
    rationale: { imbalanceBefore: round3(before), imbalanceAfter: round3(after), benefit: round3(before - after), cost: round3(cost), priority, reason, ruleId },
  });
}

/** Re-place a VM with the normal placement pipeline; false when no host fits (the violation stays). */
function replace(pass: Pass, vmId: string, reason: DrsMoveReason, priority: number, ruleId: string | null, opts: { preferHost?: string; excludeHosts?: string[] } = {}): boolean {
  const vm = pass.state.vms[vmId]!;
  try {
    const d = placeVm(pass.state, { vmId, spec: vm.spec, migrations: pass.options.migrations, ...opts });
    move(pass, vmId, d.hostId, reason, priority, ruleId, d.numa);
    return true;
  } catch {
    return false;
  }
}

function mandatoryMoves(pass: Pass): void {
  const { state, options } = pass;
  for (const hostId of state.clusters[options.clusterId]!.hostIds) {
    const host = state.hosts[hostId]!;
    if (!host.maintenance || host.power !== 'on') continue;
    for (const vmId of [...pass.load.vmsByHost[hostId]!]) if (canMove(pass, vmId)) replace(pass, vmId, 'maintenance-evacuation', 1, null);
  }
  for (const v of ruleViolations(state, options.clusterId)) {
    if (v.severity !== 'must') continue;
    for (const vmId of v.vmIds) if (canMove(pass, vmId)) replace(pass, vmId, 'must-rule', 1, v.ruleId, { preferHost: v.hostId ?? undefined });
  }
}

function shouldRuleReturns(pass: Pass): void {
  const { state, options } = pass;
  const hostIds = state.clusters[options.clusterId]!.hostIds;
  for (const v of ruleViolations(state, options.clusterId)) {
    if (v.severity !== 'should') continue;
    const allowed = new Set(state.rules[v.ruleId]!.spec.hosts ?? []);
    for (const vmId of v.vmIds) {
      if (canMove(pass, vmId)) replace(pass, vmId, 'should-rule', 2, v.ruleId, { excludeHosts: hostIds.filter((h) => !allowed.has(h)) });
    }
  }
}

interface Candidate { vmId: string; toHostId: string; net: number }

/** Best single move by net gain, or null. Plain arrays in the inner loop (VMs of the hottest hosts x targets);
 *  the placement filters run only for moves that beat the best so far. */
function bestBalancingMove(pass: Pass): Candidate | null {
  const { state, load, options } = pass;
  const n = load.hostIds.length;
  const hosts = load.hostIds.map((id) => state.hosts[id]!);
  const loads = load.hostIds.map((id) => hostLoadOf(state, load, id));
  const sum = loads.reduce((a, b) => a + b, 0);
  const sumSq = loads.reduce((a, b) => a + b * b, 0);
  const sd = (s: number, q: number) => Math.sqrt(Math.max(0, q / n - (s / n) ** 2));
  const current = sd(sum, sumSq);
  const sources = hosts.map((_, i) => i).filter((i) => loads[i]! > sum / n)
    .sort((a, b) => loads[b]! - loads[a]! || a - b).slice(0, options.sourceHosts ?? 4);
  const policy = clusterPolicy(state.clusters[options.clusterId]!);
  const costPerGiB = options.costPerGiB ?? DEFAULT_COST_PER_GIB;
  let best: Candidate | null = null;
  for (const s of sources) {
    const from = hosts[s]!;
    const ls = loads[s]!;
    // VMs alike in CPU share, memory and dirty rate gain the same on every target: compute those nets once.
    const netsBySignature = new Map<string, Float64Array>();
    const netsFor = (dShare: number, memoryMiB: number, dirty: number): Float64Array => {
      const key = `${dShare}|${memoryMiB}|${dirty}`;
      let nets = netsBySignature.get(key);
      if (nets) return nets;
      nets = new Float64Array(n).fill(-Infinity);
      for (let t = 0; t < n; t++) {
        const lt = loads[t]!;
        if (lt >= ls) continue;
        const ls2 = ls - dShare / from.mhz;
        const lt2 = lt + dShare / hosts[t]!.mhz;
        const after = sd(sum - ls - lt + ls2 + lt2, sumSq - ls * ls - lt * lt + ls2 * ls2 + lt2 * lt2);
        nets[t] = current - after - migrationCost(preCopyMiB(memoryMiB, dirty, migrationGbps(from, hosts[t]!)), n, costPerGiB);
      }
      netsBySignature.set(key, nets);
      return nets;
    };
    for (const vmId of load.vmsByHost[from.id]!) {
      if (!canMove(pass, vmId)) continue;
      const vm = state.vms[vmId]!;
      const dShare = vmLoadMhz(vm.spec, from, options.demandMhz?.[vmId], options.systemMhz?.[vmId]);
      const nets = netsFor(dShare, vm.spec.memoryMiB, vmDirtyRateMiBps(vm, options.dirtyRateMiBps?.[vmId]));
      let ctx: FilterContext | null = null;
      for (let t = 0; t < n; t++) {
        const net = nets[t]!;
        if (net <= 1e-9 || (best && net <= best.net + 1e-12)) continue;
        ctx ??= { state, vmId, spec: vm.spec, policy, excluded: new Set([from.id]), migrations: options.migrations ?? [] };
        if (checkHost(ctx, hosts[t]!).ok) best = { vmId, toHostId: hosts[t]!.id, net };
      }
    }
  }
  return best;
}

function balance(pass: Pass, threshold: number): void {
  const maxMoves = pass.options.maxMoves ?? 8;
  for (let moves = 0; moves < maxMoves; moves++) {
    const priority = balancePriority(imbalanceOf(pass.state, pass.load), pass.load.hostIds.length);
    if (priority > threshold) return;
    const best = bestBalancingMove(pass);
    if (!best) return;
    move(pass, best.vmId, best.toHostId, 'load-balance', priority, null);
  }
}

export function recommendDrs(state: PlacementState, options: DrsOptions): DrsRecommendation[] {
  const cluster = state.clusters[options.clusterId];
  if (!cluster) return [];
  const scratch = scratchCopy(state);
  const pass: Pass = {
    state: scratch, load: clusterLoad(state, options.clusterId, options.demandMhz, options.systemMhz), options, recs: [],
    moving: new Set((options.migrations ?? []).map((m) => m.vmId)),
  };
  const threshold = options.threshold ?? clusterPolicy(cluster).drsThreshold;
  mandatoryMoves(pass);
  if (threshold >= 2) {
    shouldRuleReturns(pass);
    if (pass.load.hostIds.length > 1) balance(pass, threshold);
  }
  return pass.recs;
}

/** Deterministic id of the n-th (1-based) recommendation of the pass at simTime. */
export const drsRecommendationId = (clusterId: string, simTime: number, n: number): string => `drs-${clusterId}-${simTime}-${n}`;

/** Why not (issue 19): under manual automation the pass's recommendations are not made as moves; one event says so. */
export function drsAwaitingOperator(made: readonly { data: { recommendationId: string } }[], clusterId: string, simTime: number, automation: 'manual' | 'automatic'): PlacementDecisionEvent[] {
  if (automation !== 'manual' || made.length === 0) return [];
  const ids = made.map((e) => e.data.recommendationId);
  const reason = `DRS automation is manual: ${ids.length} recommended move${ids.length === 1 ? ' waits' : 's wait'} for an operator (${ids.join(', ')}); `
    + `apply one with POST /clusters/${clusterId}/drs/recommendations/<id>/apply, or set drs.automation to automatic`;
  return [{ type: 'DrsMovesAwaitOperator', data: { clusterId, simTime, recommendationIds: ids, reason } }];
}

export function drsRecommendationEvents(recs: readonly DrsRecommendation[], clusterId: string, simTime: number): Extract<PlacementDecisionEvent, EventOf<'DrsRecommendationMade', unknown>>[] {
  return recs.map((r, i) => ({ type: 'DrsRecommendationMade', data: { clusterId, recommendationId: drsRecommendationId(clusterId, simTime, i + 1), vmId: r.vmId, fromHostId: r.fromHostId, toHostId: r.toHostId, simTime, rationale: r.rationale } }));
}

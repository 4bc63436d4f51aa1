// The scheduler's commands and queries. Commands go through ctx.commands.run (serialized, state caught up, appended
// with expected versions on `placement-<clusterId>` / `cluster-<clusterId>`); queries read the caught-up projection
// and append nothing. The pure per-tick plan is tick.ts; the read models are views.ts.
import { Injectable } from '@nestjs/common';
import {
  conflict, notFound, protocol, stepOutcome, VirtsimError, type EventMetadata, type EventOf, type PayloadOf,
} from '@virtsim/contracts';
import { placement } from '@virtsim/domain';
import type { AppendBatch } from '@virtsim/event-store';
import { onFirstEvent, ServiceContext, tickKey, type Decision, type StepDecisions, type StepEventOut } from '@virtsim/service-kit';
import { migrationsOf, streams, type SchedulerState } from './state.js';
import { selectHostGrants } from './select-hosts.js';
import { hostsReadyToPowerOff, planTick, type AutoMove } from './tick.js';
import { requireVm } from './views.js';

type Trace = { correlationId?: string; causationId?: string };
type Sch = typeof protocol.scheduler;

const errorOf = (e: unknown): VirtsimError => VirtsimError.from(e);

/** how long one tick's calls to other services are asked again, all of them together: well inside the vrm's wait
 *  for the tick's answer (120 s), so a slow peer delays the tick instead of failing it */
const TICK_CALLS_SECONDS = 60;

@Injectable()
export class Scheduler {
  constructor(private readonly ctx: ServiceContext<SchedulerState>) {}

  // ---------------------------------------------------------------- placement (saga steps)

  place(req: PayloadOf<Sch['place']>) {
    return this.run(req, (state, steps) => {
      const d = steps.step(req.idempotencyKey, () => this.decidePlace(state, req.vmId));
      return { appends: new Map(d.events.length ? [[streams.placement(d.result.clusterId), d.events]] : []), result: d.result };
    });
  }

  /** place for many VMs in one decision: each on a scratch copy that holds the earlier ones' placements */
  placeMany(req: PayloadOf<Sch['place']['many']>) {
    return this.run(req, (state, steps) => {
      const scratch = placement.scratchCopy(state.placement);
      const view: SchedulerState = { ...state, placement: scratch };
      const appends = new Map<string, StepEventOut<EventOf>[]>();
      const outcomes = req.items.map((item) => stepOutcome(() => {
        const { events, result } = steps.step(item.idempotencyKey, () => this.decidePlace(view, item.vmId));
        if (events.length) {
          placement.attachVm(scratch, result.vmId, result.hostId, result.numa, result.gpus);
          const streamId = streams.placement(result.clusterId);
          appends.set(streamId, [...(appends.get(streamId) ?? []), ...events]);
        }
        return result;
      }));
      return { appends, result: { outcomes } };
    });
  }

  /** initial placement of one VM: its VmPlaced and the answer, or the placement it already has (no event) */
  private decidePlace(state: SchedulerState, vmId: string) {
    const vm = requireVm(state, vmId);
    if (vm.hostId) return { events: [] as EventOf[], result: { ...placedAnswer(vm), alreadyPlaced: true } };
    const decision = this.placeAvoidingPowerOff(state, vm);
    return {
      events: [placement.vmPlacedEvent(decision, 'initial placement') as EventOf],
      result: { vmId: vm.id, clusterId: vm.clusterId, hostId: decision.hostId, numa: decision.numa, brokenShouldRules: decision.brokenShouldRules, gpus: decision.gpus, alreadyPlaced: false },
    };
  }

  release(req: PayloadOf<Sch['releasePlacement']>) {
    return this.run(req, (state, steps) => {
      const vm = state.placement.vms[req.vmId];
      const d = steps.step(req.idempotencyKey, () => {
        if (!vm?.hostId) return { events: [] as EventOf[], result: { vmId: req.vmId, released: false, hostId: null as string | null } };
        const events = placement.decidePlacement({ type: 'ReleaseVm', vmId: vm.id, reason: req.reason ?? 'placement released' }, state.placement);
        return { events: events as EventOf[], result: { vmId: vm.id, released: true, hostId: vm.hostId as string | null } };
      });
      return { appends: new Map(d.events.length && vm ? [[streams.placement(vm.clusterId), d.events]] : []), result: d.result };
    });
  }

  // ---------------------------------------------------------------- queries for HA and migration

  async selectHost(req: PayloadOf<Sch['selectHost']>) {
    const state = await this.caughtUp();
    const vm = requireVm(state, req.vmId);
    const clusterId = req.clusterId ?? vm.clusterId;
    const d = placement.placeVm(state.placement, {
      vmId: vm.id, spec: { ...vm.spec, clusterId }, excludeHosts: req.excludeHosts, preferHost: req.preferHost, migrations: migrationsOf(state, clusterId),
    });
    return { vmId: vm.id, clusterId: d.clusterId, hostId: d.hostId, numa: d.numa, brokenShouldRules: d.brokenShouldRules, gpus: d.gpus, loadAfter: d.loadAfter };
  }

  /** Each grant is committed on a scratch copy, so later requests of the same call see it (HA restarts of one tick). */
  async selectHosts(req: PayloadOf<Sch['selectHosts']>) {
    const state = await this.caughtUp();
    if (!state.placement.clusters[req.clusterId]) throw notFound('cluster', req.clusterId);
    return { clusterId: req.clusterId, grants: selectHostGrants(state, req) };
  }

  // ---------------------------------------------------------------- DRS

  async drsApply(req: PayloadOf<Sch['drsApply']>) {
    const state = await this.caughtUp();
    if (!state.placement.clusters[req.clusterId]) throw notFound('cluster', req.clusterId);
    const item = state.drs[req.clusterId]?.items.find((i) => i.id === req.recommendationId);
    if (!item) throw notFound('recommendation', req.recommendationId);
    const answer = { clusterId: req.clusterId, recommendationId: item.id, vmId: item.vmId, fromHostId: item.fromHostId, toHostId: item.toHostId };
    if (item.status === 'applied') return { ...answer, migrationId: item.migrationId, alreadyApplied: true };
    if (item.status !== 'pending') throw conflict('drs.notPending', `recommendation ${item.id} is ${item.status}${item.reason ? `: ${item.reason}` : ''}`, { recommendationId: item.id });
    const vm = state.placement.vms[item.vmId];
    if (vm?.hostId !== item.fromHostId) {
      throw conflict('drs.stale', `recommendation ${item.id} moves VM ${item.vmId} from ${item.fromHostId}, but it is on ${vm?.hostId ?? 'no host'} now`, { recommendationId: item.id });
    }
    const move: AutoMove = { clusterId: req.clusterId, recommendationId: item.id, vmId: item.vmId, fromHostId: item.fromHostId, toHostId: item.toHostId };
    // an operator's call: asked again through faults for half of what the caller waits for the answer
    const outcome = await this.startMigration(move, req, performance.now() + this.ctx.config.VIRTSIM_REQUEST_TIMEOUT_MS / 2);
    await this.run(req, (s) => ({ appends: outcomeEvents(s, [outcome], false, s.clock.simTime), result: {} }));
    if ('error' in outcome) throw outcome.error;
    return { ...answer, migrationId: outcome.migrationId, alreadyApplied: false };
  }

  // ---------------------------------------------------------------- tick

  /** One tick in two idempotent steps under the tick's key (tickKey): the plan (samples, DRS / DPM decisions), then,
   *  after the automatic moves and evacuations were handed to the migration service, their outcomes. A repeated
   *  tick (the vrm asks again when the answer was lost, or this process died half-way) takes the first plan from the
   *  log and hands the same moves over again with the same keys (the migration service answers a repeat with its
   *  first migration), so the tick's DRS moves are carried out once, as a unit. */
  async tick(req: PayloadOf<Sch['tick']>) {
    const key = tickKey(req);
    const first = await this.tickStep(req, key, (state) => {
      const plan = planTick(state, req);
      let events = 0;
      for (const list of plan.appends.values()) events += list.length;
      return { appends: plan.appends, result: { moves: plan.moves, evacuations: plan.evacuations, stats: plan.stats, events } };
    });
    if (!first.repeated && first.stats.computeMs > 50) this.ctx.log.warn({ stats: first.stats, tick: req.tick }, 'scheduler tick compute above 50 ms');
    // the tick's calls ride through a restarting migration service (asked again, same key) until one deadline
    const deadline = performance.now() + Math.min(this.ctx.config.VIRTSIM_STEP_RETRY_SECONDS, TICK_CALLS_SECONDS) * 1000;
    // automatic DRS: hand each move to the migration service
    const outcomes: Outcome[] = [];
    for (const move of first.moves) {
      const o = await this.startMigration(move, req, deadline);
      if (!('unavailable' in o)) outcomes.push(o);
    }
    // automatic DPM: evacuate the hosts recommended for power-off
    const cancelled: { clusterId: string; hostId: string; reason: string }[] = [];
    for (const ev of first.evacuations) {
      try {
        await this.ctx.callPersistently(protocol.migration.evacuate, {
          hostId: ev.hostId, reason: 'dpm', dryRun: false, idempotencyKey: `dpm:${ev.hostId}:tick-${req.tick}`, correlationId: req.correlationId, causationId: req.causationId,
        }, { deadline });
      } catch (e) {
        const err = errorOf(e);
        if (err.code === 'unavailable') this.ctx.log.warn({ hostId: ev.hostId, err: err.message }, 'DPM evacuation: migration service unavailable');
        else cancelled.push({ ...ev, reason: `evacuation refused: ${err.message}` });
      }
    }
    const second = await this.tickStep(req, `${key}:outcomes`, (state) => {
      const appends = outcomeEvents(state, outcomes, true, req.simTime);
      const add = (streamId: string, e: EventOf) => appends.set(streamId, [...(appends.get(streamId) ?? []), e]);
      for (const c of cancelled) add(streams.placement(c.clusterId), { type: 'DpmHostPowerOffCancelled', data: { ...c, simTime: req.simTime } });
      const cancelledIds = new Set(cancelled.map((c) => c.hostId));
      for (const h of hostsReadyToPowerOff(state)) {
        if (!cancelledIds.has(h.hostId)) add(streams.cluster(h.clusterId), { type: 'HostPoweredOff', data: { hostId: h.hostId, clusterId: h.clusterId, reason: 'dpm', standby: true } });
      }
      let events = 0;
      for (const list of appends.values()) events += list.length;
      return { appends, result: { events } };
    });
    return { events: first.events + second.events, stats: first.stats, ...(first.repeated ? { repeated: true as const } : {}) };
  }

  // ---------------------------------------------------------------- plumbing

  async caughtUp(): Promise<SchedulerState> {
    await this.ctx.projection.catchUp();
    return this.ctx.state;
  }

  /** Placement that avoids hosts DPM is emptying for power-off, unless nothing else fits. */
  private placeAvoidingPowerOff(state: SchedulerState, vm: placement.PlacementVm): placement.PlacementDecision {
    const migrations = migrationsOf(state, vm.clusterId);
    const pendingOff = state.dpm[vm.clusterId]?.powerOff ?? [];
    if (pendingOff.length > 0) {
      try {
        return placement.placeVm(state.placement, { vmId: vm.id, spec: vm.spec, excludeHosts: pendingOff, migrations });
      } catch { /* fall through: every other host refused */ }
    }
    return placement.placeVm(state.placement, { vmId: vm.id, spec: vm.spec, migrations });
  }

  /** one DRS move handed to migration.start, asked again through faults until `deadline` with the recommendation's
   *  key (a repeat is answered with the first migration); `unavailable` past it leaves the recommendation pending */
  private async startMigration(move: AutoMove, trace: Trace, deadline?: number): Promise<Outcome> {
    try {
      const r = await this.ctx.callPersistently(protocol.migration.start, {
        vmId: move.vmId, targetHostId: move.toHostId, live: true, reason: 'drs', requestedBy: move.recommendationId, idempotencyKey: `drs:${move.recommendationId}`,
        correlationId: trace.correlationId ?? move.recommendationId, causationId: trace.causationId,
      }, { deadline });
      return { move, migrationId: r?.migrationId ?? null };
    } catch (e) {
      const err = errorOf(e);
      if (err.code === 'unavailable') {
        this.ctx.log.warn({ recommendationId: move.recommendationId, err: err.message }, 'DRS move: migration service unavailable');
        return { move, unavailable: true, error: err };
      }
      return { move, error: err };
    }
  }

  /** a command of idempotent steps (ctx.runSteps; commands without a key just run): events by stream, a step's
   *  first event carrying its answer's metadata, refusals to `steps-scheduler` in the same append */
  private run<T extends object>(trace: Trace, decide: (state: SchedulerState, steps: StepDecisions) => { appends: Map<string, StepEventOut<EventOf>[]>; result: T }): Promise<T & { position: number }> {
    const metadata = metadataOf(trace);
    return this.ctx.runSteps((state, steps): Decision<T> => {
      const d = decide(state, steps);
      return { appends: this.batches(d.appends), result: d.result, metadata: metadata(state) };
    }, { metadata });
  }

  /** one part of a tick as a whole, an idempotent step under `key`: a repeat is answered from the log with the
   *  first answer and decides nothing (a part that decided no event records nothing and is decided again) */
  private tickStep<T extends object>(trace: Trace, key: string, decide: (state: SchedulerState) => { appends: Map<string, EventOf[]>; result: T }): Promise<T & { repeated?: true; position: number }> {
    const metadata = metadataOf(trace);
    return this.ctx.runSteps(async (state, steps): Promise<Decision<T & { repeated?: true }>> => {
      const d = await steps.decision(key, () => { const x = decide(state); return { appends: this.batches(x.appends), result: x.result }; });
      return { appends: onFirstEvent(d.appends, d.metadata), result: d.result, metadata: metadata(state) };
    }, { metadata });
  }

  private batches(appends: Map<string, StepEventOut<EventOf>[]>): AppendBatch[] {
    return [...appends].filter(([, events]) => events.length > 0).map(([streamId, events]) => ({
      streamId, expectedVersion: this.ctx.commands.expected(streamId),
      events: events.map((e) => ({ type: e.type, data: e.data, ...(e.metadata ? { metadata: e.metadata } : {}) })),
    }));
  }

}

const metadataOf = (trace: Trace) => (state: SchedulerState): EventMetadata => ({
  simTime: state.clock.simTime, actor: 'scheduler',
  ...(trace.correlationId ? { correlationId: trace.correlationId } : {}), ...(trace.causationId ? { causationId: trace.causationId } : {}),
});

type Outcome =
  | { move: AutoMove; migrationId: string | null }
  | { move: AutoMove; error: VirtsimError; unavailable?: true };

/** Applied / Failed events for outcomes whose recommendation is still pending (a repeat records nothing). */
function outcomeEvents(state: SchedulerState, outcomes: readonly Outcome[], automatic: boolean, simTime: number): Map<string, EventOf[]> {
  const appends = new Map<string, EventOf[]>();
  for (const o of outcomes) {
    if ('unavailable' in o) continue;
    const { clusterId, recommendationId, vmId, fromHostId, toHostId } = o.move;
    const item = state.drs[clusterId]?.items.find((i) => i.id === recommendationId);
    if (!item || item.status !== 'pending') continue;
    const event: EventOf = 'error' in o
      ? { type: 'DrsRecommendationFailed', data: { clusterId, recommendationId, vmId, reason: o.error.message, simTime } }
      : { type: 'DrsRecommendationApplied', data: { clusterId, recommendationId, vmId, fromHostId, toHostId, migrationId: o.migrationId, automatic, simTime } };
    const streamId = streams.placement(clusterId);
    appends.set(streamId, [...(appends.get(streamId) ?? []), event]);
  }
  return appends;
}

function placedAnswer(vm: placement.PlacementVm) {
  return { vmId: vm.id, clusterId: vm.clusterId, hostId: vm.hostId!, numa: vm.numa, brokenShouldRules: vm.brokenShouldRules, gpus: vm.gpus };
}

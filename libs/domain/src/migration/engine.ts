// Tick engine: progresses every running migration through one simulated tick, event-driven inside the tick.
//
// API:
//   advanceMigrations(state, simTime, tickSeconds, inputs): MigrationEvent[]
//       simTime = the tick's START; covers [simTime, simTime + tickSeconds]. (A shell reacting to
//       ClockAdvanced{simTime: end} passes end - tickSeconds.) Fold the events with evolveMigrationBatch.
//   advanceMigrationsWithState(...): {events, state}   the same, plus the folded state
//
// Inside the tick, time jumps from boundary to boundary (a round ends, the stop-and-copy ends, the VM has
// resumed, a cold copy ends): between boundaries every rate is constant, so times are exact, not rounded
// to ticks. Shares are recomputed whenever a migration starts or ends (a finished migration frees its share
// and its slot; queued ones start at that exact time), see timeline.ts. Dirty rates are the workload at the
// tick's start (or inputs.dirtyRateMiBps), scaled by the auto-converge throttle.
import type { MigrationEvent, MigrationRound } from '@virtsim/contracts';
import { workloadAt } from '../shared/workload.js';
import { afterRound } from './precopy.js';
import { BOUNDARY_EPS, createTimeline } from './timeline.js';
import {
  applyMigrationEvent, cloneMigrationState, isTerminal, migrationProgressPercent, round6, startQueuedMigrations,
  type ActiveMigration, type MigrationState,
} from './state.js';

export interface MigrationTickInputs {
  scenarioSeed: number;
  /** dirty rate per VM id when another model knows better (memory manager); else workloadAt(profile) */
  dirtyRateMiBps?: Readonly<Record<string, number>>;
}

/** event times are rounded to 1e-6 s: a migration is "not started yet" only beyond that */
const ACTIVATION_EPS = 1e-6;

export function advanceMigrations(state: MigrationState, simTime: number, tickSeconds: number, inputs: MigrationTickInputs): MigrationEvent[] {
  return advanceMigrationsWithState(state, simTime, tickSeconds, inputs).events;
}

export function advanceMigrationsWithState(state: MigrationState, simTime: number, tickSeconds: number, inputs: MigrationTickInputs): { events: MigrationEvent[]; state: MigrationState } {
  const draft = cloneMigrationState(state);
  const events: MigrationEvent[] = [];
  const end = simTime + tickSeconds;
  const rates = new Map<string, number>();
  const dirtyRate = (m: ActiveMigration): number => {
    const vmId = m.request.vmId;
    if (!rates.has(vmId)) rates.set(vmId, inputs.dirtyRateMiBps?.[vmId] ?? workloadAt(m.request.workload ?? undefined, vmId, inputs.scenarioSeed, simTime).dirtyRateMiBps);
    return rates.get(vmId)! * (1 - m.throttlePercent / 100);
  };
  const timeline = createTimeline(dirtyRate);
  let t = simTime;
  let ended: boolean;
  let pending: ActiveMigration[] = []; // started later than t (requested after the tick began)
  const enter = (m: ActiveMigration): void => { if (m.progressedTo > t + ACTIVATION_EPS) pending.push(m); else timeline.add(m, t); };
  const emit = (e: MigrationEvent): void => {
    applyMigrationEvent(draft, e);
    events.push(e);
    if (e.type === 'MigrationStarted') enter(draft.migrations[e.data.migrationId]!);
    else if (isTerminal(e)) { timeline.remove(e.data.migrationId, t); ended = true; }
  };
  for (const id of Object.keys(draft.migrations).sort()) if (draft.migrations[id]!.status === 'running') enter(draft.migrations[id]!);
  startQueuedMigrations(draft, t, emit);
  for (;;) {
    const activation = pending.reduce((a, m) => Math.min(a, m.progressedTo), Infinity);
    const horizon = Math.min(end, activation);
    const next = timeline.nextDue();
    if (next > horizon + BOUNDARY_EPS) {
      t = horizon;
      if (t >= end - BOUNDARY_EPS) break;
      const now = pending.filter((m) => m.progressedTo <= t + ACTIVATION_EPS).sort((a, b) => (a.request.migrationId < b.request.migrationId ? -1 : 1));
      pending = pending.filter((m) => m.progressedTo > t + ACTIVATION_EPS);
      now.forEach((m) => timeline.add(m, t));
      continue;
    }
    t = Math.max(t, next);
    ended = false;
    for (const id of timeline.takeDue(t)) {
      const m = draft.migrations[id];
      if (!m || m.status !== 'running') continue;
      timeline.catchUp(id, t);
      if (!onBoundary(m, t, timeline.shareOf(id), emit)) timeline.replan(id, t);
    }
    if (ended) startQueuedMigrations(draft, t, emit);
  }
  timeline.finish(end);
  for (const id of Object.keys(draft.migrations).sort()) {
    const m = draft.migrations[id]!;
    if (m.status === 'running' && m.progressedTo < end) emit(progressed(m, end));
  }
  return { events, state: draft };
}

/** Handles a phase end at time t; true when the migration left the running set. */
function onBoundary(m: ActiveMigration, t: number, bandwidth: number, emit: (e: MigrationEvent) => void): boolean {
  const { migrationId, vmId } = m.request;
  if (m.phase === 'copy') { emit(completed(m, t, 'copied', m.phaseTargetMiB)); return true; }
  if (m.phase === 'stop-and-copy') {
    m.sentMiB = round6(m.sentMiB + m.phaseTargetMiB);
    m.phaseSentMiB = 0; m.phaseTargetMiB = 0;
    m.phase = 'resume'; m.resumeLeftSeconds = m.request.options.resumeMs / 1000;
    if (m.resumeLeftSeconds > 0) return false;
  }
  if (m.phase === 'resume') {
    const done = completed(m, t, m.throttlePercent > 0 ? 'auto-converged' : 'converged', 0);
    unthrottle(m, t, emit);
    emit(done);
    return true;
  }
  const round: MigrationRound = { index: m.round, sentMiB: round6(m.phaseTargetMiB), dirtiedMiB: round6(m.roundDirtiedMiB), seconds: round6(m.roundSeconds) };
  emit({ type: 'MigrationRoundCompleted', data: { migrationId, vmId, ...round, endedAt: round6(t), bandwidthMiBps: round6(bandwidth) } });
  const decision = afterRound(round, {
    memoryMiB: m.request.memoryMiB, sentMiB: m.sentMiB, roundsDone: m.rounds.length, bandwidthMiBps: bandwidth,
    throttlePercent: m.throttlePercent, options: m.request.options,
  });
  if (decision.action === 'stop-and-copy') {
    emit({ type: 'MigrationStopAndCopyStarted', data: { migrationId, vmId, remainingMiB: round.dirtiedMiB, at: round6(t) } });
    return false;
  }
  if (decision.action === 'next-round') {
    if (decision.throttlePercent !== m.throttlePercent) {
      emit({ type: 'MigrationVmThrottled', data: { migrationId, vmId, hostId: m.request.sourceHostId, throttlePercent: decision.throttlePercent, at: round6(t) } });
    }
    return false;
  }
  unthrottle(m, t, emit);
  emit({ type: 'MigrationFailed', data: {
    migrationId, vmId, sourceHostId: m.request.sourceHostId, targetHostId: m.request.targetHostId, at: round6(t),
    reason: `VM ${m.request.vmName} (${vmId}): ${decision.reason}`, sentMiB: m.sentMiB, rounds: m.rounds,
  } });
  return true;
}

/** Throttling ends with the migration, whatever its end; the CPU model follows MigrationVmThrottled. */
export function unthrottle(m: ActiveMigration, t: number, emit: (e: MigrationEvent) => void): void {
  if (m.throttlePercent === 0) return;
  emit({ type: 'MigrationVmThrottled', data: { migrationId: m.request.migrationId, vmId: m.request.vmId, hostId: m.request.sourceHostId, throttlePercent: 0, at: round6(t) } });
}

function completed(m: ActiveMigration, t: number, outcome: 'converged' | 'auto-converged' | 'copied', extraSentMiB: number): MigrationEvent {
  const r = m.request;
  return { type: 'MigrationCompleted', data: {
    migrationId: r.migrationId, vmId: r.vmId, kind: r.kind, clusterId: r.clusterId, targetClusterId: r.targetClusterId,
    sourceHostId: r.sourceHostId, targetHostId: r.targetHostId, sourceDatastoreId: r.sourceDatastoreId, targetDatastoreId: r.targetDatastoreId,
    completedAt: round6(t), totalSeconds: round6(t - (m.startedAt ?? t)), sentMiB: round6(m.sentMiB + extraSentMiB),
    downtimeMs: round6(m.pausedSeconds * 1000), outcome, throttlePercent: m.throttlePercent, rounds: m.rounds,
  } };
}

function progressed(m: ActiveMigration, at: number): MigrationEvent {
  return { type: 'MigrationProgressed', data: {
    migrationId: m.request.migrationId, vmId: m.request.vmId, at: round6(at), phase: m.phase, round: m.round,
    phaseTargetMiB: round6(m.phaseTargetMiB), phaseSentMiB: round6(m.phaseSentMiB), roundDirtiedMiB: round6(m.roundDirtiedMiB),
    roundSeconds: round6(m.roundSeconds), resumeLeftSeconds: round6(m.resumeLeftSeconds), pausedSeconds: round6(m.pausedSeconds),
    sentMiB: round6(m.sentMiB), progressPercent: migrationProgressPercent(m),
  } };
}

// Migration state: the queued and running migrations (finished ones leave the state; their events remain).
//
// API:
//   MigrationState = { migrations: Record<id, ActiveMigration>, queue: id[] (FIFO), byVm: Record<vmId, id> }
//   initialMigrationState(), evolveMigration(state, event) -> state (pure, copies what it changes)
//   applyMigrationEvent(draft, event)   the same transition, mutating a draft the caller owns (engine use)
//   startQueuedMigrations(draft, at, emit)   FIFO per link: start what fits; a queued migration never
//                                            overtakes an earlier one waiting for the same host or datastore
//   migrationProgressPercent(m)
import type {
  MigrationEvent, MigrationPhase, MigrationRequestedData, MigrationRound,
} from '@virtsim/contracts';
import { linkUsage } from './bandwidth.js';

export interface ActiveMigration {
  request: MigrationRequestedData;
  status: 'queued' | 'running';
  startedAt: number | null;
  phase: MigrationPhase;
  /** index of the current pre-copy round */
  round: number;
  phaseTargetMiB: number;
  phaseSentMiB: number;
  roundDirtiedMiB: number;
  roundSeconds: number;
  resumeLeftSeconds: number;
  pausedSeconds: number;
  /** MiB sent by completed rounds / phases */
  sentMiB: number;
  throttlePercent: number;
  rounds: MigrationRound[];
  /** simulated time up to which the progress fields are current */
  progressedTo: number;
}

export interface MigrationState {
  migrations: Record<string, ActiveMigration>;
  queue: string[];
  byVm: Record<string, string>;
}

export const initialMigrationState = (): MigrationState => ({ migrations: {}, queue: [], byVm: {} });

/** Six decimals: microseconds and bytes-ish precision, stable JSON, and event values equal to state values. */
export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function evolveMigration(state: MigrationState, event: MigrationEvent): MigrationState {
  const id = event.data.migrationId;
  const draft: MigrationState = { migrations: { ...state.migrations }, queue: state.queue, byVm: state.byVm };
  const current = draft.migrations[id];
  if (current) draft.migrations[id] = { ...current, rounds: [...current.rounds] };
  if (event.type === 'MigrationRequested' || event.type === 'MigrationStarted' || isTerminal(event)) {
    draft.queue = [...state.queue];
    draft.byVm = { ...state.byVm };
  }
  applyMigrationEvent(draft, event);
  return draft;
}

export const isTerminal = (e: MigrationEvent): boolean =>
  e.type === 'MigrationCompleted' || e.type === 'MigrationFailed' || e.type === 'MigrationCancelled'
  || e.type === 'MigrationRolledBack' || e.type === 'MigrationAborted';

export function applyMigrationEvent(draft: MigrationState, event: MigrationEvent): void {
  if (event.type === 'MigrationRequested') {
    const r = event.data;
    draft.migrations[r.migrationId] = {
      request: r, status: 'queued', startedAt: null, phase: r.kind === 'live' ? 'pre-copy' : 'copy', round: 0,
      phaseTargetMiB: r.kind === 'live' ? r.memoryMiB : r.copyMiB, phaseSentMiB: 0, roundDirtiedMiB: 0, roundSeconds: 0,
      resumeLeftSeconds: 0, pausedSeconds: 0, sentMiB: 0, throttlePercent: 0, rounds: [], progressedTo: r.requestedAt,
    };
    draft.queue.push(r.migrationId);
    draft.byVm[r.vmId] = r.migrationId;
    return;
  }
  const m = draft.migrations[event.data.migrationId];
  if (!m) return;
  if (isTerminal(event)) {
    delete draft.migrations[event.data.migrationId];
    delete draft.byVm[m.request.vmId];
    const i = draft.queue.indexOf(event.data.migrationId);
    if (i >= 0) draft.queue.splice(i, 1);
    return;
  }
  switch (event.type) {
    case 'MigrationStarted': {
      m.status = 'running'; m.startedAt = event.data.startedAt; m.progressedTo = event.data.startedAt;
      const i = draft.queue.indexOf(event.data.migrationId);
      if (i >= 0) draft.queue.splice(i, 1);
      return;
    }
    case 'MigrationRoundCompleted': {
      const { index, sentMiB, dirtiedMiB, seconds, endedAt } = event.data;
      m.rounds.push({ index, sentMiB, dirtiedMiB, seconds });
      m.sentMiB = round6(m.sentMiB + sentMiB);
      Object.assign(m, { round: index + 1, phaseTargetMiB: dirtiedMiB, phaseSentMiB: 0, roundDirtiedMiB: 0, roundSeconds: 0, progressedTo: endedAt });
      return;
    }
    case 'MigrationVmThrottled': m.throttlePercent = event.data.throttlePercent; return;
    case 'MigrationStopAndCopyStarted':
      Object.assign(m, { phase: 'stop-and-copy', phaseTargetMiB: event.data.remainingMiB, phaseSentMiB: 0, progressedTo: event.data.at });
      return;
    case 'MigrationProgressed': {
      const p = event.data;
      Object.assign(m, {
        phase: p.phase, round: p.round, phaseTargetMiB: p.phaseTargetMiB, phaseSentMiB: p.phaseSentMiB, roundDirtiedMiB: p.roundDirtiedMiB,
        roundSeconds: p.roundSeconds, resumeLeftSeconds: p.resumeLeftSeconds, pausedSeconds: p.pausedSeconds, sentMiB: p.sentMiB, progressedTo: p.at,
      });
      return;
    }
    default: return;
  }
}

/** Live: done / (done + still to send), where still to send counts the current round's rest and what it
 *  has dirtied so far; cold/storage: copied / total. Capped at 99 until the migration completes. */
export function migrationProgressPercent(m: ActiveMigration): number {
  if (m.status === 'queued') return 0;
  if (m.phase === 'resume') return 99;
  const done = m.sentMiB + m.phaseSentMiB;
  const left = m.phaseTargetMiB - m.phaseSentMiB + (m.phase === 'pre-copy' ? m.roundDirtiedMiB : 0);
  if (done + left <= 0) return 99;
  return Math.min(99, Math.round((1000 * done) / (done + left)) / 10);
}

export function startQueuedMigrations(draft: MigrationState, at: number, emit: (e: MigrationEvent) => void): void {
  if (!draft.queue.length) return;
  const running = Object.keys(draft.migrations).sort().map((id) => draft.migrations[id]!)
    .filter((m) => m.status === 'running').map((m) => ({ id: m.request.migrationId, links: m.request.links }));
  const used = linkUsage(running);
  const blocked = new Set<string>();
  for (const id of [...draft.queue]) {
    const m = draft.migrations[id]!;
    const links = m.request.links;
    const fits = links.every((l) => !blocked.has(l.linkId) && (used.get(l.linkId) ?? 0) < l.maxConcurrent);
    if (!fits) { for (const l of links) blocked.add(l.linkId); continue; }
    for (const l of links) used.set(l.linkId, (used.get(l.linkId) ?? 0) + 1);
    emit({ type: 'MigrationStarted', data: { migrationId: id, vmId: m.request.vmId, startedAt: round6(at), queuedSeconds: round6(at - m.request.requestedAt) } });
  }
}

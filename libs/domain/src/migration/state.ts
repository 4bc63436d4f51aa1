// Migration state: the queued and running migrations (finished ones leave the state; their events remain).
//
// API:
//   MigrationState = { migrations: Record<id, ActiveMigration>, queue: id[] (FIFO), byVm: Record<vmId, id>,
//                      linkUse: Record<linkId, running count> }
//   initialMigrationState(), evolveMigration(state, event) -> state (pure, copies what it changes)
//   evolveMigrationBatch(state, events) -> state   the same for a tick's events, one copy (use this per tick)
//   applyMigrationEvent(draft, event)   the same transition, mutating a draft the caller owns (engine use)
//   admitQueued(queue, linksOf, linkUse): ids   FIFO per link: what fits; a queued migration never overtakes
//                                               an earlier one waiting for the same host or datastore
//   startQueuedMigrations(draft, at, emit)      emits MigrationStarted for those
//   migrationProgressPercent(m)
import type {
  MigrationEvent, MigrationLink, MigrationPhase, MigrationRequestedData, MigrationRound,
} from '@virtsim/contracts';

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
  /** running migrations per link (derived, kept so admission is O(queue), not O(migrations)) */
  linkUse: Record<string, number>;
}

export const initialMigrationState = (): MigrationState => ({ migrations: {}, queue: [], byVm: {}, linkUse: {} });

/** Six decimals: microseconds and bytes-ish precision, stable JSON, and event values equal to state values. */
export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function evolveMigration(state: MigrationState, event: MigrationEvent): MigrationState {
  const id = event.data.migrationId;
  const draft: MigrationState = { ...state, migrations: { ...state.migrations } };
  const current = draft.migrations[id];
  if (current) draft.migrations[id] = { ...current, rounds: [...current.rounds] };
  if (event.type === 'MigrationRequested' || event.type === 'MigrationStarted' || isTerminal(event)) {
    draft.queue = [...state.queue];
    draft.byVm = { ...state.byVm };
    draft.linkUse = { ...state.linkUse };
  }
  applyMigrationEvent(draft, event);
  return draft;
}

/** Deep enough to mutate: the per-migration objects and their rounds are copied, requests are shared. */
export function cloneMigrationState(s: MigrationState): MigrationState {
  const migrations: Record<string, ActiveMigration> = {};
  for (const [id, m] of Object.entries(s.migrations)) migrations[id] = { ...m, rounds: [...m.rounds] };
  return { migrations, queue: [...s.queue], byVm: { ...s.byVm }, linkUse: { ...s.linkUse } };
}

/** Many events at once (a tick's worth): one copy of the state instead of one per event. */
export function evolveMigrationBatch(state: MigrationState, events: readonly MigrationEvent[]): MigrationState {
  if (!events.length) return state;
  const draft = cloneMigrationState(state);
  for (const e of events) applyMigrationEvent(draft, e);
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
    if (m.status === 'running') useLinks(draft, m, -1);
    delete draft.migrations[event.data.migrationId];
    delete draft.byVm[m.request.vmId];
    const i = draft.queue.indexOf(event.data.migrationId);
    if (i >= 0) draft.queue.splice(i, 1);
    return;
  }
  switch (event.type) {
    case 'MigrationStarted': {
      m.status = 'running'; m.startedAt = event.data.startedAt; m.progressedTo = event.data.startedAt;
      useLinks(draft, m, +1);
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

function useLinks(draft: MigrationState, m: ActiveMigration, delta: 1 | -1): void {
  for (const l of m.request.links) {
    const n = (draft.linkUse[l.linkId] ?? 0) + delta;
    if (n > 0) draft.linkUse[l.linkId] = n; else delete draft.linkUse[l.linkId];
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

/** Queued ids that can start now, FIFO per link. Pure: reads the running count per link, counts its own
 *  admissions locally. A queued migration never overtakes an earlier one waiting on one of its links. */
export function admitQueued(queue: readonly string[], linksOf: (id: string) => readonly MigrationLink[], linkUse: Readonly<Record<string, number>>): string[] {
  const admitted: string[] = [];
  const extra = new Map<string, number>();
  const blocked = new Set<string>();
  for (const id of queue) {
    const links = linksOf(id);
    let fits = true;
    for (const l of links) {
      if (blocked.has(l.linkId) || (linkUse[l.linkId] ?? 0) + (extra.get(l.linkId) ?? 0) >= l.maxConcurrent) { fits = false; break; }
    }
    if (!fits) { for (const l of links) blocked.add(l.linkId); continue; }
    for (const l of links) extra.set(l.linkId, (extra.get(l.linkId) ?? 0) + 1);
    admitted.push(id);
  }
  return admitted;
}

export const migrationStarted = (m: ActiveMigration, at: number): MigrationEvent => ({
  type: 'MigrationStarted', data: { migrationId: m.request.migrationId, vmId: m.request.vmId, startedAt: round6(at), queuedSeconds: round6(at - m.request.requestedAt) },
});

export function startQueuedMigrations(draft: MigrationState, at: number, emit: (e: MigrationEvent) => void): void {
  if (!draft.queue.length) return;
  for (const id of admitQueued(draft.queue, (q) => draft.migrations[q]!.request.links, draft.linkUse)) emit(migrationStarted(draft.migrations[id]!, at));
}

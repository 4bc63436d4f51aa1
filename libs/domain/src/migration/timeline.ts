// Inside one tick: the running migrations as lanes, their bandwidth shares and their next boundaries.
// Internal to the engine. Costs O(log n) per boundary plus the lanes that share a link with a migration
// that starts or ends (at most the per-link concurrency limits), so a tick with hundreds of concurrent
// migrations stays cheap.
//
// Progress is lazy: a lane is brought up to date only at its own boundary, when its share changes, or at
// the end of the tick; between those its rates are constant, so the result is exact.
import type { MigrationLink } from '@virtsim/contracts';
import { dirtyCap } from './precopy.js';
import type { ActiveMigration } from './state.js';

interface Lane { m: ActiveMigration; share: number; lastT: number; due: number; version: number }
interface Entry { due: number; id: string; version: number }

export const BOUNDARY_EPS = 1e-9;

export function boundaryIn(m: ActiveMigration, bandwidth: number): number {
  if (m.phase === 'resume') return Math.max(0, m.resumeLeftSeconds);
  return Math.max(0, m.phaseTargetMiB - m.phaseSentMiB) / bandwidth;
}

export function progress(m: ActiveMigration, dt: number, bandwidth: number, dirtyRate: number): void {
  if (dt <= 0) return;
  if (m.phase === 'resume') { m.resumeLeftSeconds -= dt; m.pausedSeconds += dt; return; }
  m.phaseSentMiB = Math.min(m.phaseTargetMiB, m.phaseSentMiB + bandwidth * dt);
  if (m.phase === 'stop-and-copy') m.pausedSeconds += dt;
  if (m.phase !== 'pre-copy') return;
  m.roundSeconds += dt;
  m.roundDirtiedMiB = Math.min(dirtyCap(m.request.memoryMiB, m.request.options), m.roundDirtiedMiB + dirtyRate * dt);
}

export function createTimeline(dirtyRate: (m: ActiveMigration) => number) {
  const lanes = new Map<string, Lane>();
  const users = new Map<string, Lane[]>();
  const heap: Entry[] = [];

  const catchUp = (l: Lane, to: number): void => { progress(l.m, to - l.lastT, l.share, dirtyRate(l.m)); l.lastT = to; };
  const shareOf = (links: readonly MigrationLink[]): number =>
    links.reduce((s, link) => Math.min(s, link.capacityMiBps / (users.get(link.linkId)?.length ?? 1)), Infinity);
  const schedule = (l: Lane, t: number): void => {
    l.due = t + boundaryIn(l.m, l.share);
    l.version += 1;
    push(heap, { due: l.due, id: l.m.request.migrationId, version: l.version });
  };
  const reshare = (links: readonly MigrationLink[], t: number): void => {
    const affected = new Set<Lane>();
    for (const link of links) for (const l of users.get(link.linkId) ?? []) affected.add(l);
    for (const l of affected) { catchUp(l, t); l.share = shareOf(l.m.request.links); schedule(l, t); }
  };

  return {
    add(m: ActiveMigration, t: number): void {
      const lane: Lane = { m, share: 0, lastT: t, due: Infinity, version: 0 };
      lanes.set(m.request.migrationId, lane);
      for (const link of m.request.links) users.set(link.linkId, [...(users.get(link.linkId) ?? []), lane]);
      reshare(m.request.links, t);
    },
    remove(id: string, t: number): void {
      const lane = lanes.get(id);
      if (!lane) return;
      lanes.delete(id);
      for (const link of lane.m.request.links) users.set(link.linkId, (users.get(link.linkId) ?? []).filter((l) => l !== lane));
      reshare(lane.m.request.links, t);
    },
    /** re-plans a lane whose phase changed at t (its share is unchanged) */
    replan(id: string, t: number): void { const l = lanes.get(id); if (l) schedule(l, t); },
    shareOf(id: string): number { return lanes.get(id)?.share ?? 0; },
    catchUp(id: string, t: number): void { const l = lanes.get(id); if (l) catchUp(l, t); },
    /** earliest boundary still valid, or Infinity */
    nextDue(): number {
      while (heap.length && !valid(heap[0]!)) pop(heap);
      return heap.length ? heap[0]!.due : Infinity;
    },
    /** ids of the lanes due by `t` (+eps), in id order: boundaries at one instant are handled by id */
    takeDue(t: number): string[] {
      const ids = new Set<string>();
      while (heap.length && heap[0]!.due <= t + BOUNDARY_EPS) { const e = pop(heap); if (valid(e)) ids.add(e.id); }
      return [...ids].sort();
    },
    finish(end: number): void { for (const l of lanes.values()) catchUp(l, end); },
  };

  function valid(e: Entry): boolean { const l = lanes.get(e.id); return l !== undefined && l.version === e.version; }
}

const before = (a: Entry, b: Entry): boolean => a.due < b.due || (a.due === b.due && a.id < b.id);

function push(h: Entry[], e: Entry): void {
  h.push(e);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!before(h[i]!, h[p]!)) break;
    [h[i], h[p]] = [h[p]!, h[i]!]; i = p;
  }
}

function pop(h: Entry[]): Entry {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1; const r = l + 1; let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!]; i = m;
    }
  }
  return top;
}

// POST /events:import, checked before anything is written: an archive's events must continue each stream version by
// version; the ones the log already holds must be the same events at the same places (compared, not trusted), and
// come first; the rest becomes one atomic append.
import { conflict, invalid, type RecordedEvent } from '@virtsim/contracts';
import type { AppendBatch, EventStore } from '@virtsim/event-store';
import { isDeepStrictEqual } from 'node:util';

interface Imported {
  position?: number; streamId: string; streamVersion: number; eventId: string; type: string;
  data: unknown; metadata: Record<string, unknown>;
}

export async function importPlan(store: EventStore, events: Imported[]): Promise<{ present: number; append: AppendBatch[] }> {
  assertVersionsFollow(events);
  const stored = await storedVersions(store, events);
  let present = 0;
  let lastPresentPosition = 0;
  const fresh: { e: Imported; i: number }[] = [];
  events.forEach((e, i) => {
    const existing = stored.get(e.streamId)?.[e.streamVersion - 1];
    if (!existing) { fresh.push({ e, i }); return; }
    const differs = differences(e, existing);
    if (differs.length) throw refused(i, `differs from the log's event at ${e.streamId} version ${e.streamVersion} (position ${existing.position}): ${differs.join(', ')}`);
    if (fresh.length > 0) throw refused(i, `is already in the log but comes after event ${fresh[0].i}, which is not: the archive is reordered`);
    if (existing.position < lastPresentPosition) throw refused(i, `is at position ${existing.position} in the log, before the entry above it: the archive is reordered`);
    lastPresentPosition = existing.position;
    present++;
  });
  const continued = new Set<string>();
  for (const { e, i } of fresh) {
    if (continued.has(e.streamId)) continue;
    continued.add(e.streamId);
    const held = stored.get(e.streamId)?.length ?? 0;
    if (e.streamVersion !== held + 1) throw refused(i, `continues ${e.streamId} at version ${e.streamVersion} but the log holds it up to version ${held}`);
  }
  return { present, append: runs(fresh.map((f) => f.e)) };
}

/** within the archive, each stream's versions go up one at a time */
function assertVersionsFollow(events: Imported[]): void {
  const last = new Map<string, number>();
  events.forEach((e, i) => {
    const before = last.get(e.streamId);
    if (before !== undefined && e.streamVersion !== before + 1) {
      throw invalid(`import is invalid: events.${i}.streamVersion: ${e.streamId} goes from version ${before} to ${e.streamVersion}`,
        [{ path: `events.${i}.streamVersion`, message: `expected ${before + 1} after ${before}` }]);
    }
    last.set(e.streamId, e.streamVersion);
  });
}

/** stream id -> the log's events of that stream from version 1 */
async function storedVersions(store: EventStore, events: Imported[]): Promise<Map<string, RecordedEvent[]>> {
  const out = new Map<string, RecordedEvent[]>();
  for (const id of new Set(events.map((e) => e.streamId))) out.set(id, await store.readStream(id));
  return out;
}

function differences(e: Imported, existing: RecordedEvent): string[] {
  return [
    e.eventId !== existing.eventId ? 'eventId' : null,
    e.type !== existing.type ? 'type' : null,
    !isDeepStrictEqual(e.data, existing.data) ? 'data' : null,
    e.position !== undefined && e.position !== existing.position ? 'position' : null,
  ].filter((d): d is string => d !== null);
}

const refused = (i: number, why: string) => conflict('events.import', `events.${i} ${why}`, { entry: i });

/** consecutive events of the same stream go in one batch: same order, same versions */
function runs(events: Imported[]): AppendBatch[] {
  const out: AppendBatch[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    const event = { type: e.type, data: e.data, eventId: e.eventId, metadata: e.metadata };
    if (last && last.streamId === e.streamId) last.events.push(event);
    else out.push({ streamId: e.streamId, expectedVersion: e.streamVersion - 1, events: [event] });
  }
  return out;
}

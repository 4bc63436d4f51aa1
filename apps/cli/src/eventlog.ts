// Event-log helpers for export and import (pure).
import { UsageError } from './errors.js';

export const MAX_IMPORT_BYTES = 1024 * 1024;

/** Parses NDJSON (one event per line; blank lines ignored), naming the line of a bad one. */
export function parseNdjson(text: string, file = 'input'): unknown[] {
  const out: unknown[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      throw new UsageError(`${file}:${i + 1}: not a JSON line (${(err as Error).message})`);
    }
  });
  return out;
}

/** Splits events into batches whose body {"events":[...]} stays within maxBytes (UTF-8). */
export function batchEvents(events: unknown[], maxBytes = MAX_IMPORT_BYTES): unknown[][] {
  const overhead = Buffer.byteLength('{"events":[]}');
  const batches: unknown[][] = [];
  let cur: unknown[] = [];
  let size = overhead;
  events.forEach((e, i) => {
    const bytes = Buffer.byteLength(JSON.stringify(e));
    if (bytes + overhead > maxBytes) throw new UsageError(`event ${i + 1} is ${bytes} bytes: larger than one import call allows (${maxBytes})`);
    const add = bytes + (cur.length ? 1 : 0);
    if (size + add > maxBytes) {
      batches.push(cur);
      cur = [];
      size = overhead;
    }
    size += bytes + (cur.length ? 1 : 0);
    cur.push(e);
  });
  if (cur.length) batches.push(cur);
  return batches;
}

/** what `POST /events:import` answers per call */
export interface ImportAnswer { received: number; alreadyPresent: number; appended: number }

/** the sum of every call's answer in one line: a re-import says it appended nothing, not "imported N" */
export function importSummary(answers: ImportAnswer[]): { imported: number; alreadyPresent: number; calls: number; line: string } {
  const imported = answers.reduce((n, a) => n + a.appended, 0);
  const alreadyPresent = answers.reduce((n, a) => n + a.alreadyPresent, 0);
  const calls = answers.length;
  const line = `${imported} event(s) imported, ${alreadyPresent} already present, in ${calls} call(s)`;
  return { imported, alreadyPresent, calls, line };
}

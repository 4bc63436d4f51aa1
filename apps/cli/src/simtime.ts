// Simulated-time parsing and formatting (pure).
import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a duration in seconds: 90, "90", "90s", "5m", "1h30m", "1.5h", "2d". */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new UsageError(`invalid duration ${input}: expected a number of seconds >= 0`);
    return input;
  }
  const s = input.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s.length === 0 || matched !== s.length) {
    throw new UsageError(`invalid duration "${input}": use seconds or units, e.g. 300, 300s, 5m, 1h30m, 2d`);
  }
  return Math.round(total * 1000) / 1000;
}

/** Formats seconds as a compact duration: 0s, 45s, 5m, 1h2m3s. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const neg = seconds < 0;
  let rest = Math.abs(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${Math.round(rest * 1000) / 1000}s`);
  return (neg ? '-' : '') + parts.join('');
}

export type AtSpec = { kind: 'position'; position: number } | { kind: 'simTime'; seconds: number };

/** `--at` accepts a log position (a bare integer, or "pos:N") or a simulated time with a unit ("300s", "5m", "t=300"). */
export function parseAt(input: string): AtSpec {
  const s = input.trim();
  const pos = /^(?:pos(?:ition)?[:=])?(\d+)$/i.exec(s);
  if (pos) return { kind: 'position', position: Number(pos[1]) };
  const t = /^t[:=](.+)$/i.exec(s);
  return { kind: 'simTime', seconds: parseDuration(t ? t[1]! : s) };
}

/** Minimal shape of a recorded event used to locate a simulated time in the log. */
export interface PositionedEvent {
  position: number;
  metadata?: { simTime?: number } | null;
}

/**
 * Scans one page of events (in global order) for the last event whose metadata.simTime <= t.
 * Events without simTime inherit the time of the event before them.
 * Returns the best position so far and whether scanning can stop (an event later than t was seen).
 */
export function scanForSimTime(
  events: PositionedEvent[],
  t: number,
  state: { position: number | null; lastSimTime: number },
): { position: number | null; lastSimTime: number; done: boolean } {
  let { position, lastSimTime } = state;
  for (const e of events) {
    const st = typeof e.metadata?.simTime === 'number' ? e.metadata.simTime : lastSimTime;
    if (st > t) return { position, lastSimTime, done: true };
    position = e.position;
    lastSimTime = st;
  }
  return { position, lastSimTime, done: false };
}

/** Parses a clock rate in simulated seconds per real second: 60, "60x", "0.5x". */
export function parseRate(input: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*x?\s*$/i.exec(input);
  const rate = m ? Number(m[1]) : Number.NaN;
  if (!(rate > 0)) throw new UsageError(`invalid rate "${input}": simulated seconds per real second, e.g. 60x (a minute per second) or 3600x`);
  return rate;
}

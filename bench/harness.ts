// Benchmark plumbing: a scratch database per run, timing, and the one result table.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import { EventStore, openDataSource } from '@virtsim/event-store';

export interface Row { group: string; name: string; ours: string; raw?: string; ratio?: string; target?: string; ok?: boolean }

export const rows: Row[] = [];
export const record = (row: Row) => { rows.push(row); process.stderr.write(`  ${row.group} / ${row.name}: ${row.ours}${row.raw ? ` (raw ${row.raw})` : ''}\n`); };

export const PG_ADMIN = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export async function scratchDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
}

/** the installation default (VIRTSIM_SYNC_COMMIT=off); raw clients run with the same setting */
export const SYNC_COMMIT = (process.env.VIRTSIM_SYNC_COMMIT ?? 'off') === 'on';
export const rawPoolOptions = (url: string, max: number) => ({ connectionString: url, max, ...(SYNC_COMMIT ? {} : { options: '-c synchronous_commit=off' }) });

export async function scratchStore(name: string, poolSize = 20): Promise<{ url: string; store: EventStore }> {
  const url = await scratchDatabase(name);
  return { url, store: new EventStore(await openDataSource({ url, poolSize, synchronousCommit: SYNC_COMMIT })) };
}

export async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export const perSecond = (n: number, ms: number) => Math.round((n * 1000) / ms);
export const fmt = (n: number, unit = '') => `${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)}${unit}`;
export const pct = (a: number, b: number) => `${Math.round((100 * a) / b)}%`;

export function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function printTable(): void {
  const header = ['group', 'measure', 'virtsim', 'raw', 'ratio', 'target', 'met'];
  const data = rows.map((r) => [r.group, r.name, r.ours, r.raw ?? '', r.ratio ?? '', r.target ?? '', r.ok === undefined ? '' : r.ok ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...data.map((d) => d[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const d of data) console.log(line(d));
}

/** CPU milliseconds of this process spent in a synchronous fn (compute benchmarks: other processes share the machine) */
export function cpuMs<T>(fn: () => T): { ms: number; value: T } {
  const start = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, value };
}

/** n timed runs of fn (after one warm-up): the samples in CPU ms */
export function samplesOf(n: number, fn: () => unknown): number[] {
  fn();
  return Array.from({ length: n }, () => cpuMs(fn).ms);
}

export const median = (samples: number[]) => percentile(samples, 50);

/** a compute row: median of the samples (CPU ms), best in parentheses, against `<= target ms` */
export function recordCompute(group: string, name: string, samples: number[], targetMs?: number): void {
  const m = median(samples);
  record({
    group, name, ours: `${fmt(m, ' ms')} (best ${fmt(Math.min(...samples), ' ms')})`,
    ...(targetMs !== undefined ? { target: `<= ${targetMs} ms`, ok: m <= targetMs } : {}),
  });
}

/** a full GC: global.gc under --expose-gc, else the flag set at run time and gc taken from a fresh context */
function gcFunction(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

/** heap growth (MiB) while `build` runs and its result stays alive (full GCs before and after) */
export function heapDeltaMiB<T>(build: () => T): { mib: number; value: T; exact: boolean } {
  const gc = gcFunction();
  gc?.(); gc?.();
  const before = process.memoryUsage().heapUsed;
  const value = build();
  gc?.(); gc?.();
  return { mib: (process.memoryUsage().heapUsed - before) / 1048576, value, exact: gc !== undefined };
}

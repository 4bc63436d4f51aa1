// Golden-log scenario harness (as Proxmox's HA manager regression suite does): a scenario file of
// timed commands goes in, the normalized event log comes out and is compared with scenarios/<name>/expected.log.
//
// One run = one fresh installation: its own PostgreSQL database and NATS subject prefix, every service
// in this process (startSystem), the scenario driven through the HTTP API by the CLI's own runner
// (apps/cli/src/scenario). Regenerate the expected files with UPDATE_GOLDEN=1 (see scenarios/README.md).
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { ApiClient } from '../../apps/cli/src/http.js';
import { readEvents, type LogEvent } from '../../apps/cli/src/read-events.js';
import { parseScenario, formatIssue, type ScenarioPlan } from '../../apps/cli/src/scenario/plan.js';
import { runScenario, violatedInvariants, type ScenarioSummary } from '../../apps/cli/src/scenario/run.js';
import { formatStep } from '../../apps/cli/src/scenario/summary.js';
import { startSystem } from '../system.js';

export const SCENARIOS_DIR = join(process.cwd(), 'scenarios');

/** High-volume sample events: summarized as one count line per (second, type) instead of one line each. */
export const NOISY = new Set([
  'CpuSchedulingSampled', 'IoStatsChanged', 'MigrationProgressed', 'MigrationRoundCompleted', 'TaskProgressed', 'ClockAdvanced',
  'VmCreationStepRequested', 'VmCreationStepCompleted', 'TaskCreated', 'TaskSucceeded', // TaskFailed stays
]);

/** Fields that depend on the wall clock or on random ids, dropped from every line. */
const DROP_KEYS = new Set(['recordedAt', 'eventId', 'requestedAt', 'timestamp', 'wallTime', 'createdAt', 'updatedAt', 'startedAt', 'finishedAt']);

/** Static configuration copied into events (the spec already says it): dropped from data to keep lines short. */
const VERBOSE_KEYS = new Set(['links', 'options', 'workload', 'extents']);

/** Keys printed first, in this order; the others follow alphabetically (the store's jsonb does not keep key order). */
const KEY_ORDER = ['vmId', 'vmIds', 'hostId', 'fromHostId', 'toHostId', 'sourceHostId', 'targetHostId', 'migrationId', 'recommendationId', 'ruleId', 'taskId', 'kind', 'cause', 'from', 'to', 'state', 'priority', 'order', 'method', 'reason'];
const keyRank = (k: string) => { const i = KEY_ORDER.indexOf(k); return i < 0 ? KEY_ORDER.length : i; };
const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => keyRank(a) - keyRank(b) || (a < b ? -1 : a > b ? 1 : 0);

export interface GoldenRun {
  plan: ScenarioPlan;
  /** undefined when the run stopped (setup refused, server error): see error */
  summary?: ScenarioSummary;
  error?: string;
  steps: string[];
  log: string;
  hash: string;
  position: number;
  verifyOk: boolean;
  verify: unknown;
  /** invariants breached at the end (GET /invariants, B6): none in a correct scenario */
  violated: string[];
}

export function loadPlan(file: string): ScenarioPlan {
  const r = parseScenario(readFileSync(file, 'utf8'));
  if (!r.plan) throw new Error(`${file}: ${r.issues.map((i) => formatIssue(file, i)).join('\n')}`);
  return r.plan;
}

export function scenarioNames(dir = SCENARIOS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'scenario.yaml')))
    .map((d) => d.name)
    .sort();
}

/** Rounds a number for the golden file: integers stay, others keep 3 significant decimals at most. */
export function roundNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 1 ? 2 : 3;
  return String(Number(n.toFixed(digits)));
}

function value(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'number') return roundNumber(v);
  if (typeof v === 'string') return /[\s,{}[\]=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (v.length > 30) return `[${v.slice(0, 24).map((x) => value(x, depth + 1)).join(',')},…+${v.length - 24}]`;
    return `[${v.map((x) => value(x, depth + 1)).join(',')}]`;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([k, x]) => !DROP_KEYS.has(k) && x !== undefined).sort(byKey);
    if (depth >= 3) return '{…}';
    return `{${entries.map(([k, x]) => `${k}:${value(x, depth + 1)}`).join(',')}}`;
  }
  return String(v);
}

/** Shorter forms of a few structured fields. */
function compact(key: string, v: unknown): string {
  if (key === 'numa' && v && typeof v === 'object' && Array.isArray((v as { nodes?: unknown }).nodes)) return value((v as { nodes: unknown[] }).nodes);
  if (key === 'devices' && Array.isArray(v)) return value(v.map((d) => (d && typeof d === 'object' ? ((d as Record<string, unknown>).deviceId ?? (d as Record<string, unknown>).kind) : d)));
  if (key === 'rounds' && Array.isArray(v)) return `${v.length}`;
  return value(v);
}

/** One event as one line: `<simTime>s <streamCategory> <type> <key=value ...>` (ids kept, wall-clock fields dropped). */
export function formatEvent(e: Pick<LogEvent, 'streamId' | 'type' | 'data' | 'metadata'>): string {
  const t = Number(e.metadata?.simTime ?? 0);
  const category = e.streamId.includes('-') ? e.streamId.slice(0, e.streamId.indexOf('-')) : e.streamId;
  const fields = Object.entries(e.data ?? {})
    .filter(([k, x]) => !DROP_KEYS.has(k) && !VERBOSE_KEYS.has(k) && x !== undefined)
    // simTime repeats the time column; clusterId is the same on every line but those of the cluster stream
    .filter(([k, x]) => !(k === 'simTime' && Number(x) === t) && !(k === 'clusterId' && category !== 'cluster'))
    .sort(byKey)
    .map(([k, x]) => `${k}=${compact(k, x)}`);
  return [`${roundNumber(t)}s`, category, e.type, ...fields].join(' ');
}

/** The normalized log: one line per event, noisy sample events counted per second and summarized as
 *  `<t>s ~ <Type> x<n>` lines at the end of that second. */
export function normalizeEvents(events: Pick<LogEvent, 'streamId' | 'type' | 'data' | 'metadata'>[]): string {
  const out: string[] = [];
  let second: string | null = null;
  const counts = new Map<string, number>();
  const flush = () => {
    for (const [type, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out.push(`${second}s ~ ${type} x${n}`);
    counts.clear();
  };
  for (const e of events) {
    const t = roundNumber(Number(e.metadata?.simTime ?? 0));
    if (t !== second) {
      flush();
      second = t;
    }
    if (e.type === 'ClockAdvanced') continue; // the time column already says it
    if (NOISY.has(e.type)) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
    else out.push(formatEvent(e));
  }
  flush();
  return out.join('\n') + '\n';
}

/** A unified-style diff of the first differing region (or '' when equal). */
export function firstDiff(expected: string, actual: string, context = 3, max = 40): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (i === a.length && i === b.length) return '';
  // find where they meet again (shortest resync within a window)
  let ea = a.length;
  let eb = b.length;
  search: for (let d = 1; d < 400; d++) {
    for (let x = 0; x <= d; x++) {
      const ia = i + x;
      const ib = i + (d - x);
      if (ia < a.length && ib < b.length && a[ia] === b[ib] && a.slice(ia, ia + 3).join('\n') === b.slice(ib, ib + 3).join('\n')) {
        ea = ia;
        eb = ib;
        break search;
      }
    }
  }
  const start = Math.max(0, i - context);
  const lines = [`--- expected.log`, `+++ actual`, `@@ -${start + 1},${ea - start + context} +${start + 1},${eb - start + context} @@`];
  for (let k = start; k < i; k++) lines.push(` ${a[k]}`);
  const removed = a.slice(i, ea);
  const added = b.slice(i, eb);
  for (const l of removed.slice(0, max)) lines.push(`-${l}`);
  if (removed.length > max) lines.push(`-… ${removed.length - max} more`);
  for (const l of added.slice(0, max)) lines.push(`+${l}`);
  if (added.length > max) lines.push(`+… ${added.length - max} more`);
  for (let k = ea; k < Math.min(a.length, ea + context); k++) lines.push(` ${a[k]}`);
  return lines.join('\n');
}

/** Boots a fresh installation, runs the scenario through the API, returns its normalized log and final hash. */
export async function runGolden(file: string, label = 'golden', inspect?: (client: ApiClient) => Promise<void>): Promise<GoldenRun> {
  const plan = loadPlan(file);
  const db = await createTestDatabase(label);
  const token = 'golden-admin';
  const sys = await startSystem({
    DATABASE_URL: db.url,
    NATS_URL: natsUrl(),
    VIRTSIM_SUBJECT_PREFIX: uniqueName(label),
    VIRTSIM_API_TOKENS: `admin:${token}`,
  });
  try {
    const client = new ApiClient(`${sys.url}/api/v1`, token);
    const steps: string[] = [];
    let summary: ScenarioSummary | undefined;
    let error: string | undefined;
    try {
      // batchSize 1: POST /vms:batch runs its creation sagas concurrently, which interleaves their events
      // in a different order on each run; one VM per batch keeps the log in plan order (B3)
      summary = await runScenario(client, plan, { progress: false, batchSize: 1, log: () => {}, onStep: (r) => steps.push(formatStep(r)) });
    } catch (err) {
      error = (err as Error).message;
    }
    const events: LogEvent[] = [];
    for await (const page of readEvents(client, { pageSize: 1000 })) events.push(...page);
    const hash = await client.get<{ position: number; hash: string }>('/state/hash');
    const verify = await client.get<{ ok: boolean }>('/verify');
    const violated = await violatedInvariants(client);
    if (inspect) await inspect(client);
    return { plan, summary, error, steps, log: normalizeEvents(events), hash: String(hash.hash), position: Number(hash.position), verifyOk: verify?.ok === true, verify, violated };
  } finally {
    await sys.stop();
    await db.drop();
  }
}

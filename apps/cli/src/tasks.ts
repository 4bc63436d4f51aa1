// Waiting for long operations: a 202 answer carries a task; poll GET /tasks/:id until it ends.
import { SingleBar, Presets } from 'cli-progress';
import type { ApiClient } from './http.js';
import { CliError } from './errors.js';

export interface Task {
  id: string;
  kind: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: number;
  result?: unknown;
  error?: unknown;
  /** set by the server on an unfinished task that waits for simulated time while the clock is stopped */
  hint?: string;
}

const TASK_STATES = new Set(['queued', 'running', 'succeeded', 'failed']);

export function isTask(v: unknown): v is Task {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o.id === 'string' && typeof o.state === 'string' && TASK_STATES.has(o.state) && ('progress' in o || 'kind' in o);
}

export function taskErrorMessage(t: Task): string {
  const e = t.error;
  if (!e) return `task ${t.id} (${t.kind}) failed`;
  if (typeof e === 'string') return `task ${t.id} (${t.kind}) failed: ${e}`;
  const o = e as Record<string, unknown>;
  const msg = o.detail ?? o.message ?? o.title ?? o.reason ?? JSON.stringify(e);
  const code = o.code ?? o.status;
  return `task ${t.id} (${t.kind}) failed${code ? ` [${String(code)}]` : ''}: ${String(msg)}`;
}

/** what to say instead of waiting for ticks nobody runs */
export function stoppedClockMessage(t: Task): string {
  return [
    `task ${t.id} (${t.kind}) is ${t.state} at ${t.progress ?? 0}% and waits for simulated time, but the simulated clock is stopped.`,
    'Start it:   virtsim sim run --rate 60x   (or advance it: virtsim sim advance 5m, or wait with --drive 10s)',
    `Then:       virtsim tasks wait ${t.id}`,
  ].join('\n');
}

/** an unfinished task the server says will not move by itself (and the caller is not advancing the clock) */
const stalled = (t: Task, opts: WaitOptions) => !!t.hint && !opts.onPoll && (t.state === 'queued' || t.state === 'running');

export interface WaitOptions {
  progress: boolean;
  label?: string;
  intervalMs?: number;
  timeoutMs?: number;
  /** called after each poll that finds the task unfinished (e.g. to advance the simulated clock) */
  onPoll?: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls a task until it succeeds (returns it) or fails (throws CliError). */
export async function waitTask(client: ApiClient, task: Task, opts: WaitOptions): Promise<Task> {
  const show = opts.progress && process.stderr.isTTY;
  const bar = show
    ? new SingleBar({ format: `${opts.label ?? task.kind} [{bar}] {percentage}% {state}`, stream: process.stderr, hideCursor: true, clearOnComplete: false }, Presets.shades_classic)
    : undefined;
  bar?.start(100, task.progress ?? 0, { state: task.state });
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  let cur = task;
  let interval = opts.intervalMs ?? 200;
  try {
    while (cur.state === 'queued' || cur.state === 'running') {
      if (stalled(cur, opts)) throw new CliError(stoppedClockMessage(cur));
      if (Date.now() > deadline) throw new CliError(`task ${cur.id} did not finish in time (last state ${cur.state}, ${cur.progress}%)`);
      if (opts.onPoll) await opts.onPoll();
      else await sleep(interval);
      interval = Math.min(1000, Math.round(interval * 1.3));
      cur = await client.get<Task>(`/tasks/${encodeURIComponent(cur.id)}`);
      bar?.update(cur.progress ?? 0, { state: cur.state });
    }
    if (cur.state === 'succeeded') bar?.update(100, { state: cur.state });
  } finally {
    bar?.stop();
  }
  if (cur.state === 'failed') throw new CliError(taskErrorMessage(cur));
  return cur;
}

/**
 * Turns any answer into its final value: a task is waited for and its result returned;
 * a list of tasks ({items|tasks: [...]}) is waited for one by one; anything else is returned as is.
 */
export async function settle(client: ApiClient, answer: unknown, opts: WaitOptions): Promise<unknown> {
  if (isTask(answer)) {
    const done = await waitTask(client, answer, opts);
    return done.result ?? done;
  }
  if (answer && typeof answer === 'object') {
    const o = answer as Record<string, unknown>;
    const list = Array.isArray(answer) ? answer : Array.isArray(o.tasks) ? o.tasks : Array.isArray(o.items) ? o.items : null;
    if (list && list.length && list.every(isTask)) {
      const out: unknown[] = [];
      for (const t of list as Task[]) {
        const done = await waitTask(client, t, opts);
        out.push(done.result ?? done);
      }
      return out;
    }
    if (isTask(o.task)) {
      const done = await waitTask(client, o.task, opts);
      return done.result ?? done;
    }
  }
  return answer;
}

// The console's state: who is signed in, the system as of now or of a past log position (GET /state[?at=]),
// the live event stream and tasks. Live, every event refreshes the snapshot (coalesced); in the past, nothing
// moves until the operator moves the slider or returns to live.
import { useEffect, useState } from 'preact/hooks';
import { Api, ApiError, type RecordedEvent } from './api.js';
import type { Snapshot } from './model.js';

export type Role = 'admin' | 'operator' | 'auditor';
export interface Notice { kind: 'error' | 'info'; text: string }

export interface ConsoleState {
  api: Api | null;
  role: Role | null;
  may: { operate: boolean; changePolicy: boolean };
  /** null: live; else the log position every page shows */
  at: number | null;
  head: number;
  snap: Snapshot | null;
  /** bumps on each new snapshot: pages re-read their details */
  version: number;
  clock: { tick: number; simTime: number } | null;
  connected: boolean;
  events: RecordedEvent[];
  tasks: any[];
  notice: Notice | null;
}

const TOKEN_KEY = 'virtsim.token';
const KEEP_EVENTS = 200;
const COALESCE_MS = 50;

let state: ConsoleState = {
  api: null, role: null, may: { operate: false, changePolicy: false }, at: null, head: 0, snap: null, version: 0,
  clock: null, connected: false, events: [], tasks: [], notice: null,
};
const listeners = new Set<() => void>();
let stream: AbortController | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | null = null;
let tasksDirty = false;
let snapInFlight = false;
let snapAgain = false;

export const current = () => state;

function set(patch: Partial<ConsoleState>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}

/** re-renders the calling component whenever the console state changes */
export function useConsole(): ConsoleState {
  const [, tick] = useState(0);
  useEffect(() => {
    const l = () => tick((n) => n + 1);
    listeners.add(l);
    return () => { listeners.delete(l); };
  }, []);
  return state;
}

export function notify(notice: Notice | null): void { set({ notice }); }

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** signs in with a token: asks who it is, loads the present, follows the log */
export async function signIn(token: string): Promise<void> {
  const api = new Api(token);
  const me = await api.get<{ role: Role; may: ConsoleState['may'] }>('/me');
  sessionStorage.setItem(TOKEN_KEY, token);
  set({ api, role: me.role, may: me.may, notice: null });
  await Promise.all([loadSnapshot(), loadTasks(), loadClock()]);
  stream = new AbortController();
  api.follow(state.head, onEvent, (connected) => set({ connected }), stream.signal).catch(() => signOut('the token is no longer accepted'));
}

export function signOut(reason?: string): void {
  stream?.abort();
  stream = null;
  sessionStorage.removeItem(TOKEN_KEY);
  set({ api: null, role: null, snap: null, at: null, events: [], tasks: [], notice: reason ? { kind: 'error', text: reason } : null });
}

export const savedToken = () => sessionStorage.getItem(TOKEN_KEY);

function onEvent(e: RecordedEvent): void {
  const events = [e, ...state.events].slice(0, KEEP_EVENTS);
  const clock = e.type === 'ClockAdvanced' ? { tick: e.data.tick, simTime: e.data.simTime } : state.clock;
  if (e.type.startsWith('Task')) tasksDirty = true;
  set({ events, clock, head: Math.max(state.head, e.position) });
  if (state.at === null) scheduleRefresh();
}

function scheduleRefresh(): void {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    void loadSnapshot();
    if (tasksDirty) { tasksDirty = false; void loadTasks(); }
  }, COALESCE_MS);
}

/** the whole system as of `state.at` (or now). One request at a time: asks made meanwhile are merged into one
 *  more request when it answers (dropping answers that a newer request overtook would starve a busy log). */
export async function loadSnapshot(): Promise<void> {
  if (snapInFlight) { snapAgain = true; return; }
  snapInFlight = true;
  try {
    do {
      snapAgain = false;
      await readSnapshot();
    } while (snapAgain);
  } finally {
    snapInFlight = false;
  }
}

async function readSnapshot(): Promise<void> {
  const api = state.api;
  if (!api) return;
  const at = state.at;
  try {
    const snap = await api.get<Snapshot>(`/state${at === null ? '' : `?at=${at}`}`);
    // travelled meanwhile: that move asked for its own snapshot
    if (state.at !== at || state.api !== api) return;
    set({ snap, version: state.version + 1, head: at === null ? Math.max(state.head, snap.position) : state.head });
  } catch (err) {
    notify({ kind: 'error', text: `could not read the system state: ${errorText(err)}` });
  }
}

async function loadTasks(): Promise<void> {
  try {
    const r = await state.api!.get<{ items: any[] }>('/tasks?limit=1000');
    set({ tasks: r.items.slice().reverse() });
  } catch (err) { notify({ kind: 'error', text: errorText(err) }); }
}

async function loadClock(): Promise<void> {
  const c = await state.api!.get<{ tick: number; simTime: number }>('/sim/clock');
  set({ clock: { tick: c.tick, simTime: c.simTime } });
}

/** time travel: a position in the past, or null for the present */
export function travel(at: number | null): void {
  const past = at !== null && at < state.head ? Math.max(0, Math.floor(at)) : null;
  set({ at: past });
  void loadSnapshot();
  if (past === null) void loadTasks();
}

/** runs an operator action and reports its outcome; the stream brings the effects */
export async function act(label: string, fn: (api: Api) => Promise<unknown>): Promise<boolean> {
  if (!state.api) return false;
  try {
    await fn(state.api);
    notify({ kind: 'info', text: `${label}: done` });
    return true;
  } catch (err) {
    notify({ kind: 'error', text: `${label}: ${errorText(err)}` });
    if (err instanceof ApiError && err.status === 401) signOut('the token is no longer accepted');
    return false;
  }
}

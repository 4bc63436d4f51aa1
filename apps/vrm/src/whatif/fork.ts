// A throwaway installation for a what-if (B5): its own database (a scratch database on the same PostgreSQL
// server, or an embedded PGlite in a temporary folder when the real one is embedded), the log copied from the
// real one up to the fork position, and the same six services in this process over an in-process transport.
// The real log is only read; the fork is dropped afterwards.
// On PostgreSQL the log is copied once per what-if into a template database, where each service's state is folded
// once and kept as its snapshot; each fork (baseline and every variant) is a `CREATE DATABASE ... TEMPLATE` of it
// (a file copy inside the server) whose services start from those snapshots. Measured on 176,000 events: the copy
// ~10 s and the fold ~13 s happen once instead of once per fork.
// On PostgreSQL the log is copied once per what-if, into a template database, and each fork (baseline and
// every variant) is a `CREATE DATABASE ... TEMPLATE` of it: a file copy inside the server instead of a second
// pass of every event through this process (measured: 10-12 s per fork of 176,000 events saved after the first).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@virtsim/contracts';
import type { inventory } from '@virtsim/domain';
import type { AppendBatch, EventStore } from '@virtsim/event-store';
import { SERVICES, type ServiceName } from '@virtsim/messaging';
import { bootService, loadConfig, Projection, Runtime, serviceDefinitions, type ProjectionDef, type RunningService } from '@virtsim/service-kit';
import { configureHttp } from '../http/configure.js';
import { InvariantWatcher } from '../invariants/watcher.js';
import type { VrmState } from '../state.js';

const PAGE = 5000;

export interface Fork {
  rt: Runtime;
  url: string;
  token: string;
  /** the fork's log head right after the copy (its positions are its own) */
  forkHead: number;
  /** the fork vrm's inventory now */
  inventory(): inventory.InventoryView;
  /** resolves when the fork's invariant watcher has checked (and recorded) everything appended so far */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/** Where a what-if's forks come from: the real log as of `at`, copied once (PostgreSQL) or per fork (embedded). */
export interface ForkSource {
  open(): Promise<Fork>;
  /** drops the template database, if any */
  close(): Promise<void>;
}

/** `observe` sees every copied event once, in order (the meter's state before the fork) */
export async function forkSource(real: Runtime, at: number, observe: (e: RecordedEvent) => void): Promise<ForkSource> {
  if (!real.config.DATABASE_URL) {
    let observed = false;
    const fill = async (store: EventStore) => {
      const head = await copyLog(real.store, store, at, observed ? undefined : observe);
      observed = true;
      return head;
    };
    return { open: async () => openFork(real, await embeddedPlace(), fill), close: async () => undefined };
  }
  const server = pgServer(real.config.DATABASE_URL);
  const template = await server.create();
  let head = 0;
  try {
    const rt = await Runtime.create(forkConfig(real, template.env, 'x'));
    try {
      head = await copyLog(real.store, rt.store, at, observe);
      await snapshotEveryService(rt);
    } finally {
      await rt.close();
    }
  } catch (err) {
    await template.drop();
    throw err;
  }
  return {
    open: async () => openFork(real, await server.create(template.name), async () => head),
    close: () => template.drop(),
  };
}

/** each service's state folded from the copied log, kept as its snapshot (what bootService starts from) */
async function snapshotEveryService(rt: Runtime): Promise<void> {
  const defs = serviceDefinitions();
  await Promise.all(SERVICES.map(async (name) => {
    const p = new Projection(defs[name].projection as ProjectionDef<unknown>, rt.store, {});
    await p.start();
    await p.stop({ snapshot: true });
  }));
}

function forkConfig(real: Runtime, env: Record<string, string>, token: string) {
  return loadConfig({
    ...env, PORT: '0', LOG_LEVEL: real.config.LOG_LEVEL, VIRTSIM_API_TOKENS: `admin:${token}`,
    VIRTSIM_TICK_SECONDS: String(real.config.VIRTSIM_TICK_SECONDS), VIRTSIM_SNAPSHOT_EVERY: '100000000',
    // a fork's time moves only by its steps, even when the real clock runs by itself
    VIRTSIM_SIM_RATE: 'manual',
  });
}

async function openFork(real: Runtime, scratch: Place, fill: (store: EventStore) => Promise<number>): Promise<Fork> {
  const token = randomBytes(12).toString('hex');
  let rt: Runtime;
  try {
    rt = await Runtime.create(forkConfig(real, scratch.env, token));
  } catch (err) {
    await scratch.drop();
    throw err;
  }
  const running: RunningService<unknown>[] = [];
  const stop = async () => {
    for (const s of running.reverse()) await s.stop({ snapshot: false }).catch(() => undefined);
    await rt.close().catch(() => undefined);
    await scratch.drop();
  };
  try {
    const forkHead = await fill(rt.store);
    const defs = serviceDefinitions();
    // the five services fold the copied log side by side (one's reads overlap another's folding), the vrm last:
    // it drives the others once it is up
    const peers = await Promise.allSettled(SERVICES.filter((s) => s !== 'vrm').map((name: ServiceName) => bootService(rt, defs[name])));
    for (const p of peers) if (p.status === 'fulfilled') running.push(p.value);
    const failed = peers.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (failed) throw failed.reason;
    const vrm = await bootService(rt, defs.vrm, { port: 0, configure: configureHttp }) as RunningService<VrmState>;
    running.push(vrm as RunningService<unknown>);
    return {
      rt, url: `${vrm.url!}/api/v1`, token, forkHead, stop,
      inventory: () => vrm.ctx.state.inventory,
      settle: () => vrm.app.get(InvariantWatcher).settle(),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** the events up to `at`, in order, each with its stream, id and metadata (positions are the fork's own) */
async function copyLog(from: EventStore, to: EventStore, at: number, observe?: (e: RecordedEvent) => void): Promise<number> {
  let head = 0;
  for (let after = 0; after < at;) {
    const page = (await from.readAll(after, Math.min(PAGE, at - after))).filter((e) => e.position <= at);
    if (page.length === 0) break;
    if (observe) for (const e of page) observe(e);
    const r = await to.append(runs(page));
    head = r.lastPosition;
    after = page[page.length - 1]!.position;
  }
  return head;
}

/** consecutive events of one stream as one batch (the append keeps the order of its batches) */
function runs(events: RecordedEvent[]): AppendBatch[] {
  const out: AppendBatch[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    const item = { type: e.type, data: e.data, eventId: e.eventId, metadata: e.metadata };
    if (last && last.streamId === e.streamId) last.events.push(item);
    else out.push({ streamId: e.streamId, expectedVersion: 'any', events: [item] });
  }
  return out;
}

/** where a fork's log lives, and how to drop it */
interface Place { name: string; env: Record<string, string>; drop: () => Promise<void> }

/** an embedded database in a temporary folder (the real one is embedded too) */
async function embeddedPlace(): Promise<Place> {
  const dir = await mkdtemp(join(tmpdir(), 'virtsim-whatif-'));
  return { name: dir, env: { VIRTSIM_DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
}

/** scratch databases beside the real one on its PostgreSQL server, empty or copied from a template */
function pgServer(databaseUrl: string): { create: (template?: string) => Promise<Place> } {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const run = async (sql: string) => {
    const pg = await import('pg');
    const c = new pg.default.Client({ connectionString: admin.toString() });
    await c.connect();
    try { await c.query(sql); } finally { await c.end(); }
  };
  return {
    create: async (template) => {
      const url = new URL(databaseUrl);
      const name = `${url.pathname.slice(1) || 'virtsim'}_whatif_${randomBytes(4).toString('hex')}`.slice(0, 63);
      await run(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
      url.pathname = `/${name}`;
      return { name, env: { DATABASE_URL: url.toString() }, drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
    },
  };
}

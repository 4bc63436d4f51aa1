// A throwaway installation for a what-if (B5): its own database (a scratch database on the same PostgreSQL
// server, or an embedded PGlite in a temporary folder when the real one is embedded), the log copied from the
// real one up to the fork position, and the same six services in this process over an in-process transport.
// The real log is only read; the fork is dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@virtsim/contracts';
import type { inventory } from '@virtsim/domain';
import type { AppendBatch, EventStore } from '@virtsim/event-store';
import { SERVICES, type ServiceName } from '@virtsim/messaging';
import { bootService, loadConfig, Runtime, serviceDefinitions, type Config, type RunningService } from '@virtsim/service-kit';
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

export async function openFork(real: Runtime, at: number): Promise<Fork> {
  const token = randomBytes(12).toString('hex');
  const scratch = await scratchPlace(real.config);
  const rt = await Runtime.create(loadConfig({
    ...scratch.env, PORT: '0', LOG_LEVEL: real.config.LOG_LEVEL, VIRTSIM_API_TOKENS: `admin:${token}`,
    VIRTSIM_TICK_SECONDS: String(real.config.VIRTSIM_TICK_SECONDS), VIRTSIM_SNAPSHOT_EVERY: '100000000',
    // a fork's time moves only by its steps, even when the real clock runs by itself
    VIRTSIM_SIM_RATE: 'manual',
  }));
  const running: RunningService<unknown>[] = [];
  const stop = async () => {
    for (const s of running.reverse()) await s.stop().catch(() => undefined);
    await rt.close().catch(() => undefined);
    await scratch.drop();
  };
  try {
    const forkHead = await copyLog(real.store, rt.store, at);
    const defs = serviceDefinitions();
    const order: ServiceName[] = [...SERVICES.filter((s) => s !== 'vrm'), 'vrm'];
    for (const name of order) {
      running.push(await bootService(rt, defs[name], name === 'vrm' ? { port: 0, configure: configureHttp } : undefined));
    }
    const vrm = running[running.length - 1]! as RunningService<VrmState>;
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
async function copyLog(from: EventStore, to: EventStore, at: number): Promise<number> {
  let head = 0;
  for (let after = 0; after < at;) {
    const page = (await from.readAll(after, Math.min(PAGE, at - after))).filter((e) => e.position <= at);
    if (page.length === 0) break;
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

/** where the fork's log lives: a scratch database beside the real one, or an embedded one in a temporary folder */
async function scratchPlace(config: Config): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (!config.DATABASE_URL) {
    const dir = await mkdtemp(join(tmpdir(), 'virtsim-whatif-'));
    return { env: { VIRTSIM_DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const url = new URL(config.DATABASE_URL);
  const name = `${url.pathname.slice(1) || 'virtsim'}_whatif_${randomBytes(4).toString('hex')}`.slice(0, 63);
  const admin = new URL(config.DATABASE_URL);
  admin.pathname = '/postgres';
  const pg = await import('pg');
  const run = async (sql: string) => {
    const c = new pg.default.Client({ connectionString: admin.toString() });
    await c.connect();
    try { await c.query(sql); } finally { await c.end(); }
  };
  await run(`CREATE DATABASE "${name}"`);
  url.pathname = `/${name}`;
  return { env: { DATABASE_URL: url.toString() }, drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

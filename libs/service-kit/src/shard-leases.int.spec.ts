// The share leases on a real PostgreSQL (issue 22 item 3): a replica alone takes every share; one that joins is
// handed its half (the other gives those back first); one that stops gives its shares to the other; one whose
// lease session is cut loses every share at once and the other takes them. Each take-over bumps the share's epoch.
import { EventStore, openDataSource } from '@virtsim/event-store';
import { createTestDatabase } from '@virtsim/testing';
import { rootLogger } from './logger.js';
import { ShardLeases } from './shard-leases.js';

const SHARDS = 4;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;
const running: ShardLeases[] = [];

beforeAll(async () => {
  rootLogger().level = 'silent'; // the cut session is logged as an error, on purpose
  db = await createTestDatabase('shard_leases');
  store = new EventStore(await openDataSource({ url: db.url, poolSize: 2 }));
});
afterAll(async () => {
  for (const l of running) await l.stop();
  await store?.close();
  await db?.drop();
});

/** a replica whose handlers record what it was told, in order */
function replica(name: string) {
  const told: string[] = [];
  const leases = new ShardLeases(db.url, 'scheduler', name, SHARDS, {
    acquire: async (shares) => { told.push(`+${shares.join(',')}`); },
    release: async (shares) => { told.push(`-${shares.join(',')}`); },
  }, 100);
  running.push(leases);
  return { leases, told };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await ok())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const recorded = async () => (await store.dataSource.query(`SELECT share, epoch, holder FROM virtsim_shard_leases WHERE service = 'scheduler' ORDER BY share`))
  .map((r: { share: number; epoch: string; holder: string }) => `${r.share}:${r.holder}@${Number(r.epoch)}`);
const sorted = (s: Set<number>) => [...s].sort();

test('alone, then joined, then left, then cut off: every share always ends with exactly one holder', async () => {
  const a = replica('a');
  await a.leases.start();
  // alone: every share, in one round (one rebuild of the state)
  expect(sorted(a.leases.held)).toEqual([0, 1, 2, 3]);
  expect(a.told).toEqual(['+0,1,2,3']);
  expect(await recorded()).toEqual(['0:a@1', '1:a@1', '2:a@1', '3:a@1']);

  // b joins: a gives back half, b takes it once it is free
  const b = replica('b');
  await b.leases.start();
  await until('b holds two shares', () => b.leases.held.size === 2 && a.leases.held.size === 2);
  expect(sorted(new Set([...a.leases.held, ...b.leases.held]))).toEqual([0, 1, 2, 3]);
  expect(a.told[1]).toBe(`-${sorted(b.leases.held).join(',')}`);
  const moved = sorted(b.leases.held);
  expect(await recorded()).toEqual([0, 1, 2, 3].map((s) => (moved.includes(s) ? `${s}:b@2` : `${s}:a@1`)));

  // b stops: it gives its shares back, a takes them
  await b.leases.stop();
  expect(b.told.at(-1)).toBe(`-${moved.join(',')}`);
  await until('a holds every share again', () => a.leases.held.size === SHARDS);
  expect(await recorded()).toEqual([0, 1, 2, 3].map((s) => (moved.includes(s) ? `${s}:a@3` : `${s}:a@1`)));

  // c joins, then a's lease session is cut behind its back (as a crash or a partition would): a stops answering
  // for every share at once, and c takes them all
  const c = replica('c');
  await c.leases.start();
  await until('c holds two shares', () => c.leases.held.size === 2 && a.leases.held.size === 2);
  const ofA = sorted(a.leases.held);
  await store.dataSource.query(`SELECT pg_terminate_backend(pid) FROM virtsim_replicas WHERE service = 'scheduler' AND replica = 'a'`);
  await until('a lost its shares', () => a.leases.held.size === 0);
  expect(a.told.at(-1)).toBe(`-${ofA.join(',')}`);
  // a comes back with a new session (next round) and the four are shared out again; until then c held them all
  await until('every share held by exactly one of a and c', () => a.leases.held.size + c.leases.held.size === SHARDS && [...a.leases.held].every((s) => !c.leases.held.has(s)));
});

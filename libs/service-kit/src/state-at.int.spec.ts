// State as of a past position from kept snapshots (issue 9): the same state as a replay from position 0, before, at
// and after every checkpoint; the retention rule keeps the checkpoints it promises; a snapshot that does not load
// back to what was saved is not used.
import type { RecordedEvent } from '@virtsim/contracts';
import { stateHash } from '@virtsim/contracts';
import { EventStore, openDataSource } from '@virtsim/event-store';
import { createTestDatabase, eventsRead } from '@virtsim/testing';
import { Projection, type ProjectionDef } from '@virtsim/service-kit';

/** order-sensitive on purpose: any event applied twice, skipped or out of order changes the digest */
interface Tally { n: number; digest: number; byStream: Record<string, number[]> }

const tally: ProjectionDef<Tally> = {
  name: 'tally',
  initialState: () => ({ n: 0, digest: 7, byStream: {} }),
  evolve: (s, e: RecordedEvent) => {
    const i = (e.data as { i: number }).i;
    (s.byStream[e.streamId] ??= []).push(i);
    return { ...s, n: s.n + 1, digest: (s.digest * 31 + e.position * 7 + i) % 1_000_000_007 };
  },
};

const rule = { every: 1000, max: 4 };
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;
let live: Projection<Tally>;
const errors: unknown[] = [];
let appended = 0;

beforeAll(async () => {
  db = await createTestDatabase('state_at');
  store = new EventStore(await openDataSource({ url: db.url, poolSize: 4 }), undefined, rule);
  live = new Projection(tally, store, { snapshotEvery: 250, pollMs: 50, onError: (e) => errors.push(e) });
  await live.start();
});
afterAll(async () => {
  await live.stop();
  await store.close();
  await db.drop();
});

/** appends in small batches that the live projection follows, so it snapshots every ~250 positions */
async function appendUpTo(total: number): Promise<void> {
  for (; appended < total; appended += 50) {
    const events = Array.from({ length: 50 }, (_, k) => ({ type: 'Tick', data: { i: (appended + k) % 97 } }));
    await store.append({ streamId: `s-${(appended / 50) % 7}`, expectedVersion: 'any', events });
    await live.catchUp();
  }
  // a restart: waits for the snapshot in flight, saves the latest at `appended`, resumes from it
  await live.stop({ snapshot: true });
  await live.start();
}

const hashOf = (s: Tally) => stateHash(s);
const interval = (p: number) => Math.floor(p / rule.every);

async function expectSameAsReplayFromZero(positions: number[]): Promise<void> {
  const kept = (await store.snapshotPositions('tally')).map((s) => s.position);
  for (const p of positions) {
    const fromZero = await eventsRead(store, () => live.stateAt(p));
    const fromSnapshot = await eventsRead(store, () => live.stateAt(p, { useSnapshots: true }));
    expect({ p, hash: hashOf(fromSnapshot.value) }).toEqual({ p, hash: hashOf(fromZero.value) });
    expect(fromZero.value.n).toBe(p);
    // the rebuild from 0 reads the whole prefix; the other only what follows the nearest kept snapshot
    expect(fromZero.read).toBe(p);
    const nearest = Math.max(0, ...kept.filter((k) => k <= p));
    expect({ p, read: fromSnapshot.read }).toEqual({ p, read: p - nearest });
  }
}

const around = (ps: number[]) => [...new Set(ps.flatMap((p) => [p - 1, p, p + 1]))].filter((p) => p >= 0 && p <= appended);

test('checkpoints: the first snapshot in each interval is kept, with the latest', async () => {
  await appendUpTo(3500);
  const kept = await store.snapshotPositions('tally');
  const checkpoints = kept.filter((s) => s.checkpoint).map((s) => s.position);
  expect(checkpoints.map(interval)).toEqual([0, 1, 2, 3]);
  for (const c of checkpoints) expect(c % rule.every).toBeLessThan(500); // the first crossing, not a later one
  expect(kept[kept.length - 1].position).toBe(3500); // the latest, saved by stop()
  expect(kept.length).toBeLessThanOrEqual(checkpoints.length + 1);
});

test('state at positions before, at and after each checkpoint equals the replay from 0', async () => {
  const kept = (await store.snapshotPositions('tally')).map((s) => s.position);
  await expectSameAsReplayFromZero([0, 1, 999, 1000, 1001, 2500, ...around(kept)]);
});

test('the live state is not touched by a rebuild from a snapshot', async () => {
  const before = live.hash();
  const at = await live.stateAt(appended, { useSnapshots: true });
  at.byStream['s-0'].push(-1);
  expect(live.hash()).toBe(before);
  expect(hashOf(await live.stateAt(appended, { useSnapshots: true }))).toBe(before);
});

test('past max checkpoints the older ones are thinned to every 2nd interval; states still equal', async () => {
  await appendUpTo(6600);
  const kept = await store.snapshotPositions('tally');
  const checkpoints = kept.filter((s) => s.checkpoint).map((s) => s.position);
  expect(checkpoints.length).toBeLessThanOrEqual(rule.max);
  expect(checkpoints.map(interval)).toEqual([0, 2, 4, 6]);
  await expectSameAsReplayFromZero([3000, 5999, 6000, ...around(kept.map((s) => s.position))]);
});

test('a snapshot that does not load back to its hash is not used: the rebuild starts from 0', async () => {
  const last = (await store.snapshotPositions('tally')).filter((s) => s.checkpoint).pop()!.position;
  const emptied = JSON.stringify({ s: tally.initialState(), v: {} });
  await store.dataSource.query(`UPDATE snapshots SET state = $2 WHERE consumer = 'tally' AND position = $1`, [last, emptied]);
  errors.length = 0;
  const p = last + 10;
  const { value, read } = await eventsRead(store, () => live.stateAt(p, { useSnapshots: true }));
  expect(hashOf(value)).toBe(hashOf(await live.stateAt(p)));
  expect(read).toBe(p);
  expect(String(errors[0])).toMatch(/does not match its hash/);
});

test('a new projection version does not use the old version\'s snapshots: it starts from the log', async () => {
  const v2 = new Projection({ ...tally, version: 2 }, store, { pollMs: 50 });
  const { value, read } = await eventsRead(store, () => v2.stateAt(appended, { useSnapshots: true }));
  expect(read).toBe(appended);
  expect(hashOf(value)).toBe(hashOf(await live.stateAt(appended)));
  await v2.start();
  expect(v2.position).toBe(appended);
  await v2.stop({ snapshot: true });
  expect((await store.snapshotPositions('tally@v2')).map((s) => s.position)).toEqual([appended]);
});

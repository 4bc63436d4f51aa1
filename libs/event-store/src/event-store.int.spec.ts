import { ConcurrencyError, defaultVmBios, EVENT_UPCASTERS, type RecordedEvent } from '@virtsim/contracts';
import { createTestDatabase } from '@virtsim/testing';
import { EventStore, openDataSource, Subscription, UpcasterChain } from '@virtsim/event-store';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;

beforeAll(async () => {
  db = await createTestDatabase('event_store');
  store = new EventStore(await openDataSource({ url: db.url, poolSize: 20 }));
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

const ev = (type: string, i = 0) => ({ type, data: { i } });

test('append then read a stream back in version order', async () => {
  await store.append({ streamId: 'vm-a', expectedVersion: 0, events: [ev('VmCreationRequested'), ev('VmCreated')] });
  const events = await store.readStream('vm-a');
  expect(events.map((e) => [e.streamVersion, e.type])).toEqual([[1, 'VmCreationRequested'], [2, 'VmCreated']]);
});

test('two appends at the same expected version: exactly one wins, the other gets ConcurrencyError', async () => {
  await store.append({ streamId: 'host-1', expectedVersion: 0, events: [ev('HostAdded')] });
  const results = await Promise.allSettled([
    store.append({ streamId: 'host-1', expectedVersion: 1, events: [ev('HostPoweredOff', 1)] }),
    store.append({ streamId: 'host-1', expectedVersion: 1, events: [ev('HostPoweredOff', 2)] }),
  ]);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  expect(rejected.reason).toBeInstanceOf(ConcurrencyError);
  expect(await store.streamVersion('host-1')).toBe(2);
});

test('a retried append with the same event ids is stored once', async () => {
  const batch = { streamId: 'vm-idem', expectedVersion: 0, events: [{ type: 'VmCreated', data: {}, eventId: '7a1f0c7e-0000-4000-8000-000000000001' }] };
  const first = await store.append(batch);
  const again = await store.append(batch);
  expect(again.positions).toEqual(first.positions);
  expect(await store.readStream('vm-idem')).toHaveLength(1);
});

test('an append spanning several streams is atomic: one stale stream refuses the whole batch', async () => {
  await store.append({ streamId: 'multi-a', expectedVersion: 0, events: [ev('X')] });
  await expect(store.append([
    { streamId: 'multi-b', expectedVersion: 0, events: [ev('Y')] },
    { streamId: 'multi-a', expectedVersion: 0, events: [ev('Z')] },
  ])).rejects.toBeInstanceOf(ConcurrencyError);
  expect(await store.readStream('multi-b')).toHaveLength(0);
});

test('the database refuses UPDATE and DELETE on events, for the service role and for a superuser', async () => {
  await store.append({ streamId: 'immutable', expectedVersion: 0, events: [ev('X')] });
  await expect(store.dataSource.query(`UPDATE events SET type = 'Y' WHERE stream_id = 'immutable'`)).rejects.toThrow(/append-only/);
  await expect(store.dataSource.query(`DELETE FROM events WHERE stream_id = 'immutable'`)).rejects.toThrow(/append-only/);
  await expect(store.dataSource.query(`TRUNCATE events`)).rejects.toThrow(/append-only/);
  const qr = store.dataSource.createQueryRunner();
  await qr.connect();
  try {
    await qr.query(`SET ROLE virtsim_service`);
    await expect(qr.query(`UPDATE events SET type = 'Y' WHERE stream_id = 'immutable'`)).rejects.toThrow(/permission denied/);
    await expect(qr.query(`DELETE FROM events`)).rejects.toThrow(/permission denied/);
    await qr.query(`RESET ROLE`);
  } finally {
    await qr.release();
  }
  expect((await store.readStream('immutable'))[0].type).toBe('X');
});

test('an upcaster lifts stored v1 events to v2 on read', async () => {
  const v1 = new EventStore(store.dataSource);
  await v1.append({ streamId: 'upcast', expectedVersion: 0, events: [{ type: 'HostAdded', data: { mem: 1024 } }] });
  const v2 = new EventStore(store.dataSource, new UpcasterChain([{ type: 'HostAdded', fromVersion: 1, up: (d) => ({ memoryMiB: d.mem }) }]));
  const [e] = await v2.readStream('upcast');
  expect(e).toMatchObject({ schemaVersion: 2, data: { memoryMiB: 1024 } });
});

test("the services' upcasters (EVENT_UPCASTERS): a VmCreationRequested stored at v1 reads as v2 with the BIOS the VM had; new ones are written at v2", async () => {
  const old = new EventStore(store.dataSource);
  const spec = { name: 'legacy', clusterId: 'c1' };
  await old.append({ streamId: 'vm-legacy', expectedVersion: 0, events: [{ type: 'VmCreationRequested', data: { vmId: 'vm7', spec } }] });
  const now = new EventStore(store.dataSource, new UpcasterChain([...EVENT_UPCASTERS]));
  const [e] = await now.readStream('vm-legacy');
  expect(e).toMatchObject({ schemaVersion: 2, data: { vmId: 'vm7', spec, bios: defaultVmBios('vm7', 'legacy'), saved: null } });
  await now.append({ streamId: 'vm-legacy', expectedVersion: 1, events: [{ type: 'VmCreationRequested', data: { vmId: 'vm7', spec, bios: defaultVmBios('vm7', 'legacy'), saved: null } }] });
  const rows: { schema_version: number }[] = await store.dataSource.query(`SELECT schema_version FROM events WHERE stream_id = 'vm-legacy' ORDER BY stream_version`);
  expect(rows.map((r) => r.schema_version)).toEqual([1, 2]);
});

test('8 writers x 2,000 events while a reader follows readAll: every event exactly once, in position order', async () => {
  const start = await store.headPosition();
  const seen: RecordedEvent[] = [];
  const sub = new Subscription(store, { from: start, batchSize: 500, pollMs: 50, onEvents: (e) => { seen.push(...e.filter((x) => x.streamId.startsWith('conc-'))); } });
  const writers = Array.from({ length: 8 }, async (_, w) => {
    let version = 0;
    for (let i = 0; i < 2000; i += 25) {
      const events = Array.from({ length: 25 }, (_, k) => ({ type: 'Tick', data: { w, i: i + k } }));
      const r = await store.append({ streamId: `conc-${w}`, expectedVersion: version, events });
      version = r.versions[`conc-${w}`];
    }
  });
  await Promise.all(writers);
  await sub.waitFor(await store.headPosition());
  await sub.stop();
  expect(seen).toHaveLength(16_000);
  const positions = seen.map((e) => e.position);
  expect(new Set(positions).size).toBe(16_000);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  for (let w = 0; w < 8; w++) {
    expect(seen.filter((e) => e.streamId === `conc-${w}`).map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  }
});

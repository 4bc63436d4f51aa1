// Six services started at once on an empty database: each migrates at start, under one advisory lock.
import { createTestDatabase } from '@virtsim/testing';
import { openDataSource } from '@virtsim/event-store';

test('six processes opening an empty database together all come up and the schema is applied once', async () => {
  const db = await createTestDatabase('migrate_race');
  try {
    const opened = await Promise.allSettled(Array.from({ length: 6 }, () => openDataSource({ url: db.url, poolSize: 2 })));
    const failures = opened.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
    expect(failures).toEqual([]);
    const sources = opened.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof openDataSource>>>).value);
    const rows = await sources[0]!.query('SELECT name FROM virtsim_migrations ORDER BY id');
    expect(rows.map((r: { name: string }) => r.name)).toEqual([
      'EventLog1700000000001', 'AppendFunction1700000000002', 'LeaderEpoch1700000000003', 'SnapshotCheckpoints1700000000004', 'ShardLeases1700000000005',
    ]);
    await Promise.all(sources.map((s) => s.destroy()));
  } finally {
    await db.drop();
  }
});

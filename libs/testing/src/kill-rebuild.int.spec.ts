// Kill and rebuild (issue 2): a service process SIGKILLed while events flow restarts from its snapshot and
// the log, and reaches the same state hash as a fresh replay from position 0: nothing lost, nothing twice.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { EventStore, openDataSource } from '@virtsim/event-store';
import { loadConfig, Projection, Runtime, type ServiceStateAnswer } from '@virtsim/service-kit';
import { stateHash } from '@virtsim/contracts';
import { request } from '@virtsim/messaging';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { ledgerProjection, type Ledger } from './fixtures/ledger-service.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;
let rt: Runtime;
const prefix = uniqueName('kill');

beforeAll(async () => {
  execFileSync('node', ['tools/build.mjs'], { cwd: root });
  db = await createTestDatabase('kill_rebuild');
  store = new EventStore(await openDataSource({ url: db.url, poolSize: 4 }));
  rt = await Runtime.create(loadConfig({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: prefix, LOG_LEVEL: 'silent', VIRTSIM_SERVICE: 'vrm' }));
});
afterAll(async () => {
  await rt.close();
  await store.close();
  await db.drop();
});

function startService(): Promise<ChildProcess> {
  const child = spawn('node', ['dist/libs/testing/src/fixtures/ledger-service.js'], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: prefix, LOG_LEVEL: 'silent', VIRTSIM_SNAPSHOT_EVERY: '300' },
  });
  return new Promise((ok, fail) => {
    child.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('ready')) ok(child); });
    child.on('exit', (code) => fail(new Error(`service exited with ${code} before it was ready`)));
  });
}

test('SIGKILL while events flow: the restarted service equals a fresh replay from position 0', async () => {
  let writing = true;
  let n = 0;
  const writer = (async () => {
    const versions: Record<string, number> = {};
    while (writing) {
      const streamId = `ledger-${n % 7}`;
      const r = await store.append({ streamId, expectedVersion: versions[streamId] ?? 0, events: Array.from({ length: 20 }, (_, k) => ({ type: 'Entry', data: { n: n * 20 + k } })) });
      versions[streamId] = r.versions[streamId];
      n++;
    }
  })();

  let service = await startService();
  await new Promise((r) => setTimeout(r, 700));
  service.kill('SIGKILL');
  await new Promise((r) => service.once('exit', r));
  await new Promise((r) => setTimeout(r, 300));
  service = await startService();
  await new Promise((r) => setTimeout(r, 500));
  writing = false;
  await writer;

  const head = await store.headPosition();
  const live = await askState(head);
  const replayed = await new Projection<Ledger>(ledgerProjection, store).stateAt(head);
  service.kill('SIGTERM');

  // the kill happened after at least one snapshot, so the restart resumed from it
  expect(await store.loadSnapshot('ledger')).not.toBeNull();
  expect(replayed).toMatchObject({ applied: n * 20, duplicates: 0, gaps: 0 });
  expect(live.state).toMatchObject({ applied: n * 20, duplicates: 0, gaps: 0 });
  expect(live.hash).toBe(stateHash(replayed));
});

/** the restarted service answers once it has caught up with the whole log */
async function askState(head: number): Promise<ServiceStateAnswer> {
  for (;;) {
    const a = await request<ServiceStateAnswer>(rt.client, 'scheduler.state', {}, 10_000);
    if (a.position >= head) return a;
    await new Promise((r) => setTimeout(r, 100));
  }
}

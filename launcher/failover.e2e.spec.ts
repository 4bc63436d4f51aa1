// Active/standby vrm (F2, issue 7): the standby forwards API calls to the leader (503 naming it when it cannot); SIGKILL the leader during
// a batch of creation sagas and the standby takes over within 5 s and finishes or compensates every saga;
// a stale leader that still believes it leads cannot append (epoch fence).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { EventStore, openDataSource } from '@virtsim/event-store';
import { SERVICES } from '@virtsim/messaging';
import { LeaderElector, loadConfig, Runtime, type RunningService } from '@virtsim/service-kit';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startService } from './services.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';
import { FORWARDED_HEADER } from '../apps/vrm/src/http/forward.js';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const prefix = uniqueName('failover');
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let rt: Runtime;
const services: RunningService<unknown>[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  execFileSync('node', ['tools/build.mjs'], { cwd: root });
  db = await createTestDatabase('failover');
  rt = await Runtime.create(loadConfig({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: prefix, LOG_LEVEL: 'silent', VIRTSIM_SERVICE: 'scheduler' }));
  for (const s of SERVICES.filter((x) => x !== 'vrm')) services.push(await startService(rt, s, 'vrm'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of services.reverse()) await s.stop();
  await rt?.close();
  await db?.drop();
});

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

async function startVrm(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('node', ['dist/launcher/main.js'], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, VIRTSIM_SERVICE: 'vrm', DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: prefix, PORT: String(port),
      VIRTSIM_ADVERTISE_URL: url, VIRTSIM_API_TOKENS: 'admin:adm', LOG_LEVEL: 'silent' },
  });
  children.push(child);
  await new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('is up')) ok(); });
    child.once('exit', (code) => fail(new Error(`vrm exited with ${code}`)));
  });
  return { child, url };
}

test('SIGKILL the leader mid-saga: the standby leads within 5 s and finishes or compensates every saga', async () => {
  const a = await startVrm();
  const b = await startVrm();
  const apiA = apiClient(a.url, 'adm');
  const apiB = apiClient(b.url, 'adm');
  expect((await apiA.get('/leader')).body.role).toBe('leader');
  expect((await apiB.get('/leader')).body.role).toBe('standby');
  // the standby forwards API calls to the leader it names; a call that was forwarded already stays (503 naming it)
  const forwarded = await apiB.post('/clusters', { name: 'through-the-standby' });
  expect(forwarded.status).toBe(201);
  expect((await apiA.get(`/clusters/${forwarded.body.id}`)).body.name).toBe('through-the-standby');
  const refused = await fetch(`${b.url}/api/v1/clusters`, { method: 'POST', headers: { authorization: 'Bearer adm', 'content-type': 'application/json', [FORWARDED_HEADER]: 'another-vrm' }, body: JSON.stringify({ name: 'nope' }) });
  expect(refused.status).toBe(503);
  expect(((await refused.json()) as { leader: string }).leader).toBe(a.url);
  // both Ready (the standby can forward), both live; only the leader leads
  for (const v of [a, b]) {
    expect((await fetch(`${v.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${v.url}/health/live`)).status).toBe(200);
  }

  const c = (await apiA.post('/clusters', { name: 'prod' })).body;
  for (const h of ['esx01', 'esx02', 'esx03', 'esx04']) await apiA.post(`/clusters/${c.id}/hosts`, hostSpec(h));
  const batch = await apiA.post('/vms:batch', { vms: Array.from({ length: 60 }, (_, i) => vmSpec(c.id, `vm${i}`, { vcpus: 1, memoryMiB: 2048, powerOn: i % 2 === 0 })) });
  expect(batch.status).toBe(202);

  a.child.kill('SIGKILL');
  const killedAt = performance.now();
  for (;;) {
    const r = await apiB.get('/leader').catch(() => null);
    if (r?.body.role === 'leader') break;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  const takeover = performance.now() - killedAt;
  expect(takeover).toBeLessThan(5000);

  const task = await apiB.get(`/tasks/${batch.body.id}?wait=true`);
  expect(['succeeded', 'failed']).toContain(task.body.state);
  const state = (await apiB.get('/state')).body.services.vrm;
  expect(state.sagas).toEqual({});
  const events = [];
  for (let after = 0; ;) {
    const page = (await apiB.get(`/events?after=${after}&limit=5000`)).body;
    events.push(...page.items);
    if (!page.nextCursor) break;
    after = Number(page.nextCursor);
  }
  const placed = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'VmPlaced') placed.set(e.data.vmId, (placed.get(e.data.vmId) ?? 0) + 1);
    if (e.type === 'VmPlacementReleased') placed.set(e.data.vmId, (placed.get(e.data.vmId) ?? 0) - 1);
  }
  expect([...placed.values()].every((n) => n === 0 || n === 1)).toBe(true);
  const vms = (await apiB.get(`/vms?clusterId=${c.id}&limit=1000`)).body.items;
  expect(vms.every((v: { state: string }) => v.state === 'running' || v.state === 'stopped')).toBe(true);
  expect(vms.length + task.body.error?.details?.failed?.length || vms.length).toBeGreaterThan(0);
  expect((await apiB.get('/verify')).body.ok).toBe(true);
  process.stderr.write(`vrm takeover after SIGKILL: ${Math.round(takeover)} ms\n`);
});

test('a deposed leader cannot append: its old epoch is fenced out', async () => {
  // the vrm processes of the previous test hold the lease: end them
  for (const c of children) if (c.exitCode === null && c.signalCode === null) { c.kill('SIGKILL'); await new Promise((ok) => c.once('exit', ok)); }
  const store = new EventStore(await openDataSource({ url: db.url, poolSize: 2 }));
  const stale = LeaderElector.compete(store, db.url, 'stale', null, 3_600_000);
  try {
    await stale.start();
    expect(stale.isLeader).toBe(true);
    // cut the old leader's lease session behind its back, as a partition would
    await store.dataSource.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 727002`);
    const next = LeaderElector.compete(store, db.url, 'next', null, 50);
    await next.start();
    expect(next.isLeader).toBe(true);
    expect(next.epoch).toBe(stale.epoch + 1);
    // whatever the old leader believes (a partition may hide the loss from it), its epoch is refused
    const err = await store.append({ streamId: 'fence-1', expectedVersion: 0, events: [{ type: 'X', data: {} }] }, { epoch: stale.epoch }).catch((e) => e);
    expect(err).toMatchObject({ code: 'unavailable', details: { rule: 'leader.epoch' } });
    expect(await store.readStream('fence-1')).toHaveLength(0);
    await store.append({ streamId: 'fence-1', expectedVersion: 0, events: [{ type: 'X', data: {} }] }, { epoch: next.epoch });
    expect(await store.readStream('fence-1')).toHaveLength(1);
    await next.stop();
  } finally {
    await stale.stop();
    await store.close();
  }
});

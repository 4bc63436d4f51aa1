// Fault injection (issue 14): the six services as separate processes on a private PostgreSQL and a private
// nats-server; clients create VMs for over a minute while each service is SIGKILLed and restarted (2 s down),
// then PostgreSQL is restarted, then NATS. Afterwards nothing is lost, doubled, left running or diverged.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uniqueName } from '@virtsim/testing';
import {
  createVmsUntil, injectFaults, logDir, PrivateNats, PrivatePostgres, seedCluster, ServiceProcesses, sleep, waitForApi, type Creation,
} from './fault-harness.js';
import { apiClient, type Reply } from './test-api.js';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const TOKEN = 'adm';
let pg: PrivatePostgres;
let nats: PrivateNats;
let procs: ServiceProcesses;

beforeAll(async () => {
  execFileSync('node', ['tools/build.mjs'], { cwd: root });
  pg = await PrivatePostgres.start();
  nats = await PrivateNats.start();
  procs = new ServiceProcesses({
    DATABASE_URL: pg.url, NATS_URL: nats.url, VIRTSIM_SUBJECT_PREFIX: uniqueName('faults'), VIRTSIM_API_TOKENS: `admin:${TOKEN}`,
  }, logDir());
  // all six at once on the empty database: the migrations take turns under their advisory lock
  await procs.startAll();
  await waitForApi(procs.vrmUrl, TOKEN);
}, 120_000);
afterAll(async () => {
  await procs?.stopAll('SIGKILL');
  await nats?.down();
  await pg?.destroy();
});

/** every page of a list */
async function all<T>(path: string): Promise<T[]> {
  const api = apiClient(procs.vrmUrl, TOKEN);
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const r: Reply<{ items: T[]; nextCursor: string | null }> = await api.get(`${path}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status).toBe(200);
    items.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return items;
}

test('VMs created through kills of every service, a PostgreSQL and a NATS restart: none lost, doubled or stuck', async () => {
  const clusterId = await seedCluster(procs.vrmUrl, TOKEN, 16);
  let stop = false;
  const load = createVmsUntil(() => procs.vrmUrl, TOKEN, clusterId, 4, () => stop);
  const started = performance.now();
  await sleep(4000);
  const faults = await injectFaults(procs, pg, nats, { downMs: 2000, settleMs: 3000 });
  await sleep(Math.max(0, 62_000 - (performance.now() - started)));
  stop = true;
  const creations: Creation[] = await load;
  process.stderr.write(`faults: ${faults.map((f) => `${f.name} ${Math.round(f.end - f.start)} ms`).join(', ')}\n`);

  const tasks = (await all<{ id: string; kind: string; state: string; target: string; error?: { message: string } }>('/tasks')).filter((t) => t.kind === 'vm.create');
  const vms = await all<{ id: string; name: string; state: string; hostId: string | null }>('/vms');
  const byId = new Map(vms.map((v) => [v.id, v]));
  const succeeded = tasks.filter((t) => t.state === 'succeeded');
  const failed = tasks.filter((t) => t.state === 'failed');
  const reasons = [...new Set(failed.map((t) => t.error?.message))].slice(0, 5);
  process.stderr.write(`faults: ${creations.length} creations attempted by clients (${creations.filter((c) => c.state === 'not-accepted').length} not accepted); ` +
    `${tasks.length} tasks: ${succeeded.length} succeeded, ${failed.length} failed ${JSON.stringify(reasons)}\n`);

  expect(tasks.filter((t) => t.state === 'queued' || t.state === 'running').map((t) => t.id)).toEqual([]);
  expect(succeeded.filter((t) => byId.get(t.target)?.state !== 'running' || !byId.get(t.target)?.hostId).map((t) => t.target)).toEqual([]);
  expect(failed.filter((t) => byId.get(t.target)?.state === 'running').map((t) => t.target)).toEqual([]);
  const names = vms.map((v) => v.name);
  expect(names.length - new Set(names).size).toBe(0);
  expect(vms.filter((v) => v.state !== 'running').map((v) => `${v.id}:${v.state}`)).toEqual([]);
  expect(succeeded.length).toBeGreaterThan(0);
  expect(failed.length / tasks.length).toBeLessThanOrEqual(0.01);

  const api = apiClient(procs.vrmUrl, TOKEN);
  const verify = await api.get('/verify');
  expect(verify.body).toMatchObject({ ok: true });
  const before = (await api.get('/state/hash')).body.hash;
  await procs.stopAll('SIGTERM');
  await procs.startAll();
  await waitForApi(procs.vrmUrl, TOKEN);
  expect((await apiClient(procs.vrmUrl, TOKEN).get('/state/hash')).body.hash).toBe(before);
}, 360_000); // ~80 s on an idle 2-core machine; service restarts stretch under load

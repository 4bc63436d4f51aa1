// The simulated clock that runs by itself (issue 19): POST /sim/run makes the leader vrm tick at a rate through
// the same path as /sim/advance, a live migration finishes with no advance call, /sim/pause stops it, a
// restarted vrm runs on at the recorded rate, and ?wait=true on a stopped clock answers at once with a hint.
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { buildDemo } from '../apps/cli/src/demo.js';
import { ApiClient } from '../apps/cli/src/http.js';
import { settle } from '../apps/cli/src/tasks.js';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let env: Record<string, string>;
const api = (token: string) => apiClient(sys.url, token);

beforeAll(async () => {
  db = await createTestDatabase('sim_clock_e2e');
  env = { DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('clock'), VIRTSIM_API_TOKENS: 'admin:adm-t,operator:op-t,auditor:aud-t' };
  sys = await startSystem(env);
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** polls until `check` holds (the test's own timeout bounds it) */
async function until<T>(read: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (check(v)) return v;
    await sleep(100);
  }
}

const clock = async () => (await api('aud-t').get('/sim/clock')).body as { simTime: number; tick: number; mode: string; rate: number | null };

test('run, pause and a restart that runs on; a migration ends with no advance call', async () => {
  const op = api('op-t');
  const c = await api('adm-t').post('/clusters', { name: 'prod' });
  const clusterId = c.body.id as string;
  const hosts: string[] = [];
  for (const n of ['esx01', 'esx02']) hosts.push((await op.post(`/clusters/${clusterId}/hosts`, hostSpec(n))).body.id);
  const created = await op.post('/vms?wait=true', vmSpec(clusterId, 'web01', { powerOn: true }));
  expect(created.body).toMatchObject({ state: 'succeeded' });
  const { vmId, hostId } = created.body.result as { vmId: string; hostId: string };
  expect(await clock()).toMatchObject({ simTime: 0, mode: 'manual', rate: null });

  // a stopped clock: ?wait=true answers at once with the task and what to do
  const target = hosts.find((h) => h !== hostId)!;
  const m = await op.post(`/vms/${vmId}/migrate?wait=true`, { targetHostId: target, live: true });
  expect(m.status).toBe(202);
  expect(m.body).toMatchObject({ kind: 'vm.migrate', hint: expect.stringContaining('/sim/run') });
  expect(['queued', 'running']).toContain(m.body.state);

  expect((await api('aud-t').post('/sim/run', { rate: 600 })).status).toBe(403);
  expect((await op.post('/sim/run', { rate: 0 })).status).toBe(400);
  expect((await op.post('/sim/run', { rate: '60x' })).status).toBe(400);
  const run = await op.post('/sim/run', { rate: 3600 });
  expect(run.status).toBe(200);
  expect(run.body).toMatchObject({ mode: 'running', rate: 3600 });

  // nobody advances: the running clock ends the migration
  const done = await until(() => op.get(`/tasks/${m.body.id}?wait=true`), (r) => r.body.state === 'succeeded' || r.body.state === 'failed');
  expect(done.body).toMatchObject({ state: 'succeeded' });
  expect(done.body.hint).toBeUndefined();
  expect((await op.get(`/vms/${vmId}`)).body.hostId).toBe(target);
  expect((await clock()).simTime).toBeGreaterThan(0);

  // pause answers after the tick in flight: from then on simulated time stands still
  const paused = await op.post('/sim/pause');
  expect(paused.body).toMatchObject({ mode: 'manual', rate: null });
  await sleep(600);
  expect((await clock()).simTime).toBe(paused.body.simTime);
  expect((await op.post('/sim/pause')).status).toBe(200);

  // running again, then the installation restarts: the new leader reads the mode back from the log and runs on
  await op.post('/sim/run', { rate: 1200 });
  await sys.stop();
  sys = await startSystem(env);
  const before = await until(clock, (k) => k.mode === 'running');
  expect(before.rate).toBe(1200);
  await until(clock, (k) => k.simTime > before.simTime);
  await api('op-t').post('/sim/pause');

  const types = (await api('aud-t').get('/events?stream=clock&type=ClockStarted&limit=1000')).body.items.map((e: { data: unknown }) => e.data);
  expect(types).toEqual([{ rate: 3600 }, { rate: 1200 }]);
  const pauses = (await api('aud-t').get('/events?stream=clock&type=ClockPaused&limit=1000')).body.items;
  expect(pauses).toHaveLength(2);
}, 180_000);

test('virtsim demo builds vcsim-like defaults once, then a demo VM migrates on the running clock', async () => {
  const client = new ApiClient(`${sys.url}/api/v1`, 'adm-t', globalThis.fetch, 60_000);
  const waitFor = (answer: unknown) => settle(client, answer, { progress: false });
  const first = await buildDemo(client, waitFor);
  expect(first.created).toMatchObject({ cluster: true, hosts: ['DC0_C0_H0', 'DC0_C0_H1', 'DC0_C0_H2', 'DC0_C0_H3'] });
  expect(first.created.vms).toHaveLength(8);
  const again = await buildDemo(client, waitFor);
  expect(again).toEqual({ clusterId: first.clusterId, created: { cluster: false, hosts: [], vms: [] } });
  const vms = (await api('aud-t').get(`/vms?clusterId=${first.clusterId}`)).body.items as { id: string; name: string; state: string; hostId: string }[];
  expect(vms).toHaveLength(8);
  expect(vms.filter((v) => v.state === 'running').map((v) => v.name).sort()).toEqual(['DC0_C0_VM0', 'DC0_C0_VM1']);
  expect((await api('aud-t').get(`/clusters/${first.clusterId}/hosts`)).body.items).toHaveLength(4);

  const vm = vms.find((v) => v.name === 'DC0_C0_VM0')!;
  await api('op-t').post('/sim/run', { rate: 3600 });
  const m = await api('op-t').post(`/vms/${vm.id}/migrate`, { live: true });
  const done = await until(() => api('op-t').get(`/tasks/${m.body.id}?wait=true`), (r) => r.body.state === 'succeeded' || r.body.state === 'failed');
  expect(done.body.state).toBe('succeeded');
  await api('op-t').post('/sim/pause');
}, 180_000);

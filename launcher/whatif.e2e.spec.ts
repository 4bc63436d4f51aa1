// What-if (B5) through the API: the baseline and two variants forked from the real log run side by side; the
// same request answers the same table and hashes; the real installation's log position and state hash are
// unchanged and no scratch database is left behind.
import pg from 'pg';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let sys: System;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  db = await createTestDatabase('whatif');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('whatif'), VIRTSIM_API_TOKENS: 'admin:adm' });
  api = apiClient(sys.url, 'adm');
});

afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

async function scratchDatabases(): Promise<string[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${db.name}_whatif_%`])).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

const request = {
  seconds: 120,
  variants: [
    { name: 'lose-esx01', changes: [{ fault: { host: 'esx01', kind: 'power-loss' } }] },
    { name: 'drs-auto-1', changes: [{ policy: { drs: { enabled: true, automation: 'automatic', threshold: 1 } } }] },
  ],
  steps: [{ at: 60, do: { fault: { vm: 'app1', kind: 'vmm-process-crash' } } }],
};

test('baseline and variants side by side, deterministic, the real installation untouched', async () => {
  const c = (await api.post('/clusters', { name: 'prod', ha: { enabled: true, hostFailuresTolerated: 1 } })).body;
  for (const h of ['esx01', 'esx02', 'esx03']) await api.post(`/clusters/${c.id}/hosts`, hostSpec(h));
  const batch = await api.post('/vms:batch?wait=true', { vms: Array.from({ length: 6 }, (_, i) => vmSpec(c.id, `app${i}`, { powerOn: true, ha: { enabled: true, priority: 'high' }, workload: { cpuDemandMhz: 2000 } })) });
  expect(batch.body.state).toBe('succeeded');
  await api.post('/sim/advance', { seconds: 30 });
  const before = (await api.get('/state/hash')).body;

  const first = await api.post('/whatif?wait=true', request);
  expect(first.status).toBe(200);
  expect(first.body.state).toBe('succeeded');
  const r = first.body.result;
  expect(r.columns.map((col: any) => col.name)).toEqual(['baseline', 'lose-esx01', 'drs-auto-1']);
  const [base, lose] = r.columns;
  expect(base.figures).toMatchObject({ vmsRunning: 6, vmsFailed: 0, haRestarts: 1, hostsOn: 3, invariantBreaches: 0 });
  expect(lose.figures.haRestarts).toBeGreaterThan(base.figures.haRestarts);
  expect(lose.figures.hostsOn).toBe(2);
  expect(lose.figures.hostHours).toBeLessThan(base.figures.hostHours);
  expect(r.table[0]).toEqual(['', 'baseline', 'lose-esx01', 'drs-auto-1']);
  expect(r.table.map((row: any[]) => row[0])).toEqual(expect.arrayContaining(['VMs running', 'HA restarts', 'CPU ready % p99', 'host-hours', 'invariant breaches', 'final state hash']));

  // the real log and state did not move, nothing is left behind
  expect((await api.get('/state/hash')).body).toEqual(before);
  expect(await scratchDatabases()).toEqual([]);

  // the same request, the same answer (polled as a job this time)
  const queued = await api.post('/whatif', request);
  expect(queued.status).toBe(202);
  let job = queued.body;
  while (job.state === 'queued' || job.state === 'running') job = (await api.get(`/whatif/${job.id}`)).body;
  expect(job.result.columns.map((col: any) => col.hash)).toEqual(r.columns.map((col: any) => col.hash));
  expect(job.result.table).toEqual(r.table);

  // refused before anything runs
  expect((await api.post('/whatif', { ...request, at: before.position + 1000 })).status).toBe(400);
  expect((await api.post('/whatif', { seconds: 5 })).status).toBe(400);
  expect((await api.get('/whatif/whatif-999')).status).toBe(404);
});

test('removeHosts: the host is evacuated, then powered off once empty; it counts in no figure', async () => {
  const r = await api.post('/whatif?wait=true', { cluster: 'prod', seconds: 600, variants: [{ name: 'without-esx03', changes: [{ removeHosts: ['esx03'] }] }] });
  expect(r.body.state).toBe('succeeded');
  const [base, removed] = r.body.result.columns;
  expect(removed.figures).toMatchObject({ vmsRunning: base.figures.vmsRunning, hostsOn: base.figures.hostsOn - 1 });
  expect(removed.figures.hostHours).toBeLessThan(base.figures.hostHours);
  expect(removed.figures.migrations).toBeGreaterThan(0);
});

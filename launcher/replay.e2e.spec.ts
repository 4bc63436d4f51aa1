// Replay and audit (B1, B2, issue 9): the state as of a position before a host failure shows the VMs on
// the failed host, after it shows them restarted elsewhere; the exported log imported into an empty
// installation rebuilds the same state hash; audit explains the HA restarts.
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { allEvents, apiClient, hostSpec, vmSpec } from './test-api.js';

const dbs: Awaited<ReturnType<typeof createTestDatabase>>[] = [];
const systems: System[] = [];

async function boot(label: string) {
  const db = await createTestDatabase(label);
  dbs.push(db);
  const sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName(label), VIRTSIM_API_TOKENS: 'admin:adm' });
  systems.push(sys);
  return apiClient(sys.url, 'adm');
}

afterAll(async () => {
  for (const s of systems) await s.stop();
  for (const d of dbs) await d.drop();
});

test('state?at before and after a host failure, audit of the restarts, export/import to the same hash', async () => {
  const a = await boot('replay_a');
  const c = (await a.post('/clusters', { name: 'prod', ha: { enabled: true, hostFailuresTolerated: 1 } })).body;
  for (const h of ['esx01', 'esx02', 'esx03']) await a.post(`/clusters/${c.id}/hosts`, hostSpec(h));
  const batch = await a.post('/vms:batch?wait=true', { vms: Array.from({ length: 9 }, (_, i) => vmSpec(c.id, `app${i}`, { powerOn: true, ha: { enabled: true, priority: i % 3 === 0 ? 'high' : 'low' } })) });
  expect(batch.body.state).toBe('succeeded');
  const victim = 'h1';
  const onVictim = (await a.get(`/vms?hostId=${victim}`)).body.items.map((v: { id: string }) => v.id);
  expect(onVictim.length).toBeGreaterThan(0);
  const before = (await a.get('/state/hash')).body.position;

  expect((await a.post(`/hosts/${victim}/faults`, { kind: 'power-loss' })).status).toBe(202);
  await a.post('/sim/advance', { seconds: 60 });

  const then = (await a.get(`/state?at=${before}`)).body.services.vrm.inventory.vms;
  for (const id of onVictim) expect(then[id]).toMatchObject({ hostId: victim, state: 'running' });
  const now = (await a.get('/state')).body.services.vrm.inventory.vms;
  for (const id of onVictim) {
    expect(now[id].state).toBe('running');
    expect(now[id].hostId).not.toBe(victim);
  }

  const audit = (await a.get(`/audit?host=${victim}`)).body.items;
  const types = audit.map((i: { type: string }) => i.type);
  expect(types).toEqual(expect.arrayContaining(['HostFailureDetected', 'HostFenced']));
  const restarts = (await a.get(`/audit?vm=${onVictim[0]}`)).body.items.filter((i: { action: string }) => i.action === 'ha');
  expect(restarts.length).toBeGreaterThan(0);
  expect(restarts.some((i: { rationale: unknown }) => i.rationale)).toBe(true);

  const exported = await allEvents(a);
  const hashA = (await a.get('/state/hash')).body;

  const b = await boot('replay_b');
  for (let i = 0; i < exported.length; i += 1000) {
    const r = await b.post('/events:import', { events: exported.slice(i, i + 1000) });
    expect(r.status).toBe(200);
  }
  // importing the same file again stores nothing twice
  expect((await b.post('/events:import', { events: exported.slice(0, 1000) })).status).toBe(200);
  const hashB = (await b.get('/state/hash')).body;
  expect(hashB.position).toBe(hashA.position);
  expect(hashB.hash).toBe(hashA.hash);
  expect((await b.get('/verify')).body.ok).toBe(true);
});

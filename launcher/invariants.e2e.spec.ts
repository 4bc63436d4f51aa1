// Invariants (B6) can fail: a real history exported from one installation, with crafted events added (a VM
// placed on a second host, an HA restart before its host was fenced), imported into an empty installation.
// Its watcher reports each breach with its evidence; the honest installation reports that every invariant holds.
import { randomUUID } from 'node:crypto';
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
  return { api: apiClient(sys.url, 'adm'), url: sys.url };
}

afterAll(async () => {
  for (const s of systems) await s.stop();
  for (const d of dbs) await d.drop();
});

const byId = (report: any, id: string) => report.invariants.find((i: any) => i.id === id);

test('a crafted log imported into an empty installation: each breach reported with its evidence', async () => {
  const { api: a, url } = await boot('inv_a');
  const c = (await a.post('/clusters', { name: 'prod', ha: { enabled: true, hostFailuresTolerated: 1 } })).body;
  for (const h of ['esx01', 'esx02', 'esx03']) await a.post(`/clusters/${c.id}/hosts`, hostSpec(h));
  const batch = await a.post('/vms:batch?wait=true', { vms: Array.from({ length: 4 }, (_, i) => vmSpec(c.id, `app${i}`, { powerOn: true, ha: { enabled: true, priority: 'high' } })) });
  expect(batch.body.state).toBe('succeeded');
  await a.post('/sim/advance', { seconds: 30 });
  const honest = (await a.get('/invariants')).body;
  expect(honest.holds).toBe(true);
  expect(honest.invariants.length).toBeGreaterThanOrEqual(12);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  expect(metrics).toMatch(/virtsim_invariant_open_breaches\{invariant="vm-single-host"\} 0/);

  const exported = await allEvents(a);
  const vms = (await a.get('/vms')).body.items as { id: string; hostId: string }[];
  const [twice, early] = vms;
  const otherHost = (vm: { hostId: string }) => ['h1', 'h2', 'h3'].find((h) => h !== vm.hostId)!;
  const last = exported[exported.length - 1];
  const simTime = last.metadata.simTime ?? 0;
  const crafted = [
    { type: 'VmPlaced', data: { vmId: twice!.id, clusterId: c.id, hostId: otherHost(twice!), numa: { nodes: [0], memoryMiBPerNode: [4096], vcpusPerNode: [2] }, brokenShouldRules: [], reason: 'crafted' } },
    { type: 'HostFailureDetected', data: { clusterId: c.id, simTime, hostId: early!.hostId, missedSeconds: 30, reason: 'crafted' } },
    { type: 'VmRestarted', data: { clusterId: c.id, simTime, vmId: early!.id, fromHostId: early!.hostId, hostId: otherHost(early!), cause: 'host-failure' } },
  ].map((e, i) => ({ ...e, streamId: 'crafted-1', streamVersion: i + 1, eventId: randomUUID(), metadata: { simTime } }));

  const { api: b } = await boot('inv_b');
  const log = [...exported, ...crafted];
  for (let i = 0; i < log.length; i += 1000) expect((await b.post('/events:import', { events: log.slice(i, i + 1000) })).status).toBe(200);

  const report = (await b.get('/invariants')).body;
  expect(report.holds).toBe(false);
  const single = byId(report, 'vm-single-host');
  expect(single).toMatchObject({ status: 'violated', openBreaches: 1, subjects: [twice!.id], protects: expect.arrayContaining(['C1']) });
  expect(single.lastEvidence.detail).toBe(`VM ${twice!.id} is placed on 2 hosts: ${[twice!.hostId, otherHost(twice!)].join(', ')}`);
  const placed = exported.find((e) => e.type === 'VmPlaced' && e.data.vmId === twice!.id).position;
  expect(single.lastEvidence.positions).toEqual(expect.arrayContaining([placed, exported.length + 1]));
  const fence = byId(report, 'ha-fence-before-restart');
  expect(fence).toMatchObject({ status: 'violated', subjects: [early!.id] });
  expect(fence.lastEvidence.detail).toContain(`while its host ${early!.hostId} was not fenced`);
  expect(fence.lastEvidence.positions).toContain(exported.length + 3);
  // every other invariant still holds
  expect(report.invariants.filter((i: any) => i.status === 'violated').map((i: any) => i.id).sort()).toEqual(['ha-fence-before-restart', 'vm-single-host']);

  // in the log and the audit, and the state as of before the crafted events shows no breach
  const violated = (await b.get('/events?type=InvariantViolated')).body.items;
  expect(violated.map((e: any) => e.data.invariant).sort()).toEqual(['ha-fence-before-restart', 'vm-single-host']);
  const audit = (await b.get(`/audit?vm=${twice!.id}`)).body.items;
  expect(audit.map((i: any) => i.action)).toContain('invariant');
  expect((await b.get(`/invariants?at=${exported.length}`)).body.holds).toBe(true);
  expect((await b.get(`/invariants?at=${violated[0].position}`)).body.holds).toBe(false);
  expect((await b.get('/invariants?at=-1')).status).toBe(400);

  // the breaches travel with the log: an export of it imports into an empty installation, which reports the
  // same open breaches and records no second InvariantViolated for them
  const { api: fresh } = await boot('inv_c');
  const withBreaches = await allEvents(b);
  for (let i = 0; i < withBreaches.length; i += 1000) expect((await fresh.post('/events:import', { events: withBreaches.slice(i, i + 1000) })).status).toBe(200);
  const again = (await fresh.get('/invariants')).body;
  expect(again.invariants.filter((i: any) => i.status === 'violated').map((i: any) => i.id).sort()).toEqual(['ha-fence-before-restart', 'vm-single-host']);
  expect((await fresh.get('/events?type=InvariantViolated')).body.items).toHaveLength(2);
});

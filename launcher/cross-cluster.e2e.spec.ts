// Leaving a cluster (C4, F11; seed L35, L438): POST /vms/:id/migrate {targetClusterId}. A running VM moves live
// when the target cluster's IMC baseline holds the CPU features it was powered on with, and is refused naming
// the features otherwise; a stopped VM moves cold whatever the baseline. Inventory, scheduler, memory, I/O and
// HA follow it, and moving a VM out is how a cluster gets a baseline that VM exceeds.
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;

beforeAll(async () => {
  db = await createTestDatabase('cross_cluster_e2e');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('xcl'), VIRTSIM_API_TOKENS: 'admin:adm-t,operator:op-t,auditor:aud-t' });
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

/** no avx2 (nor vmx, ept, vt-d): a VM powered on in a cluster without a baseline sees them and is above it */
const LOW = { features: ['sse4_2', 'avx', 'aes', 'popcnt'] };

test('a VM leaves its cluster: live within the target baseline, refused above it, cold when stopped; everything follows it', async () => {
  const op = apiClient(sys.url, 'op-t');
  const adm = apiClient(sys.url, 'adm-t');
  const aud = apiClient(sys.url, 'aud-t');
  const cluster = async (name: string, body: Record<string, unknown> = {}) => (await adm.post('/clusters', { name, ha: { enabled: true, hostFailuresTolerated: 0 }, ...body })).body.id as string;
  const a = await cluster('old');
  const free = await cluster('free');
  const low = await cluster('low', { imcBaseline: LOW });
  const host = async (c: string, n: string) => (await op.post(`/clusters/${c}/hosts`, hostSpec(n))).body.id as string;
  await host(a, 'a1');
  const f1 = await host(free, 'f1');
  const l1 = await host(low, 'l1');
  const created = await op.post('/vms?wait=true', vmSpec(a, 'web01', { powerOn: true, ha: { enabled: true, priority: 'high' } }));
  expect(created.body).toMatchObject({ state: 'succeeded' });
  const vmId = created.body.result.vmId as string;
  const vm = async () => (await op.get(`/vms/${vmId}`)).body;
  expect((await vm()).cpuFeatures).toContain('avx2');

  // the running VM is above the new baseline: setting it fails naming the VM and the fix (seed L438)
  const patch = await adm.patch(`/clusters/${a}`, { imcBaseline: LOW });
  expect(patch.status).toBe(409);
  expect(patch.body.detail).toContain('move it out of the cluster');

  // live into the low cluster: refused, naming the features beyond its baseline; nothing written
  const before = (await aud.get('/state/hash')).body.hash;
  const refused = await op.post(`/vms/${vmId}/migrate`, { targetClusterId: low });
  expect(refused.status).toBe(409);
  expect(refused.body).toMatchObject({ rule: 'imc.baseline', clusterId: low, beyond: ['avx2', 'ept', 'vmx', 'vt-d'] });
  expect(refused.body.detail).toContain(`beyond the IMC baseline of cluster low (${low})`);
  expect(refused.body.detail).toContain('avx2');
  expect((await aud.get('/state/hash')).body.hash).toBe(before);

  // live into the cluster without a baseline: it moves while running
  const live = await op.post(`/vms/${vmId}/migrate`, { targetClusterId: free });
  expect(live.status).toBe(202);
  await op.post('/sim/advance', { seconds: 120 });
  const liveDone = (await op.get(`/tasks/${live.body.id}?wait=true`)).body;
  expect(liveDone).toMatchObject({ state: 'succeeded', result: { rounds: expect.any(Array), targetHostId: f1, outcome: expect.stringMatching(/converged/) } });
  expect(await vm()).toMatchObject({ clusterId: free, hostId: f1, state: 'running', spec: { clusterId: free } });
  const counts = async (c: string) => (await op.get(`/clusters/${c}`)).body;
  expect(await counts(a)).toMatchObject({ vmCount: 0, vmsByState: {} });
  expect(await counts(free)).toMatchObject({ vmCount: 1, vmsByState: { running: 1 } });
  expect((await op.get(`/vms?clusterId=${free}`)).body.items.map((v: { id: string }) => v.id)).toEqual([vmId]);

  // with the VM gone, the old cluster takes the baseline (the source text's fix)
  expect((await adm.patch(`/clusters/${a}`, { imcBaseline: LOW })).status).toBe(200);

  // stopped, it moves cold into the low cluster whatever its features; powered on there it sees the baseline
  expect((await op.post(`/vms/${vmId}/power`, { action: 'stop' })).status).toBeLessThan(300);
  await op.post('/sim/advance', { seconds: 20 });
  const cold = await op.post(`/vms/${vmId}/migrate`, { targetClusterId: low });
  expect(cold.status).toBe(202);
  await op.post('/sim/advance', { seconds: 120 });
  expect((await op.get(`/tasks/${cold.body.id}?wait=true`)).body).toMatchObject({ state: 'succeeded', result: { targetHostId: l1, downtimeMs: 0 } });
  expect(await vm()).toMatchObject({ clusterId: low, hostId: l1, state: 'stopped' });
  expect((await op.post(`/vms/${vmId}/power`, { action: 'start' })).status).toBeLessThan(300);
  await op.post('/sim/advance', { seconds: 20 });
  const there = await vm();
  expect(there).toMatchObject({ clusterId: low, hostId: l1, state: 'running' });
  expect([...there.cpuFeatures].sort()).toEqual([...LOW.features].sort());
  expect(await counts(free)).toMatchObject({ vmCount: 0 });
  expect(await counts(low)).toMatchObject({ vmCount: 1, vmsByState: { running: 1 } });

  // memory and I/O follow: the target host carries it, the old ones nothing
  const hostView = async (h: string) => (await op.get(`/hosts/${h}`)).body;
  expect((await hostView(l1)).vmIds).toEqual([vmId]);
  expect((await hostView(f1)).vmIds).toEqual([]);

  // a name already taken in the target cluster is refused
  const twin = await op.post('/vms?wait=true', vmSpec(free, 'web01'));
  expect(twin.body).toMatchObject({ state: 'succeeded' });
  await op.post(`/vms/${vmId}/power`, { action: 'stop' });
  await op.post('/sim/advance', { seconds: 20 });
  const clash = await op.post(`/vms/${vmId}/migrate`, { targetClusterId: free });
  expect(clash.status).toBe(409);
  expect(clash.body.detail).toContain("already has a VM named 'web01'");

  // every service rebuilt from position 0 agrees with its live state; no invariant broken
  expect((await aud.get('/verify')).body.ok).toBe(true);
  expect((await aud.get('/invariants')).body.holds).toBe(true);
});

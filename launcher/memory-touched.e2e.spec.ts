// M3/M4 as a user meets them (issue 16 item 5): a host's swap space from its spec, shown with what is used;
// a VM's touched (resident) memory in GET /vms/:id; huge pages refused for a Linux 2.4 guest.
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let api: ReturnType<typeof apiClient>;
let clusterId: string;

beforeAll(async () => {
  db = await createTestDatabase('memory_touched');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('memt'), VIRTSIM_API_TOKENS: 'admin:adm' });
  api = apiClient(sys.url, 'adm');
  clusterId = (await api.post('/clusters', { name: 'mem' })).body.id;
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

test('a host swap space on one of its datastores; an unknown datastore is a 400 naming swap.datastore', async () => {
  const bad = await api.post(`/clusters/${clusterId}/hosts`, hostSpec('bad', { swap: { sizeMiB: 8192, datastore: 'nope' } }));
  expect(bad.status).toBe(400);
  expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['swap.datastore']);
  const h = await api.post(`/clusters/${clusterId}/hosts`, hostSpec('esx01', { swap: { sizeMiB: 8192, datastore: 'shared-ds' } }));
  expect(h.status).toBe(201);
  const view = await api.get(`/hosts/${h.body.id}`);
  expect(JSON.stringify(view.body)).toContain('"swap":{"sizeMiB":8192,"usedMiB":0,"datastore":"shared-ds"}');
});

test('a running Linux VM holds only what it touched; Windows all of it', async () => {
  const lin = await api.post('/vms?wait=true', vmSpec(clusterId, 'lin', { powerOn: true, memoryMiB: 4096, workload: { activeMemoryMiB: 512 } }));
  const win = await api.post('/vms?wait=true', vmSpec(clusterId, 'win', { powerOn: true, memoryMiB: 4096, guestOs: { family: 'windows', version: '2019' }, toolsInstalled: true }));
  expect([lin.body.state, win.body.state]).toEqual(['succeeded', 'succeeded']);
  expect((await api.post('/sim/advance', { seconds: 10 })).status).toBe(200);
  const touched = async (name: string) => JSON.stringify((await api.get(`/vms/${(name === 'lin' ? lin : win).body.result.vmId}`)).body).match(/"touchedMiB":(\d+)/)?.[1];
  expect(await touched('lin')).toBe('512');
  expect(await touched('win')).toBe('4096');
});

test('huge pages for RHEL 3 (Linux 2.4) are refused, nothing written', async () => {
  const before = await sys.rt.store.headPosition();
  const r = await api.post('/vms', vmSpec(clusterId, 'old', { hugePages: true, guestOs: { family: 'linux', distro: 'rhel', version: '3' } }));
  expect(r.status).toBe(422);
  expect(r.body.rule ?? r.body.details?.rule ?? JSON.stringify(r.body)).toContain('vm.hugePagesGuest');
  expect(await sys.rt.store.headPosition()).toBe(before);
});

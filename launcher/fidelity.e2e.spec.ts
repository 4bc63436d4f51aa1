// Issue 15 rules a user meets through the REST API: nonsense host combinations (400 naming the fields), Windows
// refused by placement on paravirtual hosts (C5), a must rule the placement breaks (409 naming rule and VMs),
// the restart-in-place window in the cluster's HA policy, and the guest OS compatibility list (F1).
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let admin: ReturnType<typeof apiClient>;
let clusterId: string;

beforeAll(async () => {
  db = await createTestDatabase('fidelity_e2e');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('fid'), VIRTSIM_API_TOKENS: 'admin:adm-t' });
  admin = apiClient(sys.url, 'adm-t');
  const c = await admin.post('/clusters', { name: 'fid', ha: { enabled: true, restartsInPlace: 2, restartWindowSeconds: 1800 } });
  expect(c.status).toBe(201);
  clusterId = c.body.id;
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

const head = async () => sys.rt.store.headPosition();

test('the HA policy carries the restart-in-place window; its defaults are 3 per 3,600 s', async () => {
  expect((await admin.get(`/clusters/${clusterId}`)).body.ha).toMatchObject({ restartsInPlace: 2, restartWindowSeconds: 1800 });
  const other = await admin.post('/clusters', { name: 'fid-defaults', ha: { enabled: true } });
  expect(other.body.ha).toMatchObject({ restartsInPlace: 3, restartWindowSeconds: 3600 });
});

test('type 2 + xen and paravirtual + kvm: 400 naming hypervisor.product / hypervisor.mode, nothing written', async () => {
  const before = await head();
  const xen2 = await admin.post(`/clusters/${clusterId}/hosts`, hostSpec('bad-1', { hypervisor: { type: 'type2', mode: 'hardware-assisted', product: 'xen' } }));
  expect(xen2.status).toBe(400);
  expect(xen2.body.errors.map((e: { path: string }) => e.path)).toEqual(['hypervisor.product']);
  const pvKvm = await admin.post(`/clusters/${clusterId}/hosts`, hostSpec('bad-2', { hypervisor: { type: 'type1', mode: 'paravirtual', product: 'kvm' } }));
  expect(pvKvm.status).toBe(400);
  expect(pvKvm.body.errors.map((e: { path: string }) => e.path)).toEqual(['hypervisor.mode']);
  expect(await head()).toBe(before);
});

test('a Windows VM on a cluster of paravirtual Xen hosts fails placement naming cpu-mode; Linux is placed', async () => {
  const pv = await admin.post('/clusters', { name: 'fid-pv' });
  const pvCluster = pv.body.id as string;
  expect((await admin.post(`/clusters/${pvCluster}/hosts`, hostSpec('xen-1', { hypervisor: { type: 'type1', mode: 'paravirtual', product: 'xen' } }))).status).toBe(201);
  const win = await admin.post('/vms?wait=true', vmSpec(pvCluster, 'win-1', { guestOs: { family: 'windows', version: '2019' }, disks: [{ sizeGiB: 40, bus: 'ide' }], nics: [{ model: 'e1000' }] }));
  expect(win.body.state).toBe('failed');
  expect(win.body.error.details.filters).toEqual([{ filter: 'cpu-mode', rejected: 1 }]);
  expect(win.body.error.message).toContain('Windows cannot be modified');
  const lin = await admin.post('/vms?wait=true', vmSpec(pvCluster, 'lin-1', { disks: [{ sizeGiB: 40, bus: 'xen' }], nics: [{ model: 'virtio' }] }));
  expect(lin.body.state).toBe('succeeded');
});

test('must anti-affinity over 3 running VMs on 2 hosts: 409 naming the rule and the VMs sharing a host', async () => {
  const c = await admin.post('/clusters', { name: 'fid-rules' });
  const cid = c.body.id as string;
  for (const n of ['r-1', 'r-2']) expect((await admin.post(`/clusters/${cid}/hosts`, hostSpec(n))).status).toBe(201);
  const ids: string[] = [];
  for (const n of ['app-1', 'app-2', 'app-3']) {
    const r = await admin.post('/vms?wait=true', vmSpec(cid, n, { powerOn: true }));
    expect(r.body.state).toBe('succeeded');
    ids.push(r.body.result.vmId);
  }
  const before = await head();
  const rule = await admin.post(`/clusters/${cid}/rules`, { name: 'apart', kind: 'vm-anti-affinity', vms: ids });
  expect(rule.status).toBe(409);
  expect(rule.body.detail).toContain('must rule apart is broken by where its VMs run now');
  expect(rule.body.vmIds).toHaveLength(2);
  expect(await head()).toBe(before);
});

test('GET /guest-os lists the one compatibility table (F1), aliases and the unknown-guest rules; the OpenAPI doc has it', async () => {
  const r = await admin.get('/guest-os');
  expect(r.status).toBe(200);
  expect(r.body.items).toEqual(expect.arrayContaining([
    { family: 'linux', distro: 'neokylin', version: '6', pvDrivers: 'custom', mainstream: false, onlineCpu: false, onlineMemory: false },
    { family: 'windows', distro: 'windows', version: '2019', pvDrivers: 'tools', mainstream: true, onlineCpu: false, onlineMemory: true },
  ]));
  expect(r.body.distroAliases.suse).toBe('sles');
  expect(r.body.unknown.linux).toEqual({ pvDrivers: 'inbox', mainstream: false, onlineCpu: false, onlineMemory: false });
  const doc = await fetch(`${sys.url}/api/v1/openapi.json`).then((x) => x.json()) as { paths: Record<string, unknown> };
  expect(Object.keys(doc.paths)).toContain('/api/v1/guest-os');
});

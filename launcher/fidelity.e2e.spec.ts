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
    { family: 'linux', distro: 'neokylin', version: '6', pvDrivers: 'custom', mainstream: false, onlineCpu: false, onlineMemory: false, hugePages: true },
    { family: 'windows', distro: 'windows', version: '2019', pvDrivers: 'tools', mainstream: true, onlineCpu: false, onlineMemory: true, hugePages: true },
    { family: 'linux', distro: 'rhel', version: '3', pvDrivers: 'custom', mainstream: false, onlineCpu: false, onlineMemory: false, hugePages: false },
  ]));
  expect(r.body.distroAliases.suse).toBe('sles');
  expect(r.body.unknown.linux).toEqual({ pvDrivers: 'inbox', mainstream: false, onlineCpu: false, onlineMemory: false, hugePages: true });
  const doc = await fetch(`${sys.url}/api/v1/openapi.json`).then((x) => x.json()) as { paths: Record<string, unknown> };
  expect(Object.keys(doc.paths)).toContain('/api/v1/guest-os');
});

// ---- issue 15 item 7 and rule compliance, through the API and the simulated clock ----

const advance = async (seconds: number) => expect((await admin.post('/sim/advance', { seconds })).status).toBeLessThan(300);
const auditOf = async (type: string) => {
  const items: any[] = [];
  for (let after = 0; ;) {
    const page = (await admin.get(`/audit?after=${after}&limit=5000`)).body;
    items.push(...page.items.filter((i: { type: string }) => i.type === type));
    if (!page.nextCursor) return items;
    after = Number(page.nextCursor);
  }
};

test('a live migration on its way to a host that then enters maintenance is cancelled; the VM stays on its source', async () => {
  const cid = (await admin.post('/clusters', { name: 'fid-maint' })).body.id as string;
  const h1 = (await admin.post(`/clusters/${cid}/hosts`, hostSpec('m-1'))).body.id as string;
  const vm = await admin.post('/vms?wait=true', vmSpec(cid, 'mover', { powerOn: true }));
  expect(vm.body.state).toBe('succeeded');
  const vmId = vm.body.result.vmId as string;
  const h2 = (await admin.post(`/clusters/${cid}/hosts`, hostSpec('m-2'))).body.id as string;
  const move = await admin.post(`/vms/${vmId}/migrate`, { targetHostId: h2 });
  expect(move.status).toBe(202);
  // the move is requested; it copies only when the clock ticks. m-2 (no VM of its own) enters maintenance first.
  expect((await admin.post(`/hosts/${h2}/maintenance`, { enter: true })).status).toBeLessThan(300);
  await advance(20);
  expect((await admin.get(`/vms/${vmId}`)).body).toMatchObject({ hostId: h1, state: 'running' });
  const cancelled = (await auditOf('MigrationCancelled')).filter((i) => i.vmId === vmId);
  expect(cancelled).toHaveLength(1);
  expect(cancelled[0].rationale).toBe('target host m-2 entered maintenance: the move is cancelled and VM mover keeps running on host ' + h1);
  expect(await auditOf('MigrationCompleted').then((l) => l.filter((i) => i.vmId === vmId))).toEqual([]);
});

test('a VM on local storage whose host failed waits, and the audit says why; it restarts in the tick its host recovers', async () => {
  const cid = (await admin.post('/clusters', { name: 'fid-local', ha: { enabled: true, failureDetectionSeconds: 30 } })).body.id as string;
  const local = { datastores: [{ name: 'shared-ds', kind: 'shared' }, { name: 'local-1', kind: 'local', capacityGiB: 500 }] };
  const h1 = (await admin.post(`/clusters/${cid}/hosts`, hostSpec('l-1', local))).body.id as string;
  expect((await admin.post(`/clusters/${cid}/hosts`, hostSpec('l-2'))).status).toBe(201);
  const vm = await admin.post('/vms?wait=true', vmSpec(cid, 'local-db', { powerOn: true, disks: [{ sizeGiB: 20, bus: 'virtio', datastore: 'local-1' }], ha: { enabled: true, priority: 'high' } }));
  expect(vm.body.error ?? null).toBeNull();
  const vmId = vm.body.result.vmId as string;
  expect((await admin.get(`/vms/${vmId}`)).body.hostId).toBe(h1);
  expect((await admin.post(`/hosts/${h1}/faults`, { kind: 'power-loss' })).status).toBeLessThan(300);
  await advance(60);
  const waits = (await admin.get(`/audit?vm=${vmId}`)).body.items.filter((i: { type: string }) => i.type === 'VmRestartWaiting');
  expect(waits).toEqual([expect.objectContaining({ action: 'ha', hostId: h1, rationale: 'disks on local datastore local-1 of host l-1: waits for that host to return' })]);
  expect(waits[0].data.waitKind).toBe('local-storage');
  expect((await admin.post(`/hosts/${h1}/recover`, {})).status).toBeLessThan(300);
  await advance(10);
  const restarted = (await admin.get(`/audit?vm=${vmId}`)).body.items.filter((i: { type: string }) => i.type === 'VmRestarted');
  const recovered = (await auditOf('HostRecovered')).filter((i) => i.hostId === h1);
  expect(restarted).toHaveLength(1);
  expect(recovered).toEqual([expect.objectContaining({ action: 'ha' })]);
  expect(restarted[0].simTime).toBe(recovered[0].simTime); // not one tick later
  expect((await admin.get(`/vms/${vmId}`)).body).toMatchObject({ hostId: h1, state: 'running' });
});

test('rule compliance: a must rule broken after creation is reported (GET rules, event, audit), DRS repairs it at priority 1', async () => {
  const cid = (await admin.post('/clusters', { name: 'fid-comply', drs: { enabled: true, automation: 'manual', threshold: 1 } })).body.id as string;
  expect((await admin.post(`/clusters/${cid}/hosts`, hostSpec('c-1'))).status).toBe(201);
  const ids: string[] = [];
  for (const n of ['s-1', 's-2']) {
    const r = await admin.post('/vms?wait=true', vmSpec(cid, n, { powerOn: false }));
    expect(r.body.state).toBe('succeeded');
    ids.push(r.body.result.vmId);
  }
  // both stopped on c-1: the must rule breaks nothing yet, so it is accepted
  const rule = await admin.post(`/clusters/${cid}/rules`, { name: 'apart', kind: 'vm-anti-affinity', vms: ids });
  expect(rule.status).toBe(201);
  expect(rule.body.compliance).toEqual({ compliant: true, vmIds: [], reason: null, since: null });
  const c2 = (await admin.post(`/clusters/${cid}/hosts`, hostSpec('c-2'))).body.id as string;
  for (const id of ids) expect((await admin.post(`/vms/${id}/power`, { action: 'start' })).status).toBeLessThan(300);
  await advance(10);
  const broken = (await admin.get(`/clusters/${cid}/rules`)).body.items[0];
  expect(broken.compliance).toMatchObject({
    compliant: false, vmIds: [ids[1]],
    reason: `must rule apart is not compliant, sharing a host with another member: ${ids[1]}; DRS moves them at priority 1 where a host fits`,
  });
  const events = (await auditOf('RuleComplianceChanged')).filter((i) => i.data.ruleId === rule.body.id);
  expect(events.map((e) => [e.action, e.data.compliant])).toEqual([['rules', false]]);
  await advance(300);
  const recs = (await admin.get(`/clusters/${cid}/drs/recommendations`)).body.items;
  expect(recs).toEqual([expect.objectContaining({ vmId: ids[1], toHostId: c2, priority: 1, rationale: expect.objectContaining({ reason: 'must-rule', ruleId: rule.body.id }) })]);
  expect((await admin.post(`/clusters/${cid}/drs/recommendations/${recs[0].id}/apply`)).status).toBe(202);
  await advance(20);
  expect((await admin.get(`/clusters/${cid}/rules`)).body.items[0].compliance).toMatchObject({ compliant: true, vmIds: [], reason: 'must rule apart is compliant again' });
  expect((await auditOf('RuleComplianceChanged')).filter((i) => i.data.ruleId === rule.body.id).map((e) => e.data.compliant)).toEqual([false, true]);
});

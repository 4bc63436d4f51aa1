// "Why not" in the audit (issue 19): what an automatic decision did NOT do, and why, through the REST API and
// `virtsim audit`. A VM on a failed host that is not HA-protected stays down and the audit says so; an HA
// cluster running unprotected VMs carries a warning (event, audit entry, GET /clusters/:id); with HA off on
// the cluster the VMs of a failed host are named at once.
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { runCli } from './test-cli.js';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  db = await createTestDatabase('why_not_e2e');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('whynot'), VIRTSIM_API_TOKENS: 'admin:adm' });
  api = apiClient(sys.url, 'adm');
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

/** the CLI's human output (a table: not a terminal, no colour) */
async function cliTable(...args: string[]): Promise<string> {
  return runCli(sys.url, 'adm', ...args);
}

const advance = (seconds: number) => api.post('/sim/advance', { seconds });
const vm = async (clusterId: string, name: string, over: Record<string, unknown> = {}) => {
  const t = await api.post('/vms?wait=true', vmSpec(clusterId, name, { powerOn: true, ...over }));
  expect(t.body).toMatchObject({ state: 'succeeded' });
  return t.body.result.vmId as string;
};

test('HA on: the unprotected VM is warned of, then left down with a reason the audit and the CLI show', async () => {
  const c = (await api.post('/clusters', { name: 'prot', ha: { enabled: true, hostFailuresTolerated: 0 } })).body.id as string;
  const h1 = (await api.post(`/clusters/${c}/hosts`, hostSpec('p-1'))).body.id as string;
  const web = await vm(c, 'web', { ha: { enabled: true, priority: 'high' } });
  const batch = await vm(c, 'batch');
  const h2 = (await api.post(`/clusters/${c}/hosts`, hostSpec('p-2'))).body.id as string;

  // the warning: on the cluster at once, as an event and a why-not audit entry at the next HA tick
  const cluster = (await api.get(`/clusters/${c}`)).body;
  expect(cluster.haProtection).toEqual({
    unprotected: 1, vmIds: [batch],
    message: `cluster HA is on but 1 running VM is not HA-protected (${batch}): a host failure leaves them down; set ha.enabled on them to protect them`,
  });
  await advance(10);
  const warned = (await api.get('/audit?whyNot=true')).body.items;
  expect(warned.map((i: any) => [i.type, i.action, i.whyNot, i.data.unprotected])).toEqual([['HaUnprotectedVmsChanged', 'ha', true, 1]]);
  expect(warned[0].sentence).toBe(cluster.haProtection.message);

  // h1 fails: web restarts on h2, batch stays down and the audit says why
  expect((await api.post(`/hosts/${h1}/faults`, { kind: 'power-loss' })).status).toBe(202);
  await advance(60);
  expect((await api.get(`/vms/${web}`)).body).toMatchObject({ state: 'running', hostId: h2 });
  expect((await api.get(`/vms/${batch}`)).body.state).not.toBe('running');
  const whyNot = (await api.get(`/audit?vm=${batch}&whyNot=true`)).body.items;
  expect(whyNot).toEqual([expect.objectContaining({
    type: 'VmRestartNotAttempted', action: 'ha', whyNot: true, vmId: batch, hostId: h1,
    sentence: 'VM batch went down with host p-1 and is not restarted: it is not HA-protected (ha.enabled is not set on the VM); start it by hand',
  })]);
  expect((await api.get(`/audit?vm=${web}&whyNot=true`)).body.items).toEqual([]);
  // batch is no longer running: the warning ends, on the cluster and in the audit
  expect((await api.get(`/clusters/${c}`)).body.haProtection).toBeNull();
  const ended = (await api.get('/audit?whyNot=true')).body.items.filter((i: any) => i.type === 'HaUnprotectedVmsChanged');
  expect(ended.map((i: any) => i.data.unprotected)).toEqual([1, 0]);

  // every audit entry has a sentence; done actions are not why-not entries
  const all = (await api.get(`/audit?vm=${web}`)).body.items;
  expect(all.every((i: any) => typeof i.sentence === 'string' && i.sentence.length > 0)).toBe(true);
  expect(all.find((i: any) => i.type === 'VmRestarted')).toMatchObject({ whyNot: false });

  const table = await cliTable('audit', '--vm', batch, '--why-not');
  expect(table).toContain('WHAT HAPPENED');
  expect(table).toContain('NOT DONE: VM batch went down with host p-1 and is not restarted');
  expect(table).not.toContain('VmPlaced');
}, 120_000);

test('HA off: the VMs of a failed host are named at once, HA being off on their cluster; no warning', async () => {
  const c = (await api.post('/clusters', { name: 'noha' })).body.id as string;
  const h = (await api.post(`/clusters/${c}/hosts`, hostSpec('n-1'))).body.id as string;
  const app = await vm(c, 'app', { ha: { enabled: true } });
  expect((await api.get(`/clusters/${c}`)).body.haProtection).toBeNull();
  expect((await api.post(`/hosts/${h}/faults`, { kind: 'hypervisor-crash' })).status).toBe(202);
  const items = (await api.get(`/audit?vm=${app}&whyNot=true`)).body.items;
  expect(items.map((i: any) => [i.type, i.data.why])).toEqual([['VmRestartNotAttempted', 'cluster-ha-off']]);
  expect(items[0].sentence).toContain('HA is off on its cluster');
}, 60_000);

test('DPM: an idle cluster whose only spare host is HA\'s reserve keeps it on, and says so once', async () => {
  const c = (await api.post('/clusters', { name: 'idle', ha: { enabled: true, hostFailuresTolerated: 1 }, dpm: { enabled: true, automation: 'automatic' } })).body.id as string;
  await api.post(`/clusters/${c}/hosts`, hostSpec('i-1'));
  await api.post(`/clusters/${c}/hosts`, hostSpec('i-2'));
  await vm(c, 'idle-vm', { ha: { enabled: true } });
  await advance(2500);
  const held = (await api.get('/audit?whyNot=true&limit=50')).body.items.filter((i: any) => i.type === 'DpmHostPowerOffHeld' && i.data.clusterId === c);
  expect(held).toEqual([expect.objectContaining({ action: 'dpm', whyNot: true, data: expect.objectContaining({ why: 'ha-reserve' }) })]);
  expect(held[0].sentence).toMatch(/but no host goes to standby: without i-[12] HA admission control would not hold \(1 host failure tolerated\)$/);
  expect((await api.get(`/clusters/${c}/hosts`)).body.items.map((h: any) => h.power)).toEqual(['on', 'on']);
}, 120_000);

test('DRS manual: the moves it recommends wait for an operator, and the audit says so', async () => {
  const c = (await api.post('/clusters', { name: 'manual', drs: { enabled: true, automation: 'manual' } })).body.id as string;
  await api.post(`/clusters/${c}/hosts`, hostSpec('m-1'));
  const ids: string[] = [];
  for (const n of ['apart-1', 'apart-2']) ids.push(await vm(c, n, { powerOn: false }));
  expect((await api.post(`/clusters/${c}/rules`, { name: 'apart', kind: 'vm-anti-affinity', vms: ids })).status).toBe(201);
  await api.post(`/clusters/${c}/hosts`, hostSpec('m-2'));
  for (const id of ids) expect((await api.post(`/vms/${id}/power`, { action: 'start' })).status).toBeLessThan(300);
  await advance(310);
  const recs = (await api.get(`/clusters/${c}/drs/recommendations`)).body.items;
  expect(recs).toHaveLength(1);
  const waiting = (await api.get('/audit?whyNot=true&limit=100')).body.items.filter((i: any) => i.type === 'DrsMovesAwaitOperator' && i.data.clusterId === c);
  expect(waiting.at(-1)).toMatchObject({ action: 'drs', whyNot: true, data: { recommendationIds: [recs[0].id] } });
  expect(waiting.at(-1).sentence).toBe(`DRS automation is manual: 1 recommended move waits for an operator (${recs[0].id}); apply one with POST /clusters/${c}/drs/recommendations/<id>/apply, or set drs.automation to automatic`);
  // not moved until an operator applies it
  expect((await api.get(`/vms/${recs[0].vmId}`)).body.hostId).toBe(recs[0].fromHostId);
}, 120_000);

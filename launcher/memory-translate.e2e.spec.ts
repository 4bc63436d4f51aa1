// Address translation through the API, every service running over real PostgreSQL and NATS: the batch form
// (POST /vms/:id/memory/translate) answers exactly the walks the single form (GET) answers one by one, TLB
// included, across the chunks the vrm sends the memory-manager; bad input is a 400 naming the field.
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let operator: ReturnType<typeof apiClient>;
let auditor: ReturnType<typeof apiClient>;
let vmId: string;

beforeAll(async () => {
  db = await createTestDatabase('translate_e2e');
  sys = await startSystem({
    DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('tr'),
    VIRTSIM_API_TOKENS: 'admin:adm-t,operator:op-t,auditor:aud-t',
  });
  const admin = apiClient(sys.url, 'adm-t');
  operator = apiClient(sys.url, 'op-t');
  auditor = apiClient(sys.url, 'aud-t');
  const c = await admin.post('/clusters', { name: 'tr', cpuOvercommitRatio: 4 });
  expect((await operator.post(`/clusters/${c.body.id}/hosts`, hostSpec('esx01'))).status).toBe(201);
  const r = await operator.post('/vms?wait=true', vmSpec(c.body.id, 'walker', { powerOn: true }));
  expect(r.body).toMatchObject({ state: 'succeeded' });
  vmId = r.body.result.vmId;
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

/** a sweep of 4 KiB pages, then pages of the sweep again (TLB hits), then an address in another 1 GiB region */
const hex = (n: number) => `0x${n.toString(16)}`;
const page = (i: number, offset: number) => hex(0x7f0000000000 + i * 4096 + offset);
const sweep = Array.from({ length: 200 }, (_, i) => page(i, 0x10));
const repeats = Array.from({ length: 40 }, (_, i) => page(150 + i, 0xff8));
const gvas = [...sweep, ...repeats, hex(0x40001234), ...sweep.slice(0, 40)];

describe('batch translation', () => {
  test('a batch answers the walks of the same addresses translated one by one, TLB carried across chunks', async () => {
    const batch = await auditor.post(`/vms/${vmId}/memory/translate`, { gvas, flushTlb: true });
    expect(batch.status).toBe(200);
    expect(batch.body.items).toHaveLength(gvas.length);

    const first = await auditor.post(`/vms/${vmId}/memory/translate`, { gvas: [gvas[0]], flushTlb: true });
    const singles = [first.body.items[0]];
    for (const gva of gvas.slice(1)) {
      const r = await auditor.get(`/vms/${vmId}/memory/translate?gva=${gva}`);
      expect(r.status).toBe(200);
      singles.push(r.body);
    }
    expect(batch.body.items).toEqual(singles);

    const tlb = batch.body.items.map((t: { tlb: string }) => t.tlb);
    expect(tlb.slice(0, 200).every((t: string) => t === 'miss')).toBe(true);
    // the repeats hit only while the page is still among the TLB's 64 entries (LRU)
    expect(tlb.slice(200, 240).every((t: string) => t === 'hit')).toBe(true);
    expect(tlb.slice(241).every((t: string) => t === 'miss')).toBe(true);
    expect(batch.body.items[0]).toMatchObject({ vmId, gva: gvas[0], memoryReferences: 24, tlbEntries: 1 });
    expect(batch.body.items[200]).toMatchObject({ memoryReferences: 0, steps: [] });
  });

  test('without flushTlb the batch starts from the TLB the last translation left', async () => {
    await auditor.post(`/vms/${vmId}/memory/translate`, { gvas: [gvas[0]], flushTlb: true });
    const r = await operator.post(`/vms/${vmId}/memory/translate`, { gvas: [gvas[0], gvas[1]] });
    expect(r.body.items.map((t: { tlb: string }) => t.tlb)).toEqual(['hit', 'miss']);
  });

  test('400 names the bad field; 401 / 404 as for GET', async () => {
    const path = `/vms/${vmId}/memory/translate`;
    const fields = async (body: unknown) => {
      const r = await auditor.post(path, body);
      expect(r.status).toBe(400);
      expect(r.type).toContain('application/problem+json');
      return r.body.errors.map((e: { path: string }) => e.path);
    };
    expect(await fields({ gvas: [] })).toEqual(['gvas']);
    expect(await fields({ gvas: Array.from({ length: 4097 }, () => '0x1000') })).toEqual(['gvas']);
    expect(await fields({ gvas: ['0x1000', '0x2000', 'nope'] })).toEqual(['gvas.2']);
    expect(await fields({ gvas: ['0x1000', '0x800000000000'] })).toEqual(['gvas.1']);
    expect(await fields({ gvas: ['0x1000'], flushTlb: 'yes' })).toEqual(['flushTlb']);
    expect(await fields({ gvas: ['0x1000'], color: 'red' })).toEqual(['(body)']);
    expect(await fields({})).toEqual(['gvas']);
    for (const q of ['', '?gva=12', '?gva=0xfffffffffffff']) {
      const r = await auditor.get(`${path}${q}`);
      expect(r.status).toBe(400);
      expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual(['gva']);
    }
    expect((await apiClient(sys.url, '').post(path, { gvas: ['0x1000'] })).status).toBe(401);
    expect((await auditor.post('/vms/vm999999/memory/translate', { gvas: ['0x1000'] })).status).toBe(404);
  });

  test('the OpenAPI document describes the batch body', async () => {
    const doc = await auditor.get('/openapi.json');
    const op = doc.body.paths?.['/api/v1/vms/{id}/memory/translate'];
    expect(op?.post?.requestBody).toBeDefined();
    const body = op.post.requestBody.content['application/json'].schema.$ref.split('/').pop();
    expect(JSON.stringify(doc.body.components.schemas[body])).toContain('gvas');
    expect(JSON.stringify(op.get.parameters)).toContain('gva');
  });
});

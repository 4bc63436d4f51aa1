// The OpenAPI document as served (issue 19): the same at /api/v1/openapi.json and /openapi.json, clean under
// Redocly's recommended rules, and equal to libs/client/openapi.json, from which libs/client/src/schema.ts is
// generated: a change to the API that is not regenerated into the client fails here.
// UPDATE_OPENAPI=1 rewrites both files (then review the diff and commit). The answers of a small inventory's
// calls match the response schema the document names for them (no free-form answers left).
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { readFileSync, writeFileSync } from 'node:fs';
import { RESPONSE_SCHEMAS } from '../apps/vrm/src/http/openapi-schemas.js';
import { DOCUMENT, SCHEMA, schemaSource } from '../tools/generate-client.mjs';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec, type Reply } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let served: string;

beforeAll(async () => {
  db = await createTestDatabase('openapi_e2e');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('openapi'), VIRTSIM_API_TOKENS: 'admin:adm-t' });
  served = await (await fetch(`${sys.url}/api/v1/openapi.json`)).text();
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

test('served at /api/v1/openapi.json and at /openapi.json, without a token', async () => {
  const root = await fetch(`${sys.url}/openapi.json`);
  expect(root.status).toBe(200);
  expect(JSON.parse(await root.text())).toEqual(JSON.parse(served));
});

test('Redocly lint (recommended rules) finds no error in the served document', async () => {
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({ source: served, absoluteRef: 'served-openapi.json', config });
  const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
  expect(errors).toEqual([]);
});

test('every operation is summarised, has an operationId, a named answer and problem answers; public routes need no token', () => {
  const doc = JSON.parse(served);
  expect(doc.openapi).toMatch(/^3\.0\./);
  expect(doc.servers.length).toBeGreaterThan(0);
  expect(doc.components.securitySchemes.bearer.bearerFormat).toBeUndefined();
  expect(served).not.toMatch(/"(const|propertyNames)":/);
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const where = `${method} ${path}`;
      expect([where, typeof op.summary, typeof op.operationId]).toEqual([where, 'string', 'string']);
      const ok = Object.entries<any>(op.responses).find(([s]) => /^2/.test(s))!;
      if (ok[0] !== '204') expect([where, Object.values<any>(ok[1].content)[0].schema.$ref ?? Object.values<any>(ok[1].content)[0].schema.type]).toEqual([where, expect.any(String)]);
      const json = op.requestBody?.content?.['application/json'];
      if (json) expect([where, json.schema.$ref]).toEqual([where, expect.stringMatching(/^#\/components\/schemas\//)]);
      expect([where, op.responses['503']?.$ref]).toEqual([where, '#/components/responses/Unavailable']);
    }
  }
  for (const path of ['/api/v1/health', '/api/v1/health/live', '/api/v1/health/ready', '/api/v1/metrics']) expect(doc.paths[path].get.security).toEqual([]);
  expect(doc.paths['/api/v1/vms'].get.security).toBeUndefined();
  expect(doc.components.schemas.Problem.example.status).toBe(400);
});

test('the checked-in client is generated from the served document (npm run client:generate)', async () => {
  const document = JSON.parse(served);
  if (process.env.UPDATE_OPENAPI) {
    writeFileSync(DOCUMENT, `${JSON.stringify(document, null, 2)}\n`);
    writeFileSync(SCHEMA, await schemaSource(document));
  }
  expect(JSON.parse(readFileSync(DOCUMENT, 'utf8'))).toEqual(document);
  expect(readFileSync(SCHEMA, 'utf8')).toBe(await schemaSource(document));
});

test('no JSON answer is free-form: each names a schema in components, and real answers match it', async () => {
  const doc = JSON.parse(served);
  const free: string[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      for (const [status, r] of Object.entries<any>(op.responses)) {
        const ref: string | undefined = r.content?.['application/json']?.schema?.$ref;
        if (!/^2/.test(status) || !ref) continue;
        const schema = doc.components.schemas[ref.split('/').pop()!];
        if (schema.type === 'object' && !schema.properties && !schema.anyOf) free.push(`${method} ${path}`);
      }
    }
  }
  expect(free).toEqual([]);

  const api = apiClient(sys.url, 'adm-t');
  /** the answer matches the schema the served document names for this operation's success */
  const conforms = (method: string, path: string, reply: Reply) => {
    const op = doc.paths[path][method];
    const [status, response] = Object.entries<any>(op.responses).find(([s]) => /^2/.test(s))!;
    expect([method, path, reply.status]).toEqual([method, path, Number(status)]);
    const name = response.content['application/json'].schema.$ref.split('/').pop();
    const parsed = RESPONSE_SCHEMAS[name].safeParse(reply.body);
    expect([method, path, name, parsed.success ? [] : parsed.error.issues]).toEqual([method, path, name, []]);
  };
  const p = '/api/v1';
  const c = (await api.post('/clusters', { name: 'shapes', ha: { enabled: true }, drs: { enabled: true, automation: 'manual' } })).body;
  const h1 = (await api.post(`/clusters/${c.id}/hosts`, hostSpec('s1'))).body.id;
  const h2 = (await api.post(`/clusters/${c.id}/hosts`, hostSpec('s2'))).body.id;
  const vm = (await api.post('/vms?wait=true', vmSpec(c.id, 'sv1', { powerOn: true }))).body.result.vmId;
  await api.post('/vms?wait=true', vmSpec(c.id, 'sv2', { powerOn: true }));
  conforms('get', `${p}/health`, await api.get('/health'));
  conforms('get', `${p}/health/live`, await api.get('/health/live'));
  conforms('get', `${p}/health/ready`, await api.get('/health/ready'));
  conforms('get', `${p}/me`, await api.get('/me'));
  conforms('get', `${p}/cpu/instructions`, await api.get('/cpu/instructions'));
  conforms('get', `${p}/hosts/{id}/cpu-modes`, await api.get(`/hosts/${h1}/cpu-modes`));
  conforms('post', `${p}/hosts/{id}/cpu-modes`, await api.post(`/hosts/${h1}/cpu-modes`, { mix: { kernel: { ADD: 10, CPUID: 1 } }, guestFamily: 'windows' }));
  conforms('get', `${p}/vms/{id}/history`, await api.get(`/vms/${vm}/history?limit=3`));
  conforms('get', `${p}/vms/{id}/memory/translate`, await api.get(`/vms/${vm}/memory/translate?gva=0x7f0000001010`));
  conforms('post', `${p}/vms/{id}/memory/translate`, await api.post(`/vms/${vm}/memory/translate`, { gvas: ['0x7f0000001010', '0x40001234'] }));
  conforms('post', `${p}/vms/{id}/disks`, await api.post(`/vms/${vm}/disks`, { sizeGiB: 10, bus: 'virtio' }));
  conforms('delete', `${p}/vms/{id}/disks/{n}`, await api.delete(`/vms/${vm}/disks/1`));
  conforms('post', `${p}/vms/{id}/nics`, await api.post(`/vms/${vm}/nics`, { model: 'virtio' }));
  conforms('delete', `${p}/vms/{id}/nics/{n}`, await api.delete(`/vms/${vm}/nics/1`));
  conforms('post', `${p}/vms/{id}/tools:install`, await api.post(`/vms/${vm}/tools:install`, {}));
  conforms('post', `${p}/sim/advance`, await api.post('/sim/advance', { seconds: 300 }));
  conforms('get', `${p}/clusters/{id}/drs/recommendations`, await api.get(`/clusters/${c.id}/drs/recommendations`));
  conforms('get', `${p}/events`, await api.get('/events?limit=3'));
  conforms('post', `${p}/events:import`, await api.post('/events:import', { events: (await api.get('/events?limit=3')).body.items }));
  conforms('get', `${p}/state`, await api.get('/state'));
  conforms('get', `${p}/state/hash`, await api.get('/state/hash'));
  conforms('get', `${p}/verify`, await api.get('/verify'));
  conforms('get', `${p}/audit`, await api.get('/audit?limit=5'));
  conforms('get', `${p}/invariants`, await api.get('/invariants'));
  const job = await api.post('/whatif', { seconds: 30, variants: [{ name: 'x', changes: [{ fault: { vm: 'sv1', kind: 'vmm-process-crash' } }] }] });
  conforms('post', `${p}/whatif`, job);
  for (let i = 0; i < 100 && (await api.get(`/whatif/${job.body.id}`)).body.state !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 200));
  conforms('get', `${p}/whatif/{id}`, await api.get(`/whatif/${job.body.id}`));
  conforms('post', `${p}/vms/{id}/faults`, await api.post(`/vms/${vm}/faults`, { kind: 'guest-os-crash' }));
  conforms('post', `${p}/hosts/{id}/maintenance`, await api.post(`/hosts/${h2}/maintenance`, { enter: true }));
  conforms('post', `${p}/hosts/{id}/maintenance`, await api.post(`/hosts/${h2}/maintenance`, { enter: false }));
  conforms('post', `${p}/hosts/{id}/faults`, await api.post(`/hosts/${h2}/faults`, { kind: 'power-loss' }));
  conforms('post', `${p}/hosts/{id}/recover`, await api.post(`/hosts/${h2}/recover`, {}));
}, 120_000);

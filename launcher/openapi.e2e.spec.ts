// The OpenAPI document as served (issue 19): the same at /api/v1/openapi.json and /openapi.json, clean under
// Redocly's recommended rules, and equal to libs/client/openapi.json, from which libs/client/src/schema.ts is
// generated: a change to the API that is not regenerated into the client fails here.
// UPDATE_OPENAPI=1 rewrites both files (then review the diff and commit).
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { readFileSync, writeFileSync } from 'node:fs';
import { DOCUMENT, SCHEMA, schemaSource } from '../tools/generate-client.mjs';
import { startSystem, type System } from './system.js';

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

// Hostile and careless traffic generated from the OpenAPI document (issue 23, "Done when"): every operation, every
// body and query field with wrong types, out-of-range numbers, huge strings and arrays, NUL and unpaired surrogates,
// prototype-named ids; raw bodies, bad charsets and encodings; id, auth, import and query probes; dropped event
// streams. Bounded (a few thousand requests). Asserts: no answer 5xx, every request answered, no error answer wrote
// to the log, the process alive throughout, and the installation starts again on its own log with the same state.
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { request as httpRequest } from 'node:http';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

interface Schema { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; maximum?: number; maxLength?: number; maxItems?: number; enum?: unknown[]; anyOf?: Schema[] }
interface Operation { method: string; path: string; body: Schema | null; query: { name: string; schema: Schema }[] }
interface Answer { status: number; text: string }

const TOKENS = 'admin:adm-t,operator:op-t,auditor:aud-t';
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
const env = () => ({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: prefix, VIRTSIM_API_TOKENS: TOKENS });
const prefix = uniqueName('hostile');
const ids: Record<string, string> = {};
const findings: string[] = [];
let requests = 0;
let named = 0;

beforeAll(async () => {
  db = await createTestDatabase('hostile_traffic');
  sys = await startSystem(env());
  const admin = apiClient(sys.url, 'adm-t');
  ids.cluster = (await admin.post('/clusters', { name: 'prod' })).body.id;
  ids.host = (await admin.post(`/clusters/${ids.cluster}/hosts`, hostSpec('esx01'))).body.id;
  await admin.post(`/clusters/${ids.cluster}/hosts`, hostSpec('esx02'));
  const vm = await admin.post('/vms?wait=true', vmSpec(ids.cluster, 'web01', { powerOn: true }));
  ids.vm = vm.body.result.vmId;
  ids.task = vm.body.id;
  ids.vm2 = (await admin.post('/vms?wait=true', vmSpec(ids.cluster, 'web02', { powerOn: true }))).body.result.vmId;
  ids.rule = (await admin.post(`/clusters/${ids.cluster}/rules`, { name: 'apart', kind: 'vm-anti-affinity', vms: [ids.vm, ids.vm2] })).body.id;
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

function send(method: string, path: string, body: Buffer | string | undefined, headers: Record<string, string>): Promise<Answer | null> {
  requests++;
  return new Promise((resolve) => {
    const req = httpRequest(`${sys.url}${path}`, { method, headers: body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve(null));
    });
    req.setTimeout(120_000, () => req.destroy());
    // the server may refuse before reading the whole body (401, 413): that is an answer, not a failure
    req.on('error', () => resolve(null));
    req.end(body);
  });
}

/** one probe: answered, not 5xx, and if refused, nothing written */
async function probe(label: string, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Answer | null> {
  const before = await sys.rt.store.headPosition();
  const a = await send(method, path, body, { authorization: 'Bearer adm-t', ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}), ...headers });
  if (!a) { findings.push(`${label}: no answer`); return null; }
  if (a.status >= 500) findings.push(`${label}: ${a.status} ${a.text.slice(0, 200)}`);
  if (a.status >= 400) {
    const after = await sys.rt.store.headPosition();
    if (after !== before) findings.push(`${label}: ${a.status} but the log moved ${before} -> ${after}`);
  } else {
    await settle(a);
    // an accepted /sim/run sets the clock running: stop it (after its tick in flight) so the log stands still again
    if (path.includes('/sim/run')) await send('POST', '/api/v1/sim/pause', undefined, { authorization: 'Bearer adm-t' });
  }
  return a;
}

/** a probe that was accepted may have started a task: let it end, so that the next probe's log check is its own */
async function settle(a: Answer): Promise<void> {
  const task = (() => { try { const b = JSON.parse(a.text); return typeof b?.id === 'string' && typeof b?.kind === 'string' && 'state' in b ? b.id : null; } catch { return null; } })();
  if (task) await send('GET', `/api/v1/tasks/${task}?wait=true`, undefined, { authorization: 'Bearer adm-t' });
}

function operations(doc: { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema & { $ref?: string } }> }; parameters?: { in: string; name: string; schema: Schema }[] }>>; components?: { schemas?: Record<string, Schema> } }): Operation[] {
  const out: Operation[] = [];
  // request bodies are named in components.schemas (#/components/schemas/<Name>)
  const deref = (s: (Schema & { $ref?: string }) | undefined) => (s?.$ref ? doc.components?.schemas?.[s.$ref.split('/').pop()!] : s);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      out.push({
        method: method.toUpperCase(), path,
        body: deref(op.requestBody?.content?.['application/json']?.schema) ?? null,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
      });
    }
  }
  return out;
}

/** a real id for each path parameter, by the segment before it */
function realPath(path: string, override?: string): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string, at: number) => {
    if (override !== undefined) return encodeURIComponent(override);
    const before = path.slice(0, at);
    if (name === 'ruleId') return ids.rule;
    if (name === 'rid' || name === 'n') return '1';
    if (before.endsWith('/clusters/')) return ids.cluster;
    if (before.endsWith('/hosts/')) return ids.host;
    if (before.endsWith('/tasks/')) return ids.task;
    return ids.vm;
  });
}

const typeOf = (s: Schema): string => (Array.isArray(s.type) ? s.type[0] : s.type) ?? (s.anyOf ? typeOf(s.anyOf[0]) : 'string');

/** values no field of this schema may take */
function badValues(s: Schema): unknown[] {
  const t = typeOf(s);
  const common: unknown[] = [null, { __proto__: null, constructor: 1 }, 'constructor', 'a\u0000b', '\udc00'];
  if (t === 'number' || t === 'integer') return [...common, '12', 1e308, -1e308, (s.maximum ?? 2 ** 53) + 1, 1.5, true];
  if (t === 'boolean') return [...common, 'yes', 1];
  if (t === 'array') return [...common, {}, Array.from({ length: Math.min((s.maxItems ?? 20_000) + 1, 20_001) }, () => 'constructor'), ['a\u0000b'], ['__proto__'], [[[[]]]]];
  if (t === 'object') return [...common, [], 'x', 42];
  return [...common, 42, [], 'x'.repeat(Math.min((s.maxLength ?? 200_000) + 1, 200_001)), '__proto__', 'toString', ''];
}

/** valid bodies to vary one field of at a time (the rest stays valid, so the varied field is what is judged) */
function validBody(op: Operation): Record<string, unknown> {
  const p = op.path;
  const name = `probe${++named}`; // a fresh name each time: a refusal must come from the varied field, not a name taken
  if (op.method === 'POST' && p === '/api/v1/clusters') return { name };
  if (op.method === 'POST' && p.endsWith('/hosts')) return hostSpec(name);
  if (op.method === 'POST' && p === '/api/v1/vms') return vmSpec(ids.cluster, name, { vcpus: 1, memoryMiB: 256, disks: [] });
  if (p.endsWith('/vms:batch')) return { vms: [vmSpec(ids.cluster, name, { vcpus: 1, memoryMiB: 256, disks: [] })] };
  if (p.endsWith('/rules') && op.method === 'POST') return { name, kind: 'vm-anti-affinity', vms: [ids.vm, ids.vm2] };
  if (p.endsWith('/memory/translate')) return { gvas: ['0x1000'] };
  return {};
}

async function bodyProbes(op: Operation): Promise<void> {
  const path = realPath(op.path);
  for (const [field, schema] of Object.entries(op.body?.properties ?? {})) {
    const given = validBody(op)[field];
    // an id list with one prototype-named entry among real ones (the rule that once broke the scheduler for good)
    const mixed = Array.isArray(given) && typeof given[0] === 'string' ? [['constructor', ...given.slice(1)], [...given.slice(0, 1), '__proto__']] : [];
    for (const bad of [...badValues(schema), ...mixed]) {
      await probe(`${op.method} ${op.path} ${field}=${JSON.stringify(bad)?.slice(0, 40)}`, op.method, path, JSON.stringify({ ...validBody(op), [field]: bad }));
    }
    // one level down: the nested object's own fields
    for (const [inner, innerSchema] of Object.entries(schema.properties ?? schema.items?.properties ?? {}).slice(0, 12)) {
      for (const bad of badValues(innerSchema).slice(0, 8)) {
        const base = validBody(op);
        const holder = schema.items ? [{ ...(((base[field] as unknown[]) ?? [])[0] as object), [inner]: bad }] : { ...(base[field] as object), [inner]: bad };
        await probe(`${op.method} ${op.path} ${field}.${inner}=${JSON.stringify(bad)?.slice(0, 40)}`, op.method, path, JSON.stringify({ ...base, [field]: holder }));
      }
    }
  }
  for (const whole of ['[]', '"x"', 'null', '42', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}', '{', '\u0000', '['.repeat(50_000) + ']'.repeat(50_000)]) {
    await probe(`${op.method} ${op.path} body ${whole.slice(0, 20)}`, op.method, path, whole);
  }
}

async function rawProbes(op: Operation): Promise<void> {
  const path = realPath(op.path);
  const big = Buffer.alloc(2 * 1024 * 1024, 0x41);
  for (const [label, body, headers] of [
    ['x-tar 2 MiB', big, { 'content-type': 'application/x-tar' }],
    ['octet-stream', Buffer.from('\u0000\u0001'), { 'content-type': 'application/octet-stream' }],
    ['text/plain', Buffer.from('hello'), { 'content-type': 'text/plain' }],
    ['json 2 MiB', Buffer.from(JSON.stringify({ x: 'y'.repeat(2 * 1024 * 1024) })), { 'content-type': 'application/json' }],
    ['bad charset', Buffer.from('{}'), { 'content-type': 'application/json; charset=klingon' }],
    ['bad encoding', Buffer.from('{}'), { 'content-type': 'application/json', 'content-encoding': 'x-zip' }],
    ['gzip garbage', Buffer.from('not gzip at all'), { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
    ['latin1 json', Buffer.from('{"name":"caf\u00e9"}', 'latin1'), { 'content-type': 'application/json; charset=utf-8' }],
  ] as [string, Buffer, Record<string, string>][]) {
    await probe(`${op.method} ${op.path} raw ${label}`, op.method, path, body, headers);
  }
}

async function queryProbes(op: Operation): Promise<void> {
  for (const q of op.query) {
    for (const bad of ['%00', '%ED%A0%80', '1e308', '-1', '1.5', 'constructor', '__proto__', 'x'.repeat(5000), '', '[]']) {
      await probe(`${op.method} ${op.path} ?${q.name}=${bad.slice(0, 20)}`, op.method, `${realPath(op.path)}?${q.name}=${bad}`, op.method === 'GET' ? undefined : '{}');
    }
    await probe(`${op.method} ${op.path} ?${q.name} twice`, op.method, `${realPath(op.path)}?${q.name}=1&${q.name}=2`, op.method === 'GET' ? undefined : '{}');
  }
  await probe(`${op.method} ${op.path} ?unknown`, op.method, `${realPath(op.path)}?zzz=1&__proto__[x]=1`, op.method === 'GET' ? undefined : '{}');
}

async function idProbes(op: Operation): Promise<void> {
  if (!op.path.includes('{')) return;
  for (const id of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'a\u0000b', '..', 'x'.repeat(3000), "1' OR '1'='1"]) {
    await probe(`${op.method} ${op.path} id=${id.slice(0, 20)}`, op.method, realPath(op.path, id), op.method === 'GET' || op.method === 'DELETE' ? undefined : JSON.stringify(validBody(op)));
  }
}

async function authProbes(op: Operation): Promise<void> {
  const path = realPath(op.path);
  const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : JSON.stringify(validBody(op));
  for (const [label, headers] of [['no token', { authorization: '' }], ['bad token', { authorization: 'Bearer nope' }], ['basic', { authorization: 'Basic YWRtaW46YWRt' }], ['auditor', { authorization: 'Bearer aud-t' }]] as const) {
    const a = await probe(`${op.method} ${op.path} auth ${label}`, op.method, path, body, headers);
    if (a && label !== 'auditor' && a.status < 400 && !/health|metrics|openapi|docs|leader/.test(op.path)) findings.push(`${op.method} ${op.path}: ${label} answered ${a.status}`);
  }
  const a = await probe(`${op.method} ${op.path} ?token=`, op.method, `${path}?token=adm-t`, body, { authorization: '' });
  if (a && a.status < 400 && !/health|metrics|openapi|docs|leader|events\/stream/.test(op.path)) findings.push(`${op.method} ${op.path}: ?token= answered ${a.status}`);
}

async function importProbes(): Promise<void> {
  const log = JSON.parse((await send('GET', '/api/v1/events?limit=30', undefined, { authorization: 'Bearer adm-t' }))!.text).items as Record<string, unknown>[];
  const variants: unknown[] = [
    log.map((e, i) => (i === 5 ? { ...e, data: { ...(e.data as object), tampered: 1 } } : e)),
    [...log].reverse(),
    log.map((e) => ({ ...e, type: 'Nope' })),
    log.map((e) => ({ ...e, eventId: 'not-a-uuid' })),
    [{ ...log[0], streamId: 'fresh', streamVersion: 1, eventId: '11111111-2222-4333-8444-555555555555', data: { clusterId: 'constructor' } }],
    [{ ...log[0], streamId: 'fresh', streamVersion: 7, eventId: '11111111-2222-4333-8444-555555555556' }],
    [{ ...log[0], streamId: 'fresh\u0000', streamVersion: 1, eventId: '11111111-2222-4333-8444-555555555557' }],
    [{ ...log[0], metadata: { ['\ud800']: 1 } }],
  ];
  for (const [i, events] of variants.entries()) await probe(`POST /events:import variant ${i}`, 'POST', '/api/v1/events:import', JSON.stringify({ events }));
}

async function droppedStreams(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const ac = new AbortController();
    const res = await fetch(`${sys.url}/api/v1/events/stream${i % 2 ? '' : '?after=0'}`, { headers: { authorization: 'Bearer aud-t' }, signal: ac.signal }).catch(() => null);
    requests++;
    if (!res || res.status >= 500) findings.push(`GET /events/stream: ${res?.status ?? 'no answer'}`);
    ac.abort();
  }
}

async function alive(): Promise<void> {
  const a = await send('GET', '/api/v1/sim/clock', undefined, { authorization: 'Bearer aud-t' });
  if (a?.status !== 200) findings.push(`process not answering: ${a?.status ?? 'no answer'}`);
}

test('generated hostile traffic: no 5xx, every request answered, no error answer writes, the process stays up, the installation starts again', async () => {
  const doc = JSON.parse((await send('GET', '/api/v1/openapi.json', undefined, {}))!.text);
  const ops = operations(doc);
  expect(ops.length).toBeGreaterThan(30);
  for (const op of ops) {
    if (op.path.endsWith('/events/stream')) continue; // probed as streams below
    if (op.body) await bodyProbes(op);
    if (op.method !== 'GET') await rawProbes(op);
    await queryProbes(op);
    await idProbes(op);
    await authProbes(op);
    await alive();
  }
  await importProbes();
  await droppedStreams(100);
  await alive();
  expect(findings).toEqual([]);
  expect(requests).toBeGreaterThan(2000);

  const hash = JSON.parse((await send('GET', '/api/v1/state/hash', undefined, { authorization: 'Bearer aud-t' }))!.text).hash;
  await sys.stop();
  sys = await startSystem(env());
  const again = await send('GET', '/api/v1/state/hash', undefined, { authorization: 'Bearer aud-t' });
  expect(again?.status).toBe(200);
  expect(JSON.parse(again!.text).hash).toBe(hash);
  expect((await send('GET', '/health', undefined, {}))?.status).toBe(200);
}, 900_000);

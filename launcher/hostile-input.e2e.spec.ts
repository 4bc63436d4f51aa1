// Issue 23, item by item: hostile or careless requests answer 4xx field by field, small, and write nothing.
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { request as httpRequest } from 'node:http';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let admin: ReturnType<typeof apiClient>;
let clusterId: string;
let hostIds: string[];
let vmIds: string[];

beforeAll(async () => {
  db = await createTestDatabase('hostile_items');
  sys = await startSystem({
    DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('hostile'),
    VIRTSIM_API_TOKENS: 'admin:adm-t,operator:op-t,auditor:aud-t',
  });
  admin = apiClient(sys.url, 'adm-t');
  clusterId = (await admin.post('/clusters', { name: 'prod' })).body.id;
  hostIds = [];
  for (const n of ['esx01', 'esx02']) hostIds.push((await admin.post(`/clusters/${clusterId}/hosts`, hostSpec(n))).body.id);
  vmIds = [];
  for (const n of ['web01', 'web02']) vmIds.push((await admin.post('/vms?wait=true', vmSpec(clusterId, n, { powerOn: true }))).body.result.vmId);
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

const head = () => sys.rt.store.headPosition();

/** a raw request: any body bytes, any headers */
function raw(method: string, path: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${sys.url}/api/v1${path}`, { method, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
    });
    // the server may answer and close before the whole body is sent
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}

describe('1. body limits per route, auth before the body, small error answers', () => {
  test('an x-tar body to a JSON route is not read as raw bytes: 400 with one error', async () => {
    const r = await raw('POST', `/vms/${vmIds[0]}/memory/translate`, Buffer.alloc(5 * 1024 * 1024, 7), { authorization: 'Bearer aud-t', 'content-type': 'application/x-tar' });
    expect(r.status).toBe(400);
    expect(r.text.length).toBeLessThan(4096);
  });

  test('the archive route takes at most its own limit (413)', async () => {
    const r = await raw('POST', `/vms:import?clusterId=${clusterId}`, Buffer.alloc(5 * 1024 * 1024, 7), { authorization: 'Bearer adm-t', 'content-type': 'application/x-tar' });
    expect(r.status).toBe(413);
  });

  test('a body without a known token is refused 401 before it is read (a 2 MiB body is not 413)', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
    expect((await raw('POST', '/clusters', body, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await raw('POST', '/clusters', body, { 'content-type': 'application/json', authorization: 'Bearer nope' })).status).toBe(401);
  });
});

describe('2. ids named after Object.prototype members', () => {
  test('a rule naming "constructor" is refused 400 and writes nothing; the system stays healthy', async () => {
    const before = await head();
    const r = await admin.post(`/clusters/${clusterId}/rules`, { name: 'r1', kind: 'vm-anti-affinity', vms: ['constructor', vmIds[0]] });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toBe('vms.0');
    expect(await head()).toBe(before);
    expect((await admin.post('/sim/advance', { seconds: 10 })).status).toBe(200);
  });

  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('%s as a path id is 404 on every kind of object', async (id) => {
    for (const path of [`/vms/${id}`, `/hosts/${id}`, `/clusters/${id}`, `/tasks/${id}`, `/clusters/${clusterId}/rules/${id}`]) {
      const r = path.includes('/rules/') ? await admin.delete(path) : await admin.get(path);
      expect([path, r.status]).toEqual([path, 404]);
    }
  });

  test('names like "constructor" are not taken until someone takes them', async () => {
    const r = await admin.post('/clusters', { name: 'constructor' });
    expect(r.status).toBe(201);
    expect((await admin.post('/clusters', { name: 'constructor' })).status).toBe(409);
    expect((await admin.post(`/clusters/${r.body.id}/hosts`, hostSpec('toString'))).status).toBe(201);
  });
});

describe('3. maintenance writes nothing when it answers 409', () => {
  test('two hosts that can only evacuate to each other, entered at once: each 409 wrote nothing', async () => {
    const before = await sys.rt.store.readAll(0, 5000, { types: ['HostMaintenanceEntered', 'HostMaintenanceExited'] });
    const answers = await Promise.all(hostIds.map((h) => admin.post(`/hosts/${h}/maintenance`, { enter: true })));
    const after = await sys.rt.store.readAll(0, 5000, { types: ['HostMaintenanceEntered', 'HostMaintenanceExited'] });
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(1);
    expect(after.length - before.length).toBe(1);
    const inMaintenance = (await admin.get('/hosts')).body.items.filter((h: { maintenance: boolean }) => h.maintenance).map((h: { id: string }) => h.id);
    expect(inMaintenance).toEqual([hostIds[answers.findIndex((a) => a.status === 201)]]);
    for (const h of hostIds) await admin.post(`/hosts/${h}/maintenance`, { enter: false });
  });
});

describe('5. POST /vms:batch leaves no task queued forever', () => {
  test('a batch racing a single create for one of its names: every task ends', async () => {
    for (let round = 0; round < 4; round++) {
      const names = Array.from({ length: 3 }, (_, i) => `race${round}x${i}`);
      const [batch] = await Promise.all([
        admin.post('/vms:batch?wait=true', { vms: names.map((n) => vmSpec(clusterId, n, { vcpus: 1, memoryMiB: 512 })) }),
        admin.post('/vms?wait=true', vmSpec(clusterId, names[0], { vcpus: 1, memoryMiB: 512 })),
      ]);
      expect([202, 409]).toContain(batch.status);
    }
    const queued = (await admin.get('/tasks?state=queued&limit=1000')).body.items;
    expect(queued).toEqual([]);
  });
});

describe('6. POST /events:import is validated, compared and atomic', () => {
  const exported = async () => (await admin.get('/events?limit=50')).body.items as Record<string, unknown>[];

  test('an unknown event type, malformed data or a prototype id is refused 400 naming the entry; nothing written', async () => {
    const events = await exported();
    const before = await head();
    const fresh = { streamId: 'import-probe', streamVersion: 1, eventId: '8d7e2b7c-6f6d-4a8e-9d47-5a4b1b0c9e01', metadata: {} };
    for (const [bad, path] of [
      [{ ...fresh, type: 'NoSuchEvent', data: {} }, 'events.0.type'],
      [{ ...fresh, type: 'ClockAdvanced', data: 'not an object' }, 'events.0.data'],
      [{ ...fresh, type: 'RuleCreated', data: { ruleId: 'r9', clusterId: 'constructor' } }, 'events.0.data.clusterId'],
      [{ ...fresh, type: 'ClockAdvanced', data: { note: 'a\u0000b' } }, 'events.0.data.note'],
    ] as const) {
      const r = await admin.post('/events:import', { events: [bad] });
      expect([r.status, r.body.errors?.[0]?.path]).toEqual([400, path]);
    }
    expect(events.length).toBeGreaterThan(5);
    expect(await head()).toBe(before);
  });

  test('an edited or reordered archive is refused 409; the same archive again is compared and stores nothing', async () => {
    const events = await exported();
    const before = await head();
    const edited = events.map((e, i) => (i === 3 ? { ...e, data: { ...(e.data as object), edited: true } } : e));
    expect((await admin.post('/events:import', { events: edited })).status).toBe(409);
    expect([400, 409]).toContain((await admin.post('/events:import', { events: [events[2], events[0]] })).status);
    const same = await admin.post('/events:import', { events });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ received: events.length, alreadyPresent: events.length, appended: 0 });
    expect(await head()).toBe(before);
  });

  test('an archive that fails on a later entry writes none of its earlier ones', async () => {
    const before = await head();
    const ok = { streamId: 'import-atomic', streamVersion: 1, eventId: '8d7e2b7c-6f6d-4a8e-9d47-5a4b1b0c9e02', type: 'ClockAdvanced', data: { tick: 0, simTime: 0, tickSeconds: 10 }, metadata: {} };
    const gap = { ...ok, streamVersion: 3, eventId: '8d7e2b7c-6f6d-4a8e-9d47-5a4b1b0c9e03', streamId: 'import-atomic-2' };
    const r = await admin.post('/events:import', { events: [ok, gap] });
    expect(r.status).toBe(409);
    expect(await head()).toBe(before);
    expect((await admin.post('/events/import', { events: [ok] })).status).toBe(404);
  });
});

describe('7. NUL and unpaired surrogates are refused naming the field', () => {
  test.each([
    ['/clusters', { name: 'a\u0000b' }, 'name'],
    ['/vms', { ...vmSpecFor(), guestOs: { family: 'linux', distro: '\ud800x', version: '1' } }, 'guestOs.distro'],
  ])('POST %s', async (path, body, field) => {
    const before = await head();
    const r = await admin.post(path, body);
    expect([r.status, r.body.errors[0].path]).toEqual([400, field]);
    expect(await head()).toBe(before);
  });

  test('in query filters and path ids', async () => {
    expect((await admin.get('/events?stream=a%00b')).status).toBe(400);
    expect((await admin.get('/vms/a%00b/history')).status).toBe(400);
    expect((await admin.get('/vms/a%ED%A0%80b')).status).toBe(400);
    expect((await admin.get('/vms?state=%00')).status).toBe(400);
  });
});

function vmSpecFor() { return vmSpec('c1', 'surrogate'); }

describe('8. GET /vms/:id/history validates after and limit', () => {
  test.each(['after=1.5', 'after=-1', 'after=1e308', 'limit=0', 'limit=5001', 'limit=abc'])('%s is 400', async (q) => {
    const r = await admin.get(`/vms/${vmIds[0]}/history?${q}`);
    expect(r.status).toBe(400);
  });
});

describe('9. tokens', () => {
  test('?token= is refused on every route but the event stream', async () => {
    const none = apiClient(sys.url, '');
    expect((await none.get('/clusters?token=adm-t')).status).toBe(401);
    const ac = new AbortController();
    const stream = await fetch(`${sys.url}/api/v1/events/stream?token=aud-t`, { signal: ac.signal });
    expect(stream.status).toBe(200);
    ac.abort();
  });
});

describe('10. charsets and encodings', () => {
  test('a bad charset or Content-Encoding is 415', async () => {
    expect((await raw('POST', '/clusters', '{"name":"x"}', { authorization: 'Bearer adm-t', 'content-type': 'application/json; charset=klingon' })).status).toBe(415);
    expect((await raw('POST', '/clusters', '{"name":"x"}', { authorization: 'Bearer adm-t', 'content-type': 'application/json', 'content-encoding': 'x-zip' })).status).toBe(415);
  });

  test('100,000 bad fields give a small answer listing 20 of them and the count', async () => {
    const r = await admin.post('/vms:batch', { vms: Array.from({ length: 8000 }, () => ({ name: '', clusterId: '', vcpus: '', memoryMiB: '' })) });
    expect(r.status).toBe(400);
    expect(r.body.errors).toHaveLength(20);
    expect(r.body.errorCount).toBeGreaterThan(20);
    expect(JSON.stringify(r.body).length).toBeLessThan(8192);
  });
});

describe('11. every number has a bound the domain can honour', () => {
  test('PATCH memoryMiB 2^31, hugePagesMiB 2^31, a reservation of 1e308: 400', async () => {
    expect((await admin.patch(`/vms/${vmIds[0]}`, { memoryMiB: 2 ** 31 })).status).toBe(400);
    expect((await admin.post(`/clusters/${clusterId}/hosts`, hostSpec('huge', { hugePagesMiB: 2 ** 31 }))).status).toBe(400);
    expect((await admin.post('/vms', vmSpec(clusterId, 'big', { cpuReservationMhz: 1e308 }))).status).toBe(400);
  });
});

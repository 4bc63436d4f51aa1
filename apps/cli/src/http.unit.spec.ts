import { ApiClient, ApiError, SseParser, pageItems, buildUrl, fieldErrors, formatProblem } from './http.js';
import { CliError } from './errors.js';

type Call = { url: string; init: RequestInit };

function fakeFetch(responses: (Response | Error)[]) {
  const calls: Call[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const r = responses.shift();
    if (!r) throw new Error('no more responses');
    if (r instanceof Error) throw r;
    return r;
  }) as unknown as typeof fetch;
  return { fn, calls };
}

const json = (body: unknown, status = 200, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

describe('problem+json', () => {
  it('formats title, detail, field errors and the request', () => {
    const text = formatProblem(400, { type: 'https://virtsim/problems/validation', title: 'Bad Request', detail: 'invalid VM spec', errors: [{ path: ['disks', 0, 'bus'], message: 'Invalid option' }, { field: 'vcpus', message: 'Too big' }] }, 'POST /vms');
    expect(text.split('\n')).toEqual([
      '400 Bad Request: invalid VM spec',
      '  - disks.0.bus: Invalid option',
      '  - vcpus: Too big',
      '  (POST /vms, https://virtsim/problems/validation)',
    ]);
  });
  it('reads field errors given as a record', () => {
    expect(fieldErrors({ name: ['required', 'too short'], vcpus: 'Too big' })).toEqual(['name: required; too short', 'vcpus: Too big']);
    expect(fieldErrors(undefined)).toEqual([]);
  });
});

it('buildUrl drops empty query values', () => {
  expect(buildUrl('http://h/api/v1/', '/vms', { clusterId: 'c1', hostId: undefined, limit: 5, cursor: '' })).toBe('http://h/api/v1/vms?clusterId=c1&limit=5');
  expect(buildUrl('http://h/api/v1', '/vms:batch')).toBe('http://h/api/v1/vms:batch');
});

describe('ApiClient', () => {
  it('sends the bearer token and JSON body, parses JSON answers', async () => {
    const f = fakeFetch([json({ id: 't1', kind: 'vm.create', state: 'queued', progress: 0 }, 202)]);
    const c = new ApiClient('http://h/api/v1', 'tok', f.fn);
    await expect(c.post('/vms', { name: 'a' })).resolves.toMatchObject({ id: 't1' });
    const headers = f.calls[0]!.init.headers as Record<string, string>;
    expect(headers.authorization).toBe('Bearer tok');
    expect(headers['content-type']).toBe('application/json');
    expect(f.calls[0]!.init.body).toBe('{"name":"a"}');
    expect(f.calls[0]!.init.method).toBe('POST');
  });

  it('turns problem+json answers into ApiError with status and problem', async () => {
    const f = fakeFetch([json({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'rule db-apart would be broken' }, 409, 'application/problem+json')]);
    const c = new ApiClient('http://h/api/v1', 'tok', f.fn);
    const err = await c.post('/vms/v1/migrate', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).exitCode).toBe(1);
    expect((err as ApiError).message).toContain('409 Conflict: rule db-apart would be broken');
    expect((err as ApiError).message).toContain('POST /vms/v1/migrate');
  });

  it('explains a 401 without a body and a refused connection', async () => {
    const f = fakeFetch([new Response('', { status: 401 }), Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })]);
    const c = new ApiClient('http://h/api/v1', undefined, f.fn);
    await expect(c.get('/clusters')).rejects.toThrow(/401 Unauthorized: missing or invalid token/);
    const err = await c.get('/clusters').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(/cannot reach http:\/\/h\/api\/v1 \(ECONNREFUSED\)/);
  });

  it('follows nextCursor through every page', async () => {
    const f = fakeFetch([json({ items: [1, 2], nextCursor: 'c2' }), json({ items: [3], nextCursor: null })]);
    const c = new ApiClient('http://h/api/v1', 't', f.fn);
    await expect(c.list('/vms', { clusterId: 'c' })).resolves.toEqual([1, 2, 3]);
    expect(f.calls[1]!.url).toContain('cursor=c2');
    expect(f.calls[1]!.url).toContain('clusterId=c');
  });
});

it('pages by after= when asked, and stops on a repeated cursor', async () => {
  const f = fakeFetch([json({ items: [{ position: 1 }], nextCursor: '1' }), json({ items: [{ position: 1 }], nextCursor: '1' })]);
  const c = new ApiClient('http://h/api/v1', 't', f.fn);
  await expect(c.list('/audit', { vm: 'v1' }, { cursorParam: 'after' })).resolves.toHaveLength(2);
  expect(f.calls).toHaveLength(2);
  expect(f.calls[1]!.url).toContain('after=1');
  expect(f.calls[1]!.url).not.toContain('cursor=');
});

it('pageItems reads arrays, {items} and the first array field', () => {
  expect(pageItems([1])).toEqual([1]);
  expect(pageItems({ items: [2], nextCursor: null })).toEqual([2]);
  expect(pageItems({ clusterId: 'c', recommendations: [3] })).toEqual([3]);
  expect(pageItems(null)).toEqual([]);
});

describe('SseParser', () => {
  it('yields data payloads of complete events across chunks', () => {
    const p = new SseParser();
    expect(p.feed(': keep-alive\n\nevent: e\ndata: {"position":1')).toEqual([]);
    expect(p.feed('}\n\ndata: {"position":2}\r\n\r\ndata: a\ndata: b\n')).toEqual(['{"position":1}', '{"position":2}']);
    expect(p.feed('\n')).toEqual(['a\nb']);
  });
});

test('a standby vrm\'s 503 naming the leader: the call is asked of the leader once', async () => {
  const seen: string[] = [];
  const fetchFn = (async (url: string) => {
    seen.push(url);
    if (url.startsWith('http://standby')) {
      return new Response(JSON.stringify({ status: 503, title: 'Service unavailable', detail: 'this vrm is the standby', leader: 'http://leader:8080' }), { status: 503, headers: { 'content-type': 'application/problem+json' } });
    }
    return new Response(JSON.stringify({ items: [], nextCursor: null }), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  const c = new ApiClient('http://standby:8080/api/v1', 'tok', fetchFn);
  expect(await c.get('/vms', { limit: 5 })).toEqual({ items: [], nextCursor: null });
  expect(seen).toEqual(['http://standby:8080/api/v1/vms?limit=5', 'http://leader:8080/api/v1/vms?limit=5']);
});

test('a 503 that names no leader stays an error', async () => {
  const fetchFn = (async () => new Response(JSON.stringify({ status: 503, title: 'Service unavailable', detail: 'scheduler did not answer', leader: null }), { status: 503, headers: { 'content-type': 'application/problem+json' } })) as unknown as typeof fetch;
  await expect(new ApiClient('http://h/api/v1', 'tok', fetchFn).get('/vms')).rejects.toThrow(/503 Service unavailable: scheduler did not answer/);
});

// Observability (issue 20): a VM creation sent with an X-Request-Id is followed through the log lines of every
// service it touches (all six services over real NATS, one process; the log captured from pino), with one trace
// id, and its saga steps are spans of the HTTP request's trace; /metrics carries the HTTP RED metrics, the build,
// the leader and epoch, and no gauge named like a counter.
import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { logTo, startTracing, stopTracing } from '@virtsim/service-kit';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

const lines: Record<string, unknown>[] = [];
const spans = new InMemorySpanExporter();
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;

beforeAll(async () => {
  logTo(new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); done(); } }));
  await startTracing('all', spans);
  db = await createTestDatabase('observability');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('obs'), LOG_LEVEL: 'debug', VIRTSIM_API_TOKENS: 'admin:adm' });
});
afterAll(async () => {
  await sys?.stop();
  await stopTracing();
  await db?.drop();
});

test('a request id and a trace id follow a VM creation through the logs of every service it touches', async () => {
  const api = apiClient(sys.url, 'adm');
  const cluster = (await api.post('/clusters', { name: 'obs' })).body;
  expect((await api.post(`/clusters/${cluster.id}/hosts`, hostSpec('esx01'))).status).toBe(201);

  const requestId = 'create-vm-observed-1';
  const created = await fetch(`${sys.url}/api/v1/vms`, {
    method: 'POST', headers: { authorization: 'Bearer adm', 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify(vmSpec(cluster.id, 'web01', { powerOn: true })),
  });
  expect(created.status).toBe(202);
  expect(created.headers.get('x-request-id')).toBe(requestId);
  const task = await api.get(`/tasks/${((await created.json()) as { id: string }).id}?wait=true`);
  expect(task.body.state).toBe('succeeded');

  const ours = lines.filter((l) => l.reqId === requestId);
  // placement, memory reservation, devices, then the power-on checks (ha-monitor admits, memory and io check)
  const services = new Set(ours.map((l) => l.service));
  expect([...services].sort()).toEqual(['ha-monitor', 'io-backend', 'memory-manager', 'scheduler', 'vrm']);
  expect(ours.find((l) => l.service === 'vrm' && l.msg === 'request')).toMatchObject({ req: { method: 'POST', route: '/api/v1/vms' }, res: { status: 202 } });
  const traceIds = new Set(ours.map((l) => l.traceId));
  expect(traceIds.size).toBe(1);
  const [traceId] = traceIds;
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  for (const s of services) expect(ours.some((l) => l.service === s && l.traceId === traceId)).toBe(true);

  // the saga's steps are spans of the request's trace, under its HTTP span
  const trace = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const http = trace.find((s) => s.name === 'POST /api/v1/vms')!;
  expect(http).toBeDefined();
  const names = trace.map((s) => s.name);
  for (const step of ['scheduler.place', 'memory-manager.reserve', 'io-backend.attach', 'ha-monitor.admit']) {
    expect(names.some((n) => n.startsWith(step))).toBe(true);
  }
  const ids = new Set(trace.map((s) => s.spanContext().spanId));
  for (const s of trace.filter((x) => x !== http)) expect(ids.has(s.parentSpanContext?.spanId ?? '')).toBe(true);

  // a call without an id gets one
  const other = await fetch(`${sys.url}/api/v1/clusters`, { headers: { authorization: 'Bearer adm' } });
  expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

test('/metrics: HTTP RED by route, method and status; build info; leader and epoch; domain gauges; promtool-clean names', async () => {
  const api = apiClient(sys.url, 'adm');
  expect((await api.get('/vms/no-such-vm')).status).toBe(404);
  const text = await (await fetch(`${sys.url}/metrics`)).text();
  expect(text).toMatch(/^virtsim_http_requests_total\{service="vrm",method="GET",route="\/api\/v1\/vms\/:id",status="404"\} [1-9]/m);
  expect(text).toMatch(/^virtsim_http_requests_total\{service="vrm",method="POST",route="\/api\/v1\/clusters",status="201"\} [1-9]/m);
  expect(text).toMatch(/^virtsim_http_request_duration_seconds_bucket\{le="0\.1",service="vrm",method="GET",route="\/api\/v1\/vms\/:id",status="404"\} \d+/m);
  expect(text).toMatch(/^virtsim_build_info\{version="\d+\.\d+\.\d+",nodejs="\d+\.\d+\.\d+"\} 1$/m);
  expect(text).toMatch(/^virtsim_vrm_leader\{holder="[^"]+"\} 1$/m);
  expect(text).toMatch(/^virtsim_vrm_leader_epoch\{holder="[^"]+"\} [1-9]\d*$/m);
  // domain gauges: the one host and the VM the first test created and powered on
  expect(text).toMatch(/^virtsim_hosts\{state="on"\} 1$/m);
  expect(text).toMatch(/^virtsim_vms\{state="running"\} 1$/m);
  expect(text).toMatch(/^virtsim_migrations_running 0$/m);
  expect(text).toMatch(/^virtsim_simulated_time_seconds \d+$/m);
  for (const g of ['virtsim_memory_ballooned_mib 0', 'virtsim_memory_swapped_mib 0', 'virtsim_ha_vm_restarts 0', 'virtsim_drs_recommendations{status="applied"} 0']) {
    expect(text.split('\n')).toContain(g);
  }
  // promtool check metrics: counters end in _total, nothing else does; names are valid
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    expect(name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    expect([name, type === 'counter']).toEqual([name, name!.endsWith('_total')]);
  }
});

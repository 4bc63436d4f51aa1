// The runner against an in-memory fake of the REST API (no network).
import { ApiClient } from '../http.js';
import { parseScenario } from './plan.js';
import { runScenario, type StepResult } from './run.js';
import { formatStep, formatSummary } from './summary.js';

const HOST = `
    cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: intel, model: Xeon, features: [vmx, ept] }
    memoryMiB: 65536
    hypervisor: { type: type1, mode: hardware-assisted }`;

type Json = Record<string, unknown>;

function fakeServer() {
  let simTime = 1000;
  let seq = 0;
  const log: { method: string; path: string; body?: unknown }[] = [];
  const events: Json[] = [];
  const clusters: Json[] = [];
  const hosts: Json[] = [];
  const vms: Json[] = [];
  const tasks = new Map<string, Json>();
  const emit = (type: string, data: Json) => events.push({ position: events.length + 1, type, data, metadata: { simTime } });
  const ok = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const problem = (status: number, detail: string) =>
    new Response(JSON.stringify({ type: 'about:blank', title: 'Conflict', status, detail }), { status, headers: { 'content-type': 'application/problem+json' } });

  const fetchFn = (async (url: string, init: RequestInit) => {
    const u = new URL(url);
    const path = u.pathname.replace('/api/v1', '');
    const body = init.body ? (JSON.parse(String(init.body)) as Json) : undefined;
    const method = init.method ?? 'GET';
    log.push({ method, path, body });
    const q = (k: string) => u.searchParams.get(k) ?? undefined;
    let m: RegExpMatchArray | null;
    if (method === 'GET' && path === '/sim/clock') return ok({ simTime, tick: simTime / 10, tickSeconds: 10 });
    if (method === 'POST' && path === '/sim/advance') { simTime += Number(body!.seconds); emit('ClockAdvanced', { simTime }); return ok({ simTime }); }
    if (method === 'GET' && path === '/state/hash') return ok({ position: events.length, hash: `h${events.length}` });
    if (method === 'POST' && path === '/clusters') { const c = { id: `c${++seq}`, ...body }; clusters.push(c); return ok(c, 201); }
    if (method === 'POST' && (m = path.match(/^\/clusters\/([^/]+)\/hosts$/))) { const h = { id: `h${++seq}`, clusterId: m[1], name: body!.name, state: 'connected' }; hosts.push(h); return ok(h, 201); }
    if (method === 'GET' && path === '/hosts') return ok({ items: hosts.filter((h) => h.clusterId === q('clusterId')), nextCursor: null });
    if (method === 'POST' && path === '/vms:batch') {
      const specs = body!.vms as Json[];
      specs.forEach((s, i) => vms.push({ id: `v${++seq}`, name: s.name, clusterId: s.clusterId, state: 'running', hostId: hosts[i % hosts.length]!.id }));
      const t = { id: `t${++seq}`, kind: 'vm.batch', state: 'running', progress: 10 };
      tasks.set(t.id as string, { ...t, state: 'succeeded', progress: 100, result: { count: specs.length } });
      return ok(t, 202);
    }
    if (method === 'GET' && (m = path.match(/^\/tasks\/(.+)$/))) return ok(tasks.get(m[1]!));
    if (method === 'GET' && path === '/vms') {
      const items = vms.filter((v) => v.clusterId === q('clusterId'));
      const start = Number(q('cursor') ?? 0);
      const page = items.slice(start, start + 3); // small pages to exercise the cursor
      return ok({ items: page, nextCursor: start + 3 < items.length ? String(start + 3) : null });
    }
    if (method === 'POST' && (m = path.match(/^\/clusters\/([^/]+)\/rules$/))) return ok({ id: `r${++seq}`, ...body }, 201);
    if (method === 'POST' && (m = path.match(/^\/hosts\/([^/]+)\/faults$/))) {
      const h = hosts.find((x) => x.id === m![1])!;
      h.state = 'down';
      const others = hosts.filter((x) => x.state === 'connected');
      vms.filter((v) => v.hostId === h.id).forEach((v, i) => {
        const to = others[i % others.length]!.id;
        emit('VmRestarted', { vmId: v.id, fromHostId: h.id, hostId: to });
        v.hostId = to;
      });
      return ok({ accepted: true }, 202);
    }
    if (method === 'POST' && (m = path.match(/^\/hosts\/([^/]+)\/maintenance$/))) {
      const h = hosts.find((x) => x.id === m![1])!;
      return h.state === 'down' ? problem(409, `host ${String(h.name)} is down`) : ok({ id: h.id, state: 'maintenance' });
    }
    if (method === 'POST' && (m = path.match(/^\/hosts\/([^/]+)\/recover$/))) { hosts.find((x) => x.id === m![1])!.state = 'connected'; return ok({}); }
    if (method === 'GET' && path === '/events') {
      const after = Number(q('after') ?? 0);
      const items = events.filter((e) => (e.position as number) > after && (!q('type') || e.type === q('type')));
      return ok({ items, nextCursor: null });
    }
    return problem(404, `no route ${method} ${path}`);
  }) as unknown as typeof fetch;
  return { fetchFn, log, hosts, vms, get simTime() { return simTime; } };
}

const SCENARIO = `
seed: 3
cluster: { name: t, ha: { enabled: true } }
hosts:
  - name: esx-{n}
    count: 3${HOST}
vms:
  - name: vm-{n:02}
    count: 7
    template: { vcpus: 1, memoryMiB: 1024, guestOs: { family: linux, version: "9" }, powerOn: true }
rules:
  - { name: apart, kind: vm-anti-affinity, vms: [vm-01, vm-02] }
timeline:
  - at: 30s
    expect: { vms: { running: 7 }, hosts: { connected: 3 } }
  - at: 60s
    fault: { host: esx-1, kind: power-loss }
  - maintenance: { host: esx-1 }
    expectError: 409
  - at: 2m
    expect: { onHost: { esx-1: 0 }, haRestarts: 3, hosts: { down: 1 } }
  - recover: { host: esx-1 }
  - advance: 1m
  - expect: { migrations: ">= 1", vms: { running: 7 } }
`;

it('builds the cluster, walks the timeline on the sim clock and summarises', async () => {
  const server = fakeServer();
  const { plan, issues } = parseScenario(SCENARIO);
  expect(issues).toEqual([]);
  const steps: StepResult[] = [];
  const summary = await runScenario(new ApiClient('http://x/api/v1', 'tok', server.fetchFn), plan!, {
    progress: false, log: () => undefined, onStep: (r) => steps.push(r), batchSize: 4,
  });

  // setup: one cluster, 3 hosts, VMs in two batches, the rule with ids
  const posts = server.log.filter((c) => c.method === 'POST').map((c) => c.path);
  expect(posts.slice(0, 7)).toEqual(['/clusters', '/clusters/c1/hosts', '/clusters/c1/hosts', '/clusters/c1/hosts', '/vms:batch', '/vms:batch', '/clusters/c1/rules']);
  expect(server.log.find((c) => c.path === '/clusters')!.body).toEqual({ seed: 3, name: 't', ha: { enabled: true } });
  const rule = server.log.find((c) => c.path === '/clusters/c1/rules')!.body as Json;
  expect((rule.vms as string[]).every((id) => /^v\d+$/.test(id))).toBe(true);

  // clock: advanced to 30s, then 60s, 120s, then the explicit 1m advance
  const advances = server.log.filter((c) => c.path === '/sim/advance').map((c) => (c.body as Json).seconds);
  expect(advances).toEqual([30, 30, 60, 60]);
  expect(server.simTime).toBe(1180);

  expect(steps.map((s) => [s.index, s.simTime, s.ok])).toEqual([
    [1, 1030, true], [2, 1060, true], [3, 1060, true], [4, 1120, true], [5, 1120, true], [6, 1120, true], [7, 1180, false],
  ]);
  expect(steps[2]!.detail).toMatch(/^refused as expected: 409 Conflict: host esx-1 is down/);
  expect(steps[6]!.checks!.find((c) => !c.ok)).toEqual({ check: 'migrations', expected: '>= 1', actual: '0', ok: false });
  expect(formatStep(steps[6]!)).toContain('✗ migrations: expected >= 1, got 0');

  expect(summary).toMatchObject({
    ok: false, clusterId: 'c1', vms: 7, hosts: 3, haRestarts: 3, migrations: 0, startSimTime: 1000, endSimTime: 1180,
    vmsByState: { running: 7 }, hostsByState: { connected: 3 },
  });
  expect(summary.vmsByHost['esx-1']).toBeUndefined();
  expect(summary.hash).toMatch(/^h\d+$/);
  const text = formatSummary(summary);
  expect(text).toContain('HA restarts: 3');
  expect(text).toContain('result: FAIL (1 step(s) failed)');
});

it('records an unexpected refusal as a failed step and keeps going', async () => {
  const server = fakeServer();
  const { plan } = parseScenario(SCENARIO.replace('    expectError: 409\n', ''));
  const summary = await runScenario(new ApiClient('http://x/api/v1', 'tok', server.fetchFn), plan!, { progress: false, log: () => undefined });
  expect(summary.steps[2]).toMatchObject({ ok: false, detail: expect.stringContaining('409 Conflict') });
  expect(summary.steps).toHaveLength(7);
});

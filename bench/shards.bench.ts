// Issue 22 item 3: services that scale out by cluster. The system deployed as processes (one per service) over
// PostgreSQL + NATS, once with one replica of each service and once with scheduler and memory-manager as two
// replicas each (VIRTSIM_SHARDS=8); the same clusters filled with the same VMs through POST /vms:batch (one batch
// per cluster, all posted at once). Then, sharded, one replica of each is SIGKILLed and a VM is created in every
// cluster: the time until all of them are created is the take-over as a user sees it. GET /verify after each.
// Run alone: `node dist/bench/shards.bench.js` (after `node tools/build.mjs`); knobs BENCH_SHARDS_CLUSTERS (4),
// BENCH_SHARDS_HOSTS (hosts per cluster, 16), BENCH_SHARDS_VMS (VMs per cluster, 500).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServiceName } from '@virtsim/messaging';
import { apiClient } from '../launcher/test-api.js';
import { NATS, fmt, perSecond, printTable, record, scratchStore } from './harness.js';
import { bigHost, mixedVmSpec } from './vrm.bench.js';

const CLUSTERS = Number(process.env.BENCH_SHARDS_CLUSTERS ?? 4);
const HOSTS = Number(process.env.BENCH_SHARDS_HOSTS ?? 16);
const VMS = Number(process.env.BENCH_SHARDS_VMS ?? 500);
const SHARDS = 8;

interface Proc { service: ServiceName; replica: string; child: ChildProcess; url?: string }

async function deploy(db: string, sharded: boolean): Promise<{ url: string; procs: Proc[]; stop(): Promise<void> }> {
  const { url: dbUrl, store } = await scratchStore(db);
  const procs: Proc[] = [];
  const prefix = `benchshards${process.pid}${sharded ? 's' : 'u'}`;
  const start = (service: ServiceName, replica: string) => new Promise<string>((ok, fail) => {
    const child = spawn(process.execPath, ['dist/launcher/main.js'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env, DATABASE_URL: dbUrl, NATS_URL: NATS, VIRTSIM_SUBJECT_PREFIX: prefix, VIRTSIM_SERVICE: service, PORT: '0', LOG_LEVEL: 'silent',
        VIRTSIM_API_TOKENS: 'admin:x', VIRTSIM_REPLICA: replica, ...(sharded && (service === 'scheduler' || service === 'memory-manager') ? { VIRTSIM_SHARDS: String(SHARDS) } : {}),
      },
    });
    const proc: Proc = { service, replica, child };
    procs.push(proc);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /is up: API (\S+)\/api\/v1/.exec(out);
      if (m) { proc.url = m[1]!; ok(m[1]!); }
    });
    child.once('exit', (code) => fail(new Error(`${service} ${replica} exited with ${code}`)));
  });
  const replicas = sharded ? ['r1', 'r2'] : ['r1'];
  await Promise.all((['scheduler', 'memory-manager'] as ServiceName[]).flatMap((s) => replicas.map((r) => start(s, r))));
  await Promise.all((['io-backend', 'ha-monitor', 'migration'] as ServiceName[]).map((s) => start(s, 'r1')));
  const url = await start('vrm', 'r1');
  if (sharded) {
    // both replicas of each sharded service hold their half of the shares
    for (;;) {
      const rows = await store.dataSource.query(`SELECT service, holder, count(*)::int AS n FROM virtsim_shard_leases GROUP BY 1, 2`);
      if (rows.filter((r: { n: number }) => r.n === SHARDS / 2).length === 4) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url, procs,
    stop: async () => {
      await Promise.all(procs.map(({ child: c }) => new Promise<void>((ok) => { if (c.exitCode !== null || c.signalCode !== null) return ok(); c.once('exit', () => ok()); c.kill('SIGTERM'); })));
      await store.dataSource.destroy();
    },
  };
}

async function waitTasks(api: ReturnType<typeof apiClient>, ids: string[]) {
  return Promise.all(ids.map(async (id) => {
    for (;;) {
      const t = await api.get(`/tasks/${id}?wait=true`);
      if (t.body.state === 'succeeded' || t.body.state === 'failed') return t.body;
    }
  }));
}

async function run(sharded: boolean): Promise<void> {
  const mode = sharded ? `scheduler and memory-manager x2 (VIRTSIM_SHARDS=${SHARDS})` : 'one replica of each service';
  const sys = await deploy(`virtsim_bench_shards_${sharded ? 's' : 'u'}`, sharded);
  try {
    const api = apiClient(sys.url, 'x');
    const clusters: string[] = [];
    for (let c = 0; c < CLUSTERS; c++) {
      const id = (await api.post('/clusters', { name: `bench${c}`, cpuOvercommitRatio: 4 })).body.id as string;
      for (let h = 0; h < HOSTS; h++) await api.post(`/clusters/${id}/hosts`, bigHost(`c${c}-esx${h}`));
      clusters.push(id);
    }
    const t0 = performance.now();
    const posted = await Promise.all(clusters.map((c) => api.post('/vms:batch', { vms: Array.from({ length: VMS }, (_, i) => mixedVmSpec(c, i)) })));
    const done = await waitTasks(api, posted.map((p) => p.body.id));
    const ms = performance.now() - t0;
    const ok = done.reduce((n, t) => n + (t.result?.succeeded ?? 0), 0);
    const label = `${mode}: ${(CLUSTERS * VMS).toLocaleString('en-US')} VMs into ${CLUSTERS} clusters x ${HOSTS} hosts`;
    record({ group: 'shards', name: `${label} (wall)`, ours: `${(ms / 1000).toFixed(1)} s${ok === CLUSTERS * VMS ? '' : ` (${ok} ok)`}` });
    record({ group: 'shards', name: `${mode}: VMs created per second`, ours: fmt(perSecond(ok, ms)) });
    // what each replica of the sharded services holds: its heap after a full GC is not available from outside, so
    // the heap in use as /metrics reports it (nodejs_heap_size_used_bytes), and the clusters it folded
    for (const p of sys.procs.filter((x) => x.service === 'scheduler' || x.service === 'memory-manager')) {
      const metrics = await (await fetch(`${p.url}/metrics`)).text();
      const used = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1] ?? NaN) / 2 ** 20;
      record({ group: 'shards', name: `${mode}: ${p.service} ${p.replica} heap in use after it`, ours: fmt(used, ' MiB') });
    }
    if (sharded) {
      // one replica of each dies (idle: a request it had received when it died is asked again after the saga
      // step's attempt timeout, 10 s); then a VM in every cluster, half of them in its shares
      const k0 = performance.now();
      await Promise.all(sys.procs.filter((x) => x.replica === 'r2').map(({ child: c }) => new Promise<void>((ok) => { c.once('exit', () => ok()); c.kill('SIGKILL'); })));
      const after = await Promise.all(clusters.map((c, i) => api.post('/vms', mixedVmSpec(c, VMS + i))));
      const states = await waitTasks(api, after.map((p) => p.body.id));
      const created = states.filter((t) => t.state === 'succeeded').length;
      record({ group: 'shards', name: `${mode}: one replica of each SIGKILLed -> a VM created in each of the ${CLUSTERS} clusters`, ours: `${fmt(performance.now() - k0, ' ms')} (${created}/${CLUSTERS} created)` });
    }
    const verify = await api.get('/verify');
    record({ group: 'shards', name: `${mode}: GET /verify after it`, ours: verify.body?.ok ? 'all equal' : `NOT equal: ${JSON.stringify(verify.body).slice(0, 200)}` });
  } finally {
    await sys.stop();
  }
}

export async function benchShards(): Promise<void> {
  await run(false);
  await run(true);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchShards();
  printTable();
  process.exit(0);
}

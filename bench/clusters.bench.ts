// Issue 22 item 2: ten clusters in one installation (1,280 hosts, 80,000 VMs), deployed as one process per
// service over PostgreSQL + NATS. Rows: creation time of the VMs (all clusters' POST /vms:batch at once), each
// service's heap after it, the wall time of one simulated 10 s tick of every service (POST /sim/advance), the boot
// of a new installation on that log, and GET /state/hash?at=<middle of the log>.
import { apiClient } from '../launcher/test-api.js';
import { startDeployed, type Deployed } from './deployed.js';
import pg from 'pg';
import { BATCH_SIZE, bigHost, chunks, HOSTS, mixedVmSpec, rawFloor, waitTask } from './vrm.bench.js';
import { fmt, median, NATS, perSecond, PG_ADMIN, record, time } from './harness.js';

const DB = 'virtsim_bench_clusters';
const MiB = 1048576;

/** used heap of each service process, from its /metrics (prom-client's nodejs_heap_size_used_bytes) */
async function heaps(sys: Deployed): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [service, url] of Object.entries(sys.urls)) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(text);
    if (m) out[service] = Number(m[1]) / MiB;
  }
  return out;
}

/** raw PostgreSQL: read the log's rows up to `upTo` through a cursor, 10,000 at a time (what any fold must read) */
async function rawRead(upTo: number): Promise<number> {
  const u = new URL(PG_ADMIN);
  u.pathname = `/${DB}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  const t = await time(async () => {
    await c.query('BEGIN');
    await c.query('DECLARE c NO SCROLL CURSOR FOR SELECT position, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at FROM events WHERE position <= $1 ORDER BY position', [upTo]);
    while ((await c.query('FETCH 10000 FROM c')).rowCount) { /* read */ }
    await c.query('COMMIT');
  });
  await c.end();
  return t.ms;
}

const ratio = (ours: number, raw: number) => `${(ours / raw).toFixed(1)}x`;

export async function benchClusters(): Promise<void> {
  const clusters = Number(process.env.BENCH_CLUSTERS ?? 10);
  const vmsPer = Number(process.env.BENCH_CLUSTER_VMS ?? 8000);
  const total = clusters * vmsPer;
  const env = { NATS_URL: NATS, VIRTSIM_SUBJECT_PREFIX: `benchcl${process.pid}`, LOG_LEVEL: 'silent', VIRTSIM_API_TOKENS: 'admin:x' };
  let sys: Deployed | null = await startDeployed(DB, env);
  try {
    let api = apiClient(sys.url, 'x');
    const setup = await time(async () => {
      const ids: string[] = [];
      for (let c = 0; c < clusters; c++) {
        const r = await api.post('/clusters', { name: `bench${c}`, cpuOvercommitRatio: 4, ha: { enabled: true, hostFailuresTolerated: 1 } });
        if (r.status !== 201) throw new Error(`cluster: ${r.status} ${JSON.stringify(r.body)}`);
        ids.push(r.body.id as string);
      }
      // the hosts of all clusters side by side (one request at a time per cluster)
      await Promise.all(ids.map(async (clusterId, c) => {
        for (let h = 0; h < HOSTS; h++) {
          const r = await api.post(`/clusters/${clusterId}/hosts`, bigHost(`c${c}-esx${String(h).padStart(3, '0')}`));
          if (r.status !== 201) throw new Error(`host ${h}: ${r.status} ${JSON.stringify(r.body)}`);
        }
      }));
      return ids;
    });
    const clusterIds = setup.value;
    process.stderr.write(`  ${clusters} clusters x ${HOSTS} hosts in ${(setup.ms / 1000).toFixed(1)} s\n`);
    const create = await time(async () => {
      const posted = await Promise.all(clusterIds.flatMap((clusterId) =>
        chunks(Array.from({ length: vmsPer }, (_, i) => mixedVmSpec(clusterId, i)), BATCH_SIZE).map((vms) => api.post('/vms:batch', { vms }))));
      for (const r of posted) if (r.status !== 202) throw new Error(`batch: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
      const done = await Promise.all(posted.map((r) => waitTask(api, r.body.id)));
      return done.reduce((n, t) => n + (t.result?.succeeded ?? 0), 0);
    });
    const head = await sys.store.headPosition();
    process.stderr.write(`  ${create.value} of ${total} VMs created, ${head.toLocaleString('en-US')} events\n`);
    const floor = await rawFloor(DB, sys.store, total * 3 + Math.ceil(total / 5) * 3);
    record({ group: 'clusters', name: `${clusters} clusters: ${total.toLocaleString('en-US')} VMs into ${clusters * HOSTS} hosts via POST /vms:batch (wall, a process per service)`,
      ours: `${(create.ms / 1000).toFixed(1)} s (${fmt(perSecond(create.value, create.ms))} VMs/s${create.value === total ? '' : `, ${create.value} ok`})`,
      raw: `PG ${(floor.pgMs / 1000).toFixed(1)} s + NATS ${(floor.natsMs / 1000).toFixed(1)} s`, ratio: ratio(create.ms, floor.pgMs + floor.natsMs),
      target: '<= 120 s', ok: create.value === total && create.ms <= 120_000 });
    const heap = await heaps(sys);
    const worst = Math.max(...Object.values(heap));
    record({ group: 'clusters', name: `${clusters} clusters: used heap per service (MiB)`, ours: Object.entries(heap).map(([s, m]) => `${s} ${Math.round(m)}`).join(', '), target: '<= 2,048 MiB each', ok: worst <= 2048 });
    const ticks: number[] = [];
    for (let k = 0; k < 3; k++) {
      const t = await time(() => api.post('/sim/advance', { seconds: 10 }));
      if (t.value.status !== 200) throw new Error(`sim/advance: ${t.value.status} ${JSON.stringify(t.value.body).slice(0, 300)}`);
      ticks.push(t.ms);
    }
    record({ group: 'clusters', name: `${clusters} clusters: one simulated 10 s tick of every service (POST /sim/advance, median of 3; first)`, ours: `${fmt(median(ticks), ' ms')}; ${fmt(ticks[0]!, ' ms')}`, target: '<= 1,000 ms', ok: median(ticks) <= 1000 });
    const logHead = await sys.store.headPosition();
    const down = sys;
    sys = null;
    await down.stop();
    const boot = await time(() => startDeployed(DB, env, { keep: true }));
    sys = boot.value;
    api = apiClient(sys.url, 'x');
    const readAll = await rawRead(logHead);
    record({ group: 'clusters', name: `${clusters} clusters: boot of every service on that log (${logHead.toLocaleString('en-US')} events)`, ours: `${(boot.ms / 1000).toFixed(1)} s`,
      raw: `read the log ${(readAll / 1000).toFixed(1)} s`, ratio: ratio(boot.ms, readAll), target: '<= 60 s', ok: boot.ms <= 60_000 });
    const at = Math.floor(logHead / 2);
    const hash = await time(() => api.get(`/state/hash?at=${at}`));
    if (hash.value.status !== 200) throw new Error(`state/hash: ${hash.value.status} ${JSON.stringify(hash.value.body).slice(0, 300)}`);
    const readHalf = await rawRead(at);
    record({ group: 'clusters', name: `${clusters} clusters: GET /state/hash?at=${at.toLocaleString('en-US')} (middle of the log)`, ours: `${(hash.ms / 1000).toFixed(1)} s`,
      raw: `read up to it ${(readHalf / 1000).toFixed(1)} s`, ratio: ratio(hash.ms, readHalf), target: '<= 10 s', ok: hash.ms <= 10_000 });
  } finally {
    await sys?.stop();
  }
}

// Services that scale out by cluster (issue 22 item 3): two replicas each of scheduler and memory-manager
// (VIRTSIM_SHARDS=4, separate processes) share the clusters' leases on a private database and subject prefix; each
// folds only its clusters; VMs created in several clusters are placed by the replica that holds their share, asked
// through the vrm, which knows nothing of shares. One replica of each is SIGKILLed: the survivor takes its shares
// over (a new lease epoch each), and the VMs created after the kill in every cluster are placed too; every VM is
// placed and reserved once, and every service's live state equals its state rebuilt from the log (/verify).
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shareOf, shareSubject, type ServiceStateAnswer } from '@virtsim/contracts';
import { request, type ServiceName } from '@virtsim/messaging';
import { loadConfig, Runtime, type RunningService } from '@virtsim/service-kit';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { freePort, sleep } from './fault-harness.js';
import { startService } from './services.js';
import { allEvents, apiClient, hostSpec, vmSpec } from './test-api.js';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const SHARDS = 4;
const SHARDED: ServiceName[] = ['scheduler', 'memory-manager'];
const prefix = uniqueName('shards');
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let rt: Runtime;
const services: RunningService<unknown>[] = [];
const replicas = new Map<string, ChildProcess>();
const ports = new Map<string, number>();

async function startReplica(service: ServiceName, replica: string): Promise<void> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/launcher/main.js'], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, VIRTSIM_SERVICE: service, DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: prefix, PORT: String(port),
      VIRTSIM_SHARDS: String(SHARDS), VIRTSIM_REPLICA: replica, LOG_LEVEL: 'silent' },
  });
  replicas.set(`${service}/${replica}`, child);
  ports.set(`${service}/${replica}`, port);
  await new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('is up')) ok(); });
    child.once('exit', (code) => fail(new Error(`${service} ${replica} exited with ${code}`)));
  });
}

async function kill(service: ServiceName, replica: string): Promise<void> {
  const c = replicas.get(`${service}/${replica}`)!;
  await new Promise<void>((ok) => { c.once('exit', () => ok()); c.kill('SIGKILL'); });
}

/** the recorded lease of each share: its holder (the last to take it) and epoch */
async function leases(service: ServiceName): Promise<{ share: number; holder: string; epoch: number }[]> {
  const rows = await rt.store.dataSource.query(`SELECT share, holder, epoch FROM virtsim_shard_leases WHERE service = $1 ORDER BY share`, [service]);
  return rows.map((r: { share: number; holder: string; epoch: string }) => ({ share: Number(r.share), holder: r.holder, epoch: Number(r.epoch) }));
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

beforeAll(async () => {
  execFileSync('node', ['tools/build.mjs'], { cwd: root });
  db = await createTestDatabase('shards');
  rt = await Runtime.create(loadConfig({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: prefix, LOG_LEVEL: 'silent', PORT: '0', VIRTSIM_API_TOKENS: 'admin:adm' }));
  // r1 of each first (it takes every share), then r2 joins and is handed half of them
  for (const s of SHARDED) await startReplica(s, 'r1');
  for (const s of SHARDED) await startReplica(s, 'r2');
  for (const s of ['io-backend', 'ha-monitor', 'migration', 'vrm'] as ServiceName[]) services.push(await startService(rt, s, 'vrm'));
}, 120_000);

afterAll(async () => {
  for (const c of replicas.values()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of services.reverse()) await s.stop();
  await rt?.close();
  await db?.drop();
});

test('two replicas share the clusters; one is killed and the other takes its shares over with nothing lost', async () => {
  const api = apiClient(services.find((s) => s.url)!.url!, 'adm');
  // each service's four shares are held two and two
  const held = new Map<ServiceName, Map<number, string>>();
  for (const s of SHARDED) {
    const l = await until(`${s} shares balanced`, async () => {
      const rows = await leases(s);
      return rows.length === SHARDS && rows.filter((r) => r.holder === 'r2').length === SHARDS / 2 ? rows : null;
    });
    held.set(s, new Map(l.map((r) => [r.share, r.holder])));
  }
  // the two services assign alike (the same replica names)
  expect(held.get('memory-manager')).toEqual(held.get('scheduler'));
  const holderOf = (clusterId: string) => held.get('scheduler')!.get(shareOf(clusterId, SHARDS))!;

  // clusters until each replica holds at least two
  const clusters: string[] = [];
  while (['r1', 'r2'].some((r) => clusters.filter((c) => holderOf(c) === r).length < 2)) {
    expect(clusters.length).toBeLessThan(24);
    const c = (await api.post('/clusters', { name: `c${clusters.length}` })).body;
    for (const h of ['h1', 'h2']) expect((await api.post(`/clusters/${c.id}/hosts`, hostSpec(`${c.name}-${h}`))).status).toBe(201);
    clusters.push(c.id);
  }
  const createIn = async (round: string) => {
    const batch = await api.post('/vms:batch', { vms: clusters.flatMap((c, i) => [0, 1, 2].map((k) => vmSpec(c, `${round}-c${i}-vm${k}`, { vcpus: 1, memoryMiB: 1024, powerOn: k !== 2 }))) });
    expect(batch.status).toBe(202);
    return (await api.get(`/tasks/${batch.body.id}?wait=true`)).body;
  };
  expect((await createIn('before')).state).toBe('succeeded');

  // each replica folded only its own clusters: ask each one's state through a share it holds
  for (const r of ['r1', 'r2']) {
    const share = [...held.get('scheduler')!].find(([, h]) => h === r)![0];
    const answer = await request<ServiceStateAnswer>(rt.client, shareSubject('scheduler.state', share), {});
    const folded = Object.keys((answer.state as { placement: { clusters: object } }).placement.clusters).sort();
    expect(folded).toEqual(clusters.filter((c) => holderOf(c) === r).sort());
  }

  // a move between clusters of different shares: no one replica folds both the VM and the target cluster, so it is
  // refused by name, whichever replica receives it (after the kill one replica folds all, and it is answered)
  const vmOfR1 = ((await api.get('/vms?limit=1000')).body.items as { id: string; clusterId: string }[]).find((v) => holderOf(v.clusterId) === 'r1')!;
  const clusterOfR2 = clusters.find((c) => holderOf(c) === 'r2')!;
  const crossShare = await request(rt.client, 'scheduler.select-host', { vmId: vmOfR1.id, clusterId: clusterOfR2 }).catch((e) => e);
  expect(crossShare).toMatchObject({ code: 'unprocessable', details: { rule: 'shards.crossShare', vmClusterId: vmOfR1.clusterId, clusterId: clusterOfR2 } });

  // /health of each replica names its two shares, and no event its evolve could not apply (an event of another
  // cluster folded by mistake would be one)
  for (const s of SHARDED) {
    for (const r of ['r1', 'r2']) {
      const health = await (await fetch(`http://127.0.0.1:${ports.get(`${s}/${r}`)}/health`)).json() as { details: { projections: Record<string, { shares: number[]; unapplied?: unknown }> } };
      const p = health.details.projections[s]!;
      expect([s, r, p.shares, p.unapplied]).toEqual([s, r, [...held.get(s)!].filter(([, h]) => h === r).map(([k]) => k), undefined]);
    }
  }

  // r2 of both services dies; VMs keep being created in every cluster, r2's included, and the clock ticks
  await Promise.all(SHARDED.map((s) => kill(s, 'r2')));
  const killedAt = performance.now();
  const after = await createIn('after');
  expect(after.state).toBe('succeeded');
  process.stderr.write(`VMs of a killed replica's clusters placed through the take-over in ${Math.round(performance.now() - killedAt)} ms\n`);
  expect((await api.post('/sim/advance', { seconds: 20 })).status).toBe(200);

  // r1 holds every share; each share r2 held was taken over (epochs: r1, r2, r1 again)
  for (const s of SHARDED) {
    const rows = await until(`${s} shares taken over`, async () => {
      const l = await leases(s);
      return l.every((r) => r.holder === 'r1') ? l : null;
    });
    for (const row of rows) expect(row.epoch).toBe(held.get(s)!.get(row.share) === 'r2' ? 3 : 1);
  }
  // nothing lost: every VM placed and its memory reserved exactly once, running or stopped on a host
  const events = await allEvents(api);
  const count = (type: string) => {
    const n = new Map<string, number>();
    for (const e of events.filter((x) => x.type === type)) n.set(e.data.vmId, (n.get(e.data.vmId) ?? 0) + 1);
    return n;
  };
  const vms = (await api.get('/vms?limit=1000')).body.items as { id: string; state: string; hostId: string | null; clusterId: string }[];
  expect(vms).toHaveLength(clusters.length * 3 * 2);
  const placed = count('VmPlaced');
  const reserved = count('VmMemoryReserved');
  for (const v of vms) {
    expect([v.id, placed.get(v.id), reserved.get(v.id)]).toEqual([v.id, 1, 1]);
    expect(['running', 'stopped']).toContain(v.state);
  }
  expect(vms.filter((v) => v.state === 'running')).toHaveLength(clusters.length * 2 * 2);
  // the survivor answers for every cluster, its live state equals its state rebuilt from the log, as every service's
  const verify = (await api.get('/verify')).body;
  expect(verify.ok).toBe(true);
  for (const share of Array.from({ length: SHARDS }, (_, k) => k)) {
    for (const s of SHARDED) expect((await request<{ equal: boolean }>(rt.client, shareSubject(`${s}.verify`, share), {})).equal).toBe(true);
  }
  expect(await request(rt.client, 'scheduler.select-host', { vmId: vmOfR1.id, clusterId: clusterOfR2 })).toMatchObject({ vmId: vmOfR1.id, clusterId: clusterOfR2 });
  const scheduler = await request<ServiceStateAnswer>(rt.client, shareSubject('scheduler.state', 0), {});
  expect(Object.keys((scheduler.state as { placement: { clusters: object } }).placement.clusters).sort()).toEqual([...clusters].sort());
}, 180_000);

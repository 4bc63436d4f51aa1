// Issue 5: one memory tick at full cluster size (plain node, the memory-manager's own planner over its own
// projection), and address translations per second through the API: one address per request
// (GET /vms/:id/memory/translate) beside the machine's raw ceiling for the same hops, and lists of addresses
// (POST /vms/:id/memory/translate), where the 10,000/s target applies.
//
// The load client runs in a worker thread. The whole system (vrm with its HTTP server, every service) runs on
// this process's main thread; a client on the same event loop would take turns with the server it measures,
// so its own fetch work (undici, about a third of the CPU of a one-address request) would count against the
// server. In a worker it has its own thread and loop, like an outside client, while staying in one process (no
// separate entry point to build). On a 2-core machine the worker shares the second core with NATS and
// PostgreSQL, so the one-address figures come out about the same either way (within run-to-run noise, which
// is large there); the batch figures a little higher. The raw baselines get the same client.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { memory } from '@virtsim/domain';
import type { RunningService } from '@virtsim/service-kit';
import { buildLog, rec } from '../apps/memory-manager/test/scale-fixture.js';
import { memoryManagerProjection, type MemoryManagerState } from '../apps/memory-manager/src/state.js';
import { planTick } from '../apps/memory-manager/src/tick.js';
import { startSystem } from '../launcher/system.js';
import { apiClient, hostSpec, vmSpec } from '../launcher/test-api.js';
import { NATS, cpuMs, fmt, pct, percentile, perSecond, record, recordCompute, samplesOf, scratchDatabase } from './harness.js';
import type { LoadResult, LoadSpec } from './translate-load.js';

const TRANSLATION_TARGET = 10_000;
/** addresses per POST in the batch measure */
const BATCH = 256;
/** addresses per NATS request of the raw batch baseline: the vrm's chunk (a reply must fit one NATS message) */
const RAW_CHUNK = 256;

export async function benchMemoryTick(): Promise<void> {
  const { state } = buildLog();
  const first = { simTime: 10, tickSeconds: 10 };
  const plan = planTick(state, first);
  recordCompute('memory', `first tick at 128 hosts / 8,000 VMs (${plan.events.toLocaleString('en-US')} events: sharing, states, balloon, swap)`, samplesOf(15, () => planTick(state, first)), 50);
  memoryManagerProjection.evolveBatch!(state, plan.appends.get('memory-c1')!.map(rec));
  for (let t = 2; t <= 12; t++) {
    const p = planTick(state, { simTime: t * 10, tickSeconds: 10 });
    memoryManagerProjection.evolveBatch!(state, p.appends.get('memory-c1')?.map(rec) ?? []);
  }
  const steady = { simTime: 130, tickSeconds: 10 };
  recordCompute('memory', 'steady tick at 128 hosts / 8,000 VMs (nothing changes)', samplesOf(15, () => planTick(state, steady)), 50);
  const apply = cpuMs(() => memoryManagerProjection.evolveBatch!(JSON.parse(JSON.stringify(state)), plan.appends.get('memory-c1')!.map(rec)));
  record({ group: 'memory', name: 'applying the first tick\'s events to the projection (in place)', ours: fmt(apply.ms, ' ms') });
}

/** runLoad (translate-load.ts) in a worker thread */
function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./translate-load.js', import.meta.url), { workerData: { translateLoad: spec } });
    worker.once('message', (r: LoadResult) => { resolve(r); void worker.terminate(); });
    worker.once('error', reject);
  });
}

const rate = (r: LoadResult) => perSecond(r.translations, r.ms);
const latency = (r: LoadResult) => `${fmt(percentile(r.latencies, 50), ' ms')} / ${fmt(percentile(r.latencies, 99), ' ms')}`;
const withErrors = (r: LoadResult, text: string) => `${text}${r.errors ? ` (${r.errors} errors)` : ''}`;

/**
 * The raw ceiling of the same hops, no framework: a responder on a plain NATS connection doing the
 * memory-manager's translation (the domain walk on the service's own state, a TLB per VM, the same view or, for
 * a list, the same packed walks the forwarder shows, JSON both ways) and a bare node:http server forwarding each
 * request to it with a plain NATS request.
 * What it leaves out is what virtsim adds: express and NestJS routing, auth, zod, the projection catch-up.
 */
async function rawTranslation(state: () => MemoryManagerState, subject: string): Promise<{ base: string; close: () => Promise<void> }> {
  const responder = await connect({ servers: NATS });
  const tlbs = new Map<string, memory.TlbState>();
  responder.subscribe(subject, {
    callback: (_err, m) => {
      const q = JSON.parse(m.string()) as { vmId: string; gva?: string; gvas?: string[] };
      const s = state();
      const v = s.memory.vms[q.vmId]!;
      const walks = memory.translateAll(v, s.memory.hosts[v.hostId!]!, (q.gvas ?? [q.gva!]).map((g) => Number.parseInt(g.slice(2), 16)), tlbs.get(q.vmId));
      tlbs.set(q.vmId, walks[walks.length - 1]!.tlbState);
      m.respond(JSON.stringify(q.gvas ? memory.packTranslations(walks) : memory.translationView(walks[0]!)));
    },
  });
  const requester = await connect({ servers: NATS });
  const server = createServer((req, res) => {
    forward(requester, subject, req).then((body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body), (err: Error) => res.writeHead(500).end(err.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/vms`,
    close: async () => { await closeServer(server); await requester.close(); await responder.close(); },
  };
}

/** GET ?gva= answers the responder's bytes as they are; a POST list goes in RAW_CHUNK-address requests, as the
 *  vrm does, whose packed walks it shows */
async function forward(nc: NatsConnection, subject: string, req: IncomingMessage): Promise<string | Uint8Array> {
  const url = new URL(req.url!, 'http://raw');
  const vmId = url.pathname.split('/')[2]!;
  if (req.method === 'GET') return (await nc.request(subject, JSON.stringify({ vmId, gva: url.searchParams.get('gva') }), { timeout: 30_000 })).data;
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const { gvas } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { gvas: string[] };
  const items: memory.TranslationView[] = [];
  for (let at = 0; at < gvas.length; at += RAW_CHUNK) {
    const reply = await nc.request(subject, JSON.stringify({ vmId, gvas: gvas.slice(at, at + RAW_CHUNK) }), { timeout: 30_000 });
    items.push(...memory.unpackTranslations(JSON.parse(reply.string()) as memory.PackedTranslations));
  }
  return JSON.stringify({ items });
}

const closeServer = (server: Server) => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });

/** 16 workers over keep-alive connections, each translating in a loop for `seconds`, one address per request
 *  (virtsim and raw) and then BATCH addresses per request (virtsim and raw) */
export async function benchTranslations(seconds = Number(process.env.BENCH_TRANSLATE_SECONDS ?? 8), workers = 16): Promise<void> {
  const url = await scratchDatabase('virtsim_bench_translate');
  const prefix = `benchtr${process.pid}`;
  const sys = await startSystem({ DATABASE_URL: url, NATS_URL: NATS, VIRTSIM_SUBJECT_PREFIX: prefix, VIRTSIM_API_TOKENS: 'admin:x', LOG_LEVEL: 'silent' });
  try {
    const api = apiClient(sys.url, 'x');
    const c = await api.post('/clusters', { name: 'tr', cpuOvercommitRatio: 4 });
    for (let h = 0; h < 4; h++) await api.post(`/clusters/${c.body.id}/hosts`, hostSpec(`esx${h}`));
    const b = await api.post('/vms:batch?wait=true', { vms: Array.from({ length: workers }, (_, i) => vmSpec(c.body.id, `tr${i}`, { powerOn: true, memoryMiB: 4096 })) });
    if (b.body.state !== 'succeeded') throw new Error(`translation VMs: ${JSON.stringify(b.body).slice(0, 300)}`);
    const vms = (await api.get(`/vms?clusterId=${c.body.id}&limit=100`)).body.items.map((v: { id: string }) => v.id) as string[];
    const probe = await api.get(`/vms/${vms[0]}/memory/translate?gva=0x7f001000`);
    if (probe.status !== 200) throw new Error(`translate: ${probe.status} ${JSON.stringify(probe.body)}`);

    const spec = { vms, workers, seconds, token: 'x', batch: BATCH };
    const ours = `${sys.url}/api/v1/vms`;
    const mm = sys.services.get('memory-manager') as RunningService<MemoryManagerState>;
    const raw = await rawTranslation(() => mm.ctx.state, `${prefix}.raw.translate`);
    try {
      const single = await load({ ...spec, base: ours, method: 'GET' });
      const singleRaw = await load({ ...spec, base: raw.base, method: 'GET' });
      record({
        group: 'memory', name: `translations/s via GET /vms/:id/memory/translate, 1 address per request (${workers} concurrent, keep-alive)`,
        ours: withErrors(single, fmt(rate(single))), raw: withErrors(singleRaw, fmt(rate(singleRaw))), ratio: pct(rate(single), rate(singleRaw)),
      });
      record({ group: 'memory', name: 'GET translation request latency p50 / p99', ours: latency(single), raw: latency(singleRaw) });

      const batch = await load({ ...spec, base: ours, method: 'POST' });
      const batchRaw = await load({ ...spec, base: raw.base, method: 'POST' });
      const ok = rate(batch) >= TRANSLATION_TARGET && batch.errors === 0;
      record({
        group: 'memory', name: `translations/s via POST /vms/:id/memory/translate, ${BATCH} addresses per request (${workers} concurrent)`,
        ours: withErrors(batch, fmt(rate(batch))), raw: withErrors(batchRaw, fmt(rate(batchRaw))), ratio: pct(rate(batch), rate(batchRaw)),
        target: `>= ${TRANSLATION_TARGET.toLocaleString('en-US')}/s`, ok,
      });
      record({ group: 'memory', name: `POST translation request (${BATCH} addresses) latency p50 / p99`, ours: latency(batch), raw: latency(batchRaw) });
    } finally {
      await raw.close();
    }
  } finally {
    await sys.stop();
  }
}

export async function benchMemory(): Promise<void> {
  await benchMemoryTick();
  await benchTranslations();
}

// Issue 5: one memory tick at full cluster size (plain node, the memory-manager's own planner over its own
// projection), and address translations per second through the API (GET /vms/:id/memory/translate).
import { buildLog, rec } from '../apps/memory-manager/src/scale-fixture.js';
import { memoryManagerProjection } from '../apps/memory-manager/src/state.js';
import { planTick } from '../apps/memory-manager/src/tick.js';
import { startSystem } from '../launcher/system.js';
import { apiClient, hostSpec, vmSpec } from '../launcher/test-api.js';
import { NATS, cpuMs, fmt, percentile, perSecond, record, recordCompute, samplesOf, scratchDatabase } from './harness.js';

const TRANSLATION_TARGET = 10_000;

export async function benchMemoryTick(): Promise<void> {
  const { state } = buildLog();
  const first = { simTime: 10, tickSeconds: 10 };
  const plan = planTick(state, first);
  recordCompute('memory', `first tick at 128 hosts / 8,000 VMs (${plan.events.toLocaleString('en-US')} events: sharing, states, balloon, swap)`, samplesOf(7, () => planTick(state, first)), 50);
  memoryManagerProjection.evolveBatch!(state, plan.appends.get('memory-c1')!.map(rec));
  for (let t = 2; t <= 12; t++) {
    const p = planTick(state, { simTime: t * 10, tickSeconds: 10 });
    memoryManagerProjection.evolveBatch!(state, p.appends.get('memory-c1')?.map(rec) ?? []);
  }
  const steady = { simTime: 130, tickSeconds: 10 };
  recordCompute('memory', 'steady tick at 128 hosts / 8,000 VMs (nothing changes)', samplesOf(7, () => planTick(state, steady)), 50);
  const apply = cpuMs(() => memoryManagerProjection.evolveBatch!(JSON.parse(JSON.stringify(state)), plan.appends.get('memory-c1')!.map(rec)));
  record({ group: 'memory', name: 'applying the first tick\'s events to the projection (in place)', ours: fmt(apply.ms, ' ms') });
}

/** 16 workers over keep-alive connections (fetch keeps them alive), each translating in a loop for `seconds` */
export async function benchTranslations(seconds = Number(process.env.BENCH_TRANSLATE_SECONDS ?? 8), workers = 16): Promise<void> {
  const url = await scratchDatabase('virtsim_bench_translate');
  const sys = await startSystem({ DATABASE_URL: url, NATS_URL: NATS, VIRTSIM_SUBJECT_PREFIX: `benchtr${process.pid}`, VIRTSIM_API_TOKENS: 'admin:x', LOG_LEVEL: 'silent' });
  try {
    const api = apiClient(sys.url, 'x');
    const c = await api.post('/clusters', { name: 'tr', cpuOvercommitRatio: 4 });
    for (let h = 0; h < 4; h++) await api.post(`/clusters/${c.body.id}/hosts`, hostSpec(`esx${h}`));
    const b = await api.post('/vms:batch?wait=true', { vms: Array.from({ length: workers }, (_, i) => vmSpec(c.body.id, `tr${i}`, { powerOn: true, memoryMiB: 4096 })) });
    if (b.body.state !== 'succeeded') throw new Error(`translation VMs: ${JSON.stringify(b.body).slice(0, 300)}`);
    const vms = (await api.get(`/vms?clusterId=${c.body.id}&limit=100`)).body.items.map((v: { id: string }) => v.id) as string[];
    const probe = await api.get(`/vms/${vms[0]}/memory/translate?gva=0x7f001000`);
    if (probe.status !== 200) throw new Error(`translate: ${probe.status} ${JSON.stringify(probe.body)}`);
    const headers = { authorization: 'Bearer x' };
    const latencies: number[] = [];
    let errors = 0;
    const deadline = performance.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: workers }, async (_, w) => {
      const base = `${sys.url}/api/v1/vms/${vms[w % vms.length]}/memory/translate?gva=0x`;
      for (let i = 0; performance.now() < deadline; i++) {
        const gva = (0x400000 + ((i * 7919 + w * 104729) % 900_000) * 4096).toString(16);
        const t = performance.now();
        const res = await fetch(base + gva, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
        latencies.push(performance.now() - t);
      }
    }));
    const ms = performance.now() - t0;
    const rate = perSecond(latencies.length, ms);
    record({ group: 'memory', name: `translations/s via GET /vms/:id/memory/translate (${workers} concurrent, keep-alive)`, ours: `${fmt(rate)}${errors ? ` (${errors} errors)` : ''}`, target: `>= ${TRANSLATION_TARGET.toLocaleString('en-US')}/s`, ok: rate >= TRANSLATION_TARGET && errors === 0 });
    record({ group: 'memory', name: 'translation request latency p50 / p99', ours: `${fmt(percentile(latencies, 50), ' ms')} / ${fmt(percentile(latencies, 99), ' ms')}` });
  } finally {
    await sys.stop();
  }
}

export async function benchMemory(): Promise<void> {
  await benchMemoryTick();
  await benchTranslations();
}

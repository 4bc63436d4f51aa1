// Issue 2 benchmarks: append (batched, single), replay of 1M events, request-reply; beside the raw
// PostgreSQL and NATS figures of the same machine.
import { Controller, Module } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { connect } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { RecordedEvent } from '@virtsim/contracts';
import { Projection } from '@virtsim/service-kit';
import { bootService, loadConfig, Runtime } from '@virtsim/service-kit';
import { NATS, rawPoolOptions, SYNC_COMMIT, fmt, pct, percentile, perSecond, record, scratchStore, time } from './harness.js';

const payload = (i: number) => ({ vmId: `vm${i % 8000}`, hostId: `h${i % 128}`, memoryMiB: 4096, reason: 'benchmark event with a realistic size', i });

export async function benchAppend(): Promise<void> {
  const { url, store } = await scratchStore('virtsim_bench_append');
  const raw = new pg.Pool(rawPoolOptions(url, 20));
  const calls = 200;
  const ours = await time(async () => {
    for (let c = 0; c < calls; c++) {
      await store.append({ streamId: `bench-${c}`, expectedVersion: 0, events: Array.from({ length: 100 }, (_, k) => ({ type: 'BenchEvent', data: payload(c * 100 + k) })) });
    }
  });
  const rawRun = await time(async () => {
    for (let c = 0; c < calls; c++) {
      const values: string[] = [];
      const params: unknown[] = [];
      for (let k = 0; k < 100; k++) {
        const b = params.length;
        values.push(`($${b + 1}, $${b + 2}, $${b + 3}, 'BenchEvent', 1, $${b + 4}, '{}')`);
        params.push(`raw-${c}`, k + 1, randomUUID(), JSON.stringify(payload(c * 100 + k)));
      }
      await raw.query(`INSERT INTO events (stream_id, stream_version, event_id, type, schema_version, data, metadata) VALUES ${values.join(',')}`, params);
    }
  });
  const oursRate = perSecond(calls * 100, ours.ms);
  const rawRate = perSecond(calls * 100, rawRun.ms);
  process.stderr.write(`  synchronous_commit=${SYNC_COMMIT ? 'on' : 'off'} for virtsim and raw alike\n`);
  record({ group: 'append', name: 'batched, 100 events/call (events/s)', ours: fmt(oursRate), raw: fmt(rawRate), ratio: pct(oursRate, rawRate), target: '>= 50% of raw', ok: oursRate >= rawRate / 2 });

  const singles = 2000;
  const seq = await time(async () => {
    for (let i = 0; i < singles; i++) await store.append({ streamId: `single-${i}`, expectedVersion: 0, events: [{ type: 'BenchEvent', data: payload(i) }] });
  });
  const rawSeq = await time(async () => {
    for (let i = 0; i < singles; i++) {
      await raw.query(`INSERT INTO events (stream_id, stream_version, event_id, type, data) VALUES ($1, 1, $2, 'BenchEvent', $3)`, [`rawsingle-${i}`, randomUUID(), JSON.stringify(payload(i))]);
    }
  });
  record({ group: 'append', name: 'single event, sequential (appends/s)', ours: fmt(perSecond(singles, seq.ms)), raw: fmt(perSecond(singles, rawSeq.ms)), ratio: pct(rawSeq.ms, seq.ms) });

  const writers = 16;
  const each = 250;
  const conc = await time(() => Promise.all(Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; i < each; i++) await store.append({ streamId: `conc-${w}-${i}`, expectedVersion: 0, events: [{ type: 'BenchEvent', data: payload(i) }] });
  })));
  const rawConc = await time(() => Promise.all(Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; i < each; i++) {
      await raw.query(`INSERT INTO events (stream_id, stream_version, event_id, type, data) VALUES ($1, 1, $2, 'BenchEvent', $3)`, [`rawconc-${w}-${i}`, randomUUID(), JSON.stringify(payload(i))]);
    }
  })));
  record({ group: 'append', name: 'single event, 16 concurrent writers (appends/s)', ours: fmt(perSecond(writers * each, conc.ms)), raw: fmt(perSecond(writers * each, rawConc.ms)), ratio: pct(rawConc.ms, conc.ms) });
  await raw.end();
  await store.close();
}

export async function benchReplay(total = 1_000_000): Promise<void> {
  const { url, store } = await scratchStore('virtsim_bench_replay');
  const fill = await time(async () => {
    for (let c = 0; c < total / 1000; c++) {
      await store.append({ streamId: `fill-${c}`, expectedVersion: 0, events: Array.from({ length: 1000 }, (_, k) => ({ type: k % 2 ? 'VmPlaced' : 'BenchEvent', data: payload(c * 1000 + k) })) });
    }
  });
  process.stderr.write(`  filled ${total} events in ${(fill.ms / 1000).toFixed(1)} s\n`);
  // a service rebuild: the projection machinery with a small real evolve (per-VM host map, per-type counts)
  interface S { vms: Record<string, string>; types: Record<string, number> }
  const projection = new Projection<S>({
    name: 'bench-replay', initialState: () => ({ vms: {}, types: {} }),
    evolve: (s, e: RecordedEvent) => { const d = e.data as { vmId: string; hostId: string }; s.vms[d.vmId] = d.hostId; s.types[e.type] = (s.types[e.type] ?? 0) + 1; return s; },
  }, store, { snapshotEvery: Number.MAX_SAFE_INTEGER });
  const ours = await time(() => projection.start());
  await projection.stop();
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  const rawRun = await time(async () => {
    let n = 0;
    await raw.query('BEGIN');
    await raw.query(`DECLARE c NO SCROLL CURSOR FOR SELECT position, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at FROM events ORDER BY position`);
    for (;;) {
      const r = await raw.query('FETCH 10000 FROM c');
      n += r.rowCount ?? 0;
      if (!r.rowCount) break;
    }
    await raw.query('COMMIT');
    return n;
  });
  await raw.end();
  const oursRate = perSecond(total, ours.ms);
  const rawRate = perSecond(rawRun.value, rawRun.ms);
  record({ group: 'replay', name: `rebuild from ${total.toLocaleString('en-US')} events (events/s)`, ours: fmt(oursRate), raw: fmt(rawRate), ratio: pct(oursRate, rawRate), target: '>= 50% of raw', ok: oursRate >= rawRate / 2 });
  record({ group: 'replay', name: `rebuild time for ${total.toLocaleString('en-US')} events`, ours: `${(ours.ms / 1000).toFixed(1)} s`, raw: `${(rawRun.ms / 1000).toFixed(1)} s`, target: '<= 20 s', ok: ours.ms <= 20_000 });
  await store.close();
}

@Controller()
class EchoHandlers {
  @MessagePattern('scheduler.echo')
  echo(data: unknown) { return data; }
}
@Module({ controllers: [EchoHandlers] })
class EchoModule {}

export async function benchRequestReply(n = 3000): Promise<void> {
  const { url, store } = await scratchStore('virtsim_bench_rr', 2);
  await store.close();
  const prefix = `bench${process.pid}`;
  const rt = await Runtime.create(loadConfig({ DATABASE_URL: url, NATS_URL: NATS, VIRTSIM_SUBJECT_PREFIX: prefix, LOG_LEVEL: 'silent' }));
  const svc = await bootService(rt, { name: 'scheduler', module: EchoModule, projection: { name: 'echo', initialState: () => ({}), evolve: (s) => s } });
  const body = { vmId: 'vm1', hostId: 'h1', numa: { nodes: [0] } };
  for (let i = 0; i < 200; i++) await svc.ctx.request('scheduler.echo', body);
  const ours: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await svc.ctx.request('scheduler.echo', body); ours.push(performance.now() - t); }
  const nc = await connect({ servers: NATS });
  // the raw handler does what any handler must: decode the JSON request, encode a JSON reply
  nc.subscribe(`${prefix}.raw.echo`, { callback: (_e, m) => { m.respond(JSON.stringify(JSON.parse(m.string()))); } });
  const data = JSON.stringify(body);
  for (let i = 0; i < 200; i++) await nc.request(`${prefix}.raw.echo`, data);
  const raw: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); JSON.parse((await nc.request(`${prefix}.raw.echo`, data, { timeout: 5000 })).string()); raw.push(performance.now() - t); }
  await nc.close();
  await svc.stop();
  await rt.close();
  const [o50, r50, o99, r99] = [percentile(ours, 50), percentile(raw, 50), percentile(ours, 99), percentile(raw, 99)];
  record({ group: 'request-reply', name: 'NestJS ClientProxy.send over NATS, p50', ours: fmt(o50, ' ms'), raw: fmt(r50, ' ms'), ratio: `${(o50 / r50).toFixed(2)}x`, target: '<= 2x raw', ok: o50 <= 2 * r50 });
  record({ group: 'request-reply', name: 'NestJS ClientProxy.send over NATS, p99', ours: fmt(o99, ' ms'), raw: fmt(r99, ' ms'), ratio: `${(o99 / r99).toFixed(2)}x` });
}

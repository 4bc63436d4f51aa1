// A service booted on each transport answers requests, carries typed errors, and appends through its runner.
import { Controller, Module } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { conflict, VirtsimError, type RecordedEvent } from '@virtsim/contracts';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { z } from 'zod';
import { causality } from '@virtsim/messaging';
import { bootService, loadConfig, Runtime, ServiceContext, zodPipe, type RunningService } from '@virtsim/service-kit';

interface Counter { count: number; last: string | null }
const Add = z.strictObject({ name: z.string().min(1) });

@Controller()
class CounterHandlers {
  constructor(private readonly ctx: ServiceContext<Counter>) {}

  @MessagePattern('scheduler.add')
  add(@Payload(zodPipe(Add)) body: z.infer<typeof Add>) {
    return this.ctx.commands.run((s) => {
      if (body.name === 'taken' && s.last === 'taken') throw conflict('counter.duplicate', 'name taken twice in a row');
      return {
        appends: [{ streamId: 'counter-1', expectedVersion: this.ctx.commands.expected('counter-1'), events: [{ type: 'Added', data: { name: body.name } }] }],
        result: { accepted: body.name },
      };
    });
  }

  @MessagePattern('scheduler.count')
  count() { return this.ctx.state; }

  /** a command on its own stream (tag-<name>), so it may share an append with others */
  @MessagePattern('scheduler.tag')
  tag(@Payload(zodPipe(Add)) body: z.infer<typeof Add>) {
    const streamId = `tag-${body.name.split('#')[0]}`;
    return this.ctx.commands.run(() => {
      if (body.name === 'refused') throw conflict('tag.refused', 'this one is refused');
      return {
        appends: [{ streamId, expectedVersion: this.ctx.commands.expected(streamId), events: [{ type: 'Tagged', data: { name: body.name } }] }],
        result: { tagged: body.name },
        metadata: { correlationId: body.name },
      };
    }, { group: true });
  }

  @MessagePattern('scheduler.causal')
  async causal() {
    await this.ctx.projection.catchUp();
    return { after: causality.getStore()?.after ?? null };
  }
}

@Module({ controllers: [CounterHandlers] })
class CounterModule {}

const definition = {
  name: 'scheduler' as const,
  module: CounterModule,
  projection: {
    name: 'counter',
    initialState: (): Counter => ({ count: 0, last: null }),
    evolve: (s: Counter, e: RecordedEvent): Counter => (e.type === 'Added' ? { count: s.count + 1, last: (e.data as { name: string }).name } : s),
  },
};

describe.each(['nats', 'in-process'] as const)('service over %s', (transport) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let rt: Runtime;
  let svc: RunningService<Counter>;

  beforeAll(async () => {
    db = await createTestDatabase(`kit_${transport}`);
    const env = { DATABASE_URL: db.url, VIRTSIM_SUBJECT_PREFIX: uniqueName('kit'), LOG_LEVEL: 'silent', ...(transport === 'nats' ? { NATS_URL: natsUrl() } : {}) };
    rt = await Runtime.create(loadConfig(env));
    svc = await bootService(rt, definition);
  });
  afterAll(async () => {
    await svc.stop();
    await rt.close();
    await db.drop();
  });

  const ask = (pattern: string, data: unknown) => svc.ctx.request<any>(pattern, data, 5000);

  test('a command appends and answers after its projection applied it', async () => {
    expect(await ask('scheduler.add', { name: 'a' })).toMatchObject({ accepted: 'a' });
    expect(await ask('scheduler.count', {})).toEqual({ count: 1, last: 'a' });
  });

  test('bad payload is refused field by field, nothing appended', async () => {
    const err = await ask('scheduler.add', { name: '', extra: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(VirtsimError);
    expect(err.code).toBe('invalid');
    expect(err.details.errors.map((e: { path: string }) => e.path).sort()).toEqual(['(body)', 'name']);
    expect((await ask('scheduler.count', {})).count).toBe(1);
  });

  test('a domain refusal crosses the transport as the same typed error', async () => {
    await ask('scheduler.add', { name: 'taken' });
    const err = await ask('scheduler.add', { name: 'taken' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'conflict', details: { rule: 'counter.duplicate' } });
  });

  test('a pattern nobody serves is unavailable at once', async () => {
    const err = await ask('scheduler.nobody', {}).catch((e) => e);
    expect(err).toMatchObject({ code: 'unavailable' });
  });

  test('concurrent commands are serialized: 20 at once, 20 events, versions 1..n', async () => {
    const before = (await ask('scheduler.count', {})).count;
    await Promise.all(Array.from({ length: 20 }, (_, i) => ask('scheduler.add', { name: `c${i}` })));
    expect((await ask('scheduler.count', {})).count).toBe(before + 20);
    const versions = (await rt.store.readStream('counter-1')).map((e) => e.streamVersion);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  test('grouped commands share appends; each keeps its metadata, outcome and stream order', async () => {
    const append = rt.store.append.bind(rt.store);
    let calls = 0;
    rt.store.append = (...args) => { calls++; return append(...args); };
    try {
      const names = [...Array.from({ length: 30 }, (_, i) => `g${i}`), 'dup#1', 'dup#2', 'refused'];
      const results = await Promise.allSettled(names.map((name) => ask('scheduler.tag', { name })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(32);
      expect(results.at(-1)).toMatchObject({ status: 'rejected', reason: { code: 'conflict', details: { rule: 'tag.refused' } } });
      expect(calls).toBeLessThan(32);
      const dup = await rt.store.readStream('tag-dup');
      expect(dup.map((e) => [e.streamVersion, (e.data as { name: string }).name])).toEqual([[1, 'dup#1'], [2, 'dup#2']]);
      for (const name of ['g0', 'g17', 'dup#2']) {
        const [e] = (await rt.store.readStream(`tag-${name.split('#')[0]}`)).filter((x) => (x.data as { name: string }).name === name);
        expect(e.metadata.correlationId).toBe(name);
      }
    } finally {
      rt.store.append = append;
    }
  });

  test('a request carries its causal position to the handler; without one the handler reads the head', async () => {
    expect(await svc.ctx.request('scheduler.causal', {}, 5000, { after: 1 })).toEqual({ after: 1 });
    expect(await ask('scheduler.causal', {})).toEqual({ after: null });
  });
});

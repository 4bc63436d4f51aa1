// Issue 23 in the service kit: bounded field errors, unstorable text, strict API tokens, 4xx for body-parser
// refusals, no internal text in a 500, and a projection that skips an event it cannot apply.
import type { ArgumentsHost } from '@nestjs/common';
import type { RecordedEvent } from '@virtsim/contracts';
import type { EventStore } from '@virtsim/event-store';
import { z } from 'zod';
import { ConfigError, loadConfig, parseApiTokens } from './config.js';
import { toVirtsimError, VirtsimErrorFilter } from './errors.js';
import { Projection } from './projection.js';
import { MAX_LISTED_ERRORS, parse } from './validation.js';

const refusal = (fn: () => unknown) => { try { fn(); } catch (e) { return e as { code: string; details: { errors: { path: string; message: string }[]; errorCount?: number } }; } throw new Error('not refused'); };
const Body = z.strictObject({ name: z.string(), tags: z.array(z.string()).optional() });

describe('validation', () => {
  it('raw bytes where JSON is expected: one error, not one per byte', () => {
    const e = refusal(() => parse(Body, Buffer.alloc(100_000, 1)));
    expect(e.details.errors).toEqual([{ path: '(body)', message: expect.stringMatching(/JSON body/) }]);
  });

  it('100,000 unknown fields or bad items: at most 20 listed, the total counted', () => {
    const unknown = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`f${i}`, 1]));
    const e1 = refusal(() => parse(Body, { name: 'a', ...unknown }));
    expect(JSON.stringify(e1.details).length).toBeLessThan(2000);
    const e2 = refusal(() => parse(z.array(z.number()), Array.from({ length: 100_000 }, () => '')));
    expect(e2.details.errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(e2.details.errorCount).toBe(100_000);
  });

  it.each([['a\u0000b', /NUL/], ['\ud800', /surrogate/], ['x\udc00', /surrogate/]])('%j is refused naming the field', (bad, why) => {
    const e = refusal(() => parse(Body, { name: 'ok', tags: ['fine', bad] }));
    expect(e.details.errors).toEqual([{ path: 'tags.1', message: expect.stringMatching(why) }]);
    expect(refusal(() => parse(z.record(z.string(), z.number()), { [bad]: 1 })).details.errors[0].message).toMatch(/field name/);
  });

  it('a paired surrogate (an emoji) is text like any other; nesting past 32 levels is refused before zod walks it', () => {
    expect(parse(Body, { name: 'vm \ud83d\ude80' }).name).toBe('vm \ud83d\ude80');
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(refusal(() => parse(z.unknown(), deep)).details.errors[0].message).toMatch(/deeper than 32/);
  });
});

describe('VIRTSIM_API_TOKENS', () => {
  it('well-formed entries make the token map', () => {
    expect([...parseApiTokens('admin:a1,operator:o-2,auditor:x.y_z')]).toEqual([['a1', 'admin'], ['o-2', 'operator'], ['x.y_z', 'auditor']]);
  });

  it.each([
    ['admin:abc:def', /entry 1 \(admin:\*\*\*\): a token is/],
    ['admin:a,root:b', /entry 2 \(role \?:\*\*\*\): unknown role/],
    ['admin:tok123,auditor:tok123', /entry 2 \(auditor:\*\*\*\): the same token as entry 1/],
    ['admin:a,,operator:b', /entry 2: not role:token/],
    ['admin:', /entry 1 \(admin:\*\*\*\): a token is/],
  ])('%s refuses to start naming the entry, never the token', (spec, message) => {
    expect(() => parseApiTokens(spec)).toThrow(message);
    const err = (() => { try { loadConfig({ VIRTSIM_API_TOKENS: spec }); } catch (e) { return e as Error; } return null; })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toMatch(message);
    expect(err!.message).not.toMatch(/tok123|def|abc/);
  });
});

describe('errors', () => {
  it('body-parser refusals keep their client status', () => {
    expect(toVirtsimError(Object.assign(new Error('unsupported charset "KLINGON"'), { type: 'charset.unsupported', status: 415 })).code).toBe('unsupported');
    expect(toVirtsimError(Object.assign(new Error('unsupported content encoding "x"'), { type: 'encoding.unsupported', status: 415 })).code).toBe('unsupported');
    expect(toVirtsimError(Object.assign(new Error('too large'), { type: 'entity.too.large', status: 413, limit: 1024 })).code).toBe('too-large');
    expect(toVirtsimError(Object.assign(new Error('aborted'), { type: 'request.aborted', status: 400 })).code).toBe('invalid');
  });

  it('a 500 says "internal error" and a request id, never the internal text', () => {
    let sent = '';
    const res = { status: () => res, type: () => res, send: (b: string) => { sent = b; } };
    const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => res }) } as unknown as ArgumentsHost;
    new VirtsimErrorFilter().catch(new Error('relation "events" violates check constraint at /srv/secret.ts:12'), host);
    const body = JSON.parse(sent);
    expect(body).toMatchObject({ status: 500, detail: expect.stringMatching(/^internal error \(request id [0-9a-f-]{36}\)$/), requestId: expect.any(String) });
    expect(sent).not.toMatch(/relation|secret/);
    // the id the answer's X-Request-Id header carries, when the access log gave one
    const tagged = { ...res, getHeader: () => 'req-42' };
    new VirtsimErrorFilter().catch(new Error('boom'), { getType: () => 'http', switchToHttp: () => ({ getResponse: () => tagged }) } as unknown as ArgumentsHost);
    expect(JSON.parse(sent)).toMatchObject({ detail: 'internal error (request id req-42)', requestId: 'req-42' });
  });
});

describe('a projection meets an event it cannot apply', () => {
  const event = (position: number, type: string): RecordedEvent => ({ position, streamId: 's', streamVersion: position, eventId: `e${position}`, type, schemaVersion: 1, data: {}, metadata: {}, recordedAt: '' });
  const log = [event(1, 'Counted'), event(2, 'Poison'), event(3, 'Counted')];
  const store = { readAll: async (after: number, limit: number) => log.filter((e) => e.position > after).slice(0, limit) } as unknown as EventStore;

  it('skips it, lists it and goes on with the events after it', async () => {
    const p = new Projection<{ n: number }>({
      name: 'poison-test', initialState: () => ({ n: 0 }),
      evolve: (s, e) => { if (e.type === 'Poison') throw new Error('cannot apply'); return { n: s.n + 1 }; },
    }, store);
    expect(await p.stateAt(3)).toEqual({ n: 2 });
    expect(p.unappliedCount).toBe(1);
    expect(p.unapplied).toEqual([{ position: 2, type: 'Poison', error: 'cannot apply' }]);
  });
});

// The protocol links sender and handler at compile time (`npm run typecheck` compiles this file: each
// `@ts-expect-error` below fails the typecheck when the catalogue stops catching that mistake), and @Handle
// subscribes the method and validates its payload from the catalogue at run time.
import { PATTERN_METADATA } from '@nestjs/microservices/constants.js';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { protocol, type ReplyOf, type RequestOf, type PlaceAnswer, type ReserveMemoryAnswer } from '@virtsim/contracts';
import { Handle } from './handle.js';
import { parse } from './validation.js';

class PlaceHandlers {
  @Handle(protocol.scheduler.place)
  place(req: { vmId: string }): PlaceAnswer {
    return { vmId: req.vmId, clusterId: 'c1', hostId: 'h1', numa: null, brokenShouldRules: [], gpus: [] };
  }

  // @ts-expect-error a handler that answers another subject's reply does not compile
  @Handle(protocol.scheduler.place)
  wrongReply(): ReserveMemoryAnswer { throw new Error('never called'); }

  // @ts-expect-error a handler that expects a field the catalogue's request does not have does not compile
  @Handle(protocol['memory-manager'].reserveMemory)
  wrongPayload(req: { vmId: string; hostId: string }) { return req as never; }
}

/** a sender's view of ctx.call: the payload and the reply typed from the catalogue entry */
declare function call<R extends (typeof protocol)['scheduler']['place']>(rpc: R, data: RequestOf<R>): Promise<ReplyOf<R>>;

describe('the typed protocol', () => {
  it('types the sender: the payload is checked, the reply is the catalogue type', () => {
    const ok = (): Promise<string> => call(protocol.scheduler.place, { vmId: 'vm1', idempotencyKey: 'vm1:place' }).then((a) => a.hostId);
    // @ts-expect-error a payload without the VM does not compile
    const missing = () => call(protocol.scheduler.place, { idempotencyKey: 'k' });
    // @ts-expect-error a field the reply does not have does not compile
    const wrongField = () => call(protocol.scheduler.place, { vmId: 'vm1' }).then((a) => a.memoryMiB);
    expect([ok, missing, wrongField].every((f) => typeof f === 'function')).toBe(true);
  });

  it('@Handle subscribes the subject and validates the payload with the catalogue schema', () => {
    const method = PlaceHandlers.prototype.place;
    expect(Reflect.getMetadata(PATTERN_METADATA, method)).toEqual(['scheduler.place']);
    const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, PlaceHandlers, 'place') as Record<string, { index: number; pipes: unknown[] }>;
    expect(Object.values(args)).toMatchObject([{ index: 0, pipes: [expect.anything()] }]);
    expect(() => parse(protocol.scheduler.place.request, { vmId: '' })).toThrow(/vmId/);
  });

  it('declares one subject per saga step, carried for many VMs by its -many subject', () => {
    expect(protocol.scheduler.place.many.subject).toBe('scheduler.place-many');
    expect(protocol['memory-manager'].reserveMemory.many.subject).toBe('memory-manager.reserve-memory-many');
    expect(protocol['io-backend'].attachDevices.idempotent).toBe(true);
  });

  it('one TickRequest for every service: unknown fields are stripped, known ones checked', () => {
    const ticks = [protocol.scheduler, protocol['memory-manager'], protocol['io-backend'], protocol['ha-monitor'], protocol.migration].map((s) => s.tick.request);
    expect(new Set(ticks).size).toBe(1);
    expect(parse(ticks[0], { tick: 1, simTime: 5, tickSeconds: 5, addedLater: true })).toEqual({ tick: 1, simTime: 5, tickSeconds: 5 });
    expect(() => parse(ticks[0], { tick: -1, simTime: 5, tickSeconds: 5 })).toThrow(/tick/);
  });
});

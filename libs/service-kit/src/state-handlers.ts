// Every service answers `<service>.state` and `<service>.hash`: its canonical state and hash, live or
// rebuilt as of a past position into a throwaway instance (the live one is not disturbed), and
// `<service>.verify`: rebuild from position 0 up to the live position and compare hashes.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { stateHash } from '@virtsim/contracts';
import { z } from 'zod';
import { ServiceContext } from './service-context.js';
import { zodPipe } from './validation.js';

const At = z.strictObject({ at: z.number().int().min(0).optional() });
type At = z.infer<typeof At>;

export interface ServiceStateAnswer { service: string; position: number; hash: string; state?: unknown }
export interface VerifyAnswer { service: string; position: number; liveHash: string; rebuiltHash: string; equal: boolean }

export function stateHandlersFor(service: string) {
  @Controller()
  class StateHandlers {
    constructor(private readonly ctx: ServiceContext) {}

    @MessagePattern(`${service}.state`)
    async state(@Payload(zodPipe(At)) q: At): Promise<ServiceStateAnswer> {
      return this.read(q, true);
    }

    @MessagePattern(`${service}.hash`)
    async hash(@Payload(zodPipe(At)) q: At): Promise<ServiceStateAnswer> {
      return this.read(q, false);
    }

    @MessagePattern(`${service}.verify`)
    async verify(): Promise<VerifyAnswer> {
      // hold commands while comparing, so the live state stays at one position
      return this.ctx.commands.run(async () => {
        const p = this.ctx.projection;
        const position = p.position;
        const liveHash = p.hash();
        const rebuilt = await p.stateAt(position); // from position 0, never from a snapshot: that is what is verified
        const rebuiltHash = stateHash(p.def.canonical ? p.def.canonical(rebuilt) : rebuilt);
        return { appends: [], result: { service, position, liveHash, rebuiltHash, equal: liveHash === rebuiltHash } };
      });
    }

    private async read(q: At, withState: boolean): Promise<ServiceStateAnswer> {
      const p = this.ctx.projection;
      await p.catchUp();
      // caught up, the live state is the state as of any position at or after its own
      if (q.at === undefined || q.at >= p.position) {
        const canonical = p.canonical();
        return { service, position: p.position, hash: stateHash(canonical), ...(withState ? { state: canonical } : {}) };
      }
      // from the nearest kept snapshot: the same state as a replay from 0 (verify is what replays from 0)
      const rebuilt = await p.stateAt(q.at, { useSnapshots: true });
      const canonical = p.def.canonical ? p.def.canonical(rebuilt) : rebuilt;
      return { service, position: q.at, hash: stateHash(canonical), ...(withState ? { state: canonical } : {}) };
    }
  }
  return StateHandlers;
}

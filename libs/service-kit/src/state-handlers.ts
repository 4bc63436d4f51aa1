// Every service answers `<service>.state` and `<service>.hash`: its canonical state and hash, live or
// rebuilt as of a past position into a throwaway instance (the live one is not disturbed), and
// `<service>.verify`: rebuild from position 0 up to the live position and compare hashes.
import { Controller } from '@nestjs/common';
import { stateHash, stateSubjects, type AtQuery as At, type ServiceStateAnswer, type VerifyAnswer } from '@virtsim/contracts';
import { Handle } from './handle.js';
import { ServiceContext } from './service-context.js';

export type { ServiceStateAnswer, VerifyAnswer } from '@virtsim/contracts';

export function stateHandlersFor(service: string) {
  const subjects = stateSubjects(service);
  @Controller()
  class StateHandlers {
    constructor(private readonly ctx: ServiceContext) {}

    @Handle(subjects.state)
    async state(q: At): Promise<ServiceStateAnswer> {
      return this.read(q, true);
    }

    @Handle(subjects.hash)
    async hash(q: At): Promise<ServiceStateAnswer> {
      return this.read(q, false);
    }

    @Handle(subjects.verify)
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

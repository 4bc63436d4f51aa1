// Commands of one service run one at a time against its current state: decide, append with the
// expected stream versions, wait until the projection has applied the result. A version conflict
// (another instance wrote first) re-reads the log and decides again; after 3 tries it is a 409.
import { ConcurrencyError, type EventMetadata } from '@virtsim/contracts';
import type { AppendBatch, EventStore } from '@virtsim/event-store';
import { eventsAppended } from './metrics.js';
import type { Projection } from './projection.js';

export interface Decision<T> {
  appends: AppendBatch[];
  result: T;
  metadata?: EventMetadata;
}

export class CommandRunner<S> {
  private queue: Promise<unknown> = Promise.resolve();
  constructor(private readonly store: EventStore, private readonly projection: Projection<S>) {}

  run<T>(decide: (state: S) => Decision<T> | Promise<Decision<T>>): Promise<T & { position: number }> {
    const next = this.queue.then(() => this.attempt(decide, 3));
    this.queue = next.catch(() => undefined);
    return next;
  }

  expected(streamId: string): number {
    return this.projection.versionOf(streamId);
  }

  private async attempt<T>(decide: (state: S) => Decision<T> | Promise<Decision<T>>, tries: number): Promise<T & { position: number }> {
    await this.projection.catchUp();
    const decision = await decide(this.projection.state);
    if (decision.appends.every((a) => a.events.length === 0)) return { ...decision.result, position: this.projection.position };
    try {
      const r = await this.store.append(decision.appends, decision.metadata);
      eventsAppended.inc({ service: this.projection.name }, r.positions.length);
      await this.projection.waitFor(r.lastPosition);
      return { ...decision.result, position: r.lastPosition };
    } catch (err) {
      if (err instanceof ConcurrencyError && tries > 1) return this.attempt(decide, tries - 1);
      throw err;
    }
  }
}

// Commands of one service run one at a time against its current state: decide, append with the
// expected stream versions, wait until the projection has applied the result. A version conflict on one of
// the service's own streams (another instance wrote first, or after a restart the stream is ahead of the state
// the command was decided on) is never answered as such: the runner catches up from the log and decides again,
// up to CONFLICT_TRIES times with a short jittered pause. A conflict a user sees is then the domain's own
// refusal of the re-decided command (two users raced for the same version), or, past the tries, a 409.
//
// Group commit: commands marked `group` decide from, and write to, only their own streams (one saga's
// VM stream and task, say). Queued ones are decided against the same state and share one append, as long
// as no two of them write the same stream; one that does waits for the next round. A round that fails is
// retried command by command, so each command keeps exactly the outcome it would have had alone.
import { randomInt } from 'node:crypto';
import { ConcurrencyError, type EventMetadata } from '@virtsim/contracts';
import type { AppendBatch, EventStore } from '@virtsim/event-store';
import { causality } from '@virtsim/messaging';
import { eventsAppended } from './metrics.js';
import type { Projection } from './projection.js';

export interface Decision<T> {
  appends: AppendBatch[];
  result: T;
  metadata?: EventMetadata;
}

export interface RunOptions {
  /** the decision reads and writes only its own streams, so it may share an append with other such commands, and
   *  it needs no catch-up to the log head first: if another writer moved one of its streams, the append's expected
   *  version fails and the command is decided again after reading the head */
  group?: boolean;
}

type Decide<S, T> = (state: S) => Decision<T> | Promise<Decision<T>>;
type Done<T> = T & { position: number };

interface Queued<S> {
  decide: Decide<S, unknown>;
  group: boolean;
  /** the causal position of the request that queued it (null: read the head) */
  after: number | null;
  /** the streams its last decision wrote, when it had to wait for a later round */
  wrote?: string[];
  resolve: (value: Done<unknown>) => void;
  reject: (err: unknown) => void;
}

/** most commands in one shared append: bounds the size of one SQL call */
const MAX_ROUND = 256;

/** decisions of one command that meet a version conflict before it is answered as one */
export const CONFLICT_TRIES = 5;
/** the pause before deciding again after the n-th conflict: other writers of the stream get to finish */
const conflictPause = (n: number): Promise<void> => new Promise((r) => setTimeout(r, randomInt(1, 5 * 2 ** n)));

export class CommandRunner<S> {
  private readonly queued: Queued<S>[] = [];
  private draining = false;

  constructor(private readonly store: EventStore, private readonly projection: Projection<S>) {}

  run<T>(decide: Decide<S, T>, options: RunOptions = {}): Promise<Done<T>> {
    return new Promise<Done<T>>((resolve, reject) => {
      // captured now: the queue drains in whichever request's async context started it
      const after = causality.getStore()?.after ?? null;
      this.queued.push({ decide, group: options.group ?? false, after, resolve: resolve as Queued<S>['resolve'], reject });
      if (!this.draining) void this.drain();
    });
  }

  expected(streamId: string): number {
    return this.projection.versionOf(streamId);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queued.length > 0) {
        if (!this.queued[0].group) {
          const alone = this.queued.shift()!;
          await this.attempt(alone.decide, alone.after).then(alone.resolve, alone.reject);
        } else {
          await this.round(this.takeGroup());
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private takeGroup(): Queued<S>[] {
    let n = 0;
    while (n < this.queued.length && n < MAX_ROUND && this.queued[n].group) n++;
    return this.queued.splice(0, n);
  }

  private async round(group: Queued<S>[]): Promise<void> {
    try {
      await this.projection.catchUp(Math.max(this.projection.position, ...group.map((q) => q.after ?? 0)));
    } catch {
      for (const q of group) await this.attempt(q.decide, q.after).then(q.resolve, q.reject); // each fails (or not) on its own
      return;
    }
    const taken: { q: Queued<S>; d: Decision<unknown> }[] = [];
    const later: Queued<S>[] = [];
    const streams = new Set<string>();
    for (const q of group) {
      // still blocked by the stream that held it back last time: no need to decide it again yet
      if (q.wrote?.some((s) => streams.has(s))) { later.push(q); continue; }
      let d: Decision<unknown>;
      try { d = await q.decide(this.projection.state); } catch (err) { q.reject(err); continue; }
      const writes = d.appends.filter((a) => a.events.length > 0).map((a) => a.streamId);
      if (writes.length === 0) { q.resolve({ ...(d.result as object), position: this.projection.position }); continue; }
      if (writes.some((s) => streams.has(s))) { q.wrote = writes; later.push(q); continue; }
      for (const s of writes) streams.add(s);
      taken.push({ q, d });
    }
    this.queued.unshift(...later);
    if (taken.length === 0) return;
    try {
      const r = await this.store.append(merge(taken.map((t) => t.d)), { epoch: taken.find((t) => t.d.metadata?.epoch !== undefined)?.d.metadata?.epoch });
      eventsAppended.inc({ service: this.projection.name }, r.positions.length);
      await this.projection.waitFor(r.lastPosition);
      for (const t of taken) t.q.resolve({ ...(t.d.result as object), position: r.lastPosition });
    } catch {
      // someone else wrote one of these streams, or the call failed: each command alone, as if never grouped
      for (const t of taken) await this.attempt(t.q.decide, null).then(t.q.resolve, t.q.reject);
    }
  }

  private async attempt<T>(decide: Decide<S, T>, after: number | null, tries = CONFLICT_TRIES): Promise<Done<T>> {
    await this.projection.catchUp(after);
    const decision = await decide(this.projection.state);
    if (decision.appends.every((a) => a.events.length === 0)) return { ...decision.result, position: this.projection.position };
    try {
      const r = await this.store.append(decision.appends, decision.metadata);
      eventsAppended.inc({ service: this.projection.name }, r.positions.length);
      await this.projection.waitFor(r.lastPosition);
      return { ...decision.result, position: r.lastPosition };
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || tries <= 1) throw err;
      // someone wrote one of our streams since: read the head, decide again
      await conflictPause(CONFLICT_TRIES - tries + 1);
      return this.attempt(decide, null, tries - 1);
    }
  }
}

/** the decisions' appends as one, each event carrying its own decision's metadata */
function merge(decisions: Decision<unknown>[]): AppendBatch[] {
  return decisions.flatMap((d) => d.appends.map((a) => ({
    ...a,
    events: a.events.map((e) => ({ ...e, metadata: { ...d.metadata, ...e.metadata } })),
  })));
}

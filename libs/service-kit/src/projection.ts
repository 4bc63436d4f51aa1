// A service's in-memory state: the fold of the whole log through its evolve, in global order.
// Starts from its snapshot when there is one, then follows the log. The state is plain JSON data;
// evolve may update it in place (a full-cluster state is too large to copy per event).
import type { RecordedEvent } from '@virtsim/contracts';
import { stateHash } from '@virtsim/domain';
import { Subscription, type EventStore } from '@virtsim/event-store';
import { causality } from '@virtsim/messaging';
import { eventsApplied, projectionLag, projectionPosition } from './metrics.js';

export interface ProjectionDef<S> {
  /** consumer name, also the snapshot key */
  name: string;
  initialState: () => S;
  evolve: (state: S, event: RecordedEvent) => S;
  /** optional: apply a whole batch at once (when per-event copying would be too slow); same result as folding evolve */
  evolveBatch?: (state: S, events: RecordedEvent[]) => S;
  /** the canonical view that is hashed and returned by GET /state; defaults to the state itself */
  canonical?: (state: S) => unknown;
}

interface Snapshot<S> { s: S; v: Record<string, number> }

export interface ProjectionOptions {
  snapshotEvery?: number;
  pollMs?: number;
  onError?: (err: unknown) => void;
}

export class Projection<S> {
  state: S;
  /** stream versions seen, for the expected version of the next append */
  private versions = new Map<string, number>();
  private subscription: Subscription | null = null;
  private sinceSnapshot = 0;
  private snapshotting: Promise<void> | null = null;
  /** the head query being answered, and the one queued behind it (see catchUp) */
  private headQuery: Promise<number> | null = null;
  private nextHead: Promise<void> | null = null;

  constructor(readonly def: ProjectionDef<S>, private readonly store: EventStore, private readonly options: ProjectionOptions = {}) {
    this.state = def.initialState();
  }

  get name(): string { return this.def.name; }
  get position(): number { return this.subscription?.position ?? 0; }
  get caughtUp(): boolean { return this.subscription?.caughtUp ?? false; }

  async start(): Promise<void> {
    const snap = await this.store.loadSnapshot<Snapshot<S>>(this.def.name);
    let from = 0;
    if (snap) {
      this.state = snap.state.s;
      this.versions = new Map(Object.entries(snap.state.v));
      from = snap.position;
    }
    this.subscription = new Subscription(this.store, {
      from,
      pollMs: this.options.pollMs ?? 1000,
      onEvents: (events) => this.apply(events),
      onError: this.options.onError,
    });
    await this.catchUp(null);
  }

  /** wait until every event committed so far is applied; within a request that carries a causal position
   *  (and `after` left undefined), until that position is; `null` always reads the head */
  catchUp(after: number | null | undefined = causality.getStore()?.after): Promise<void> {
    if (typeof after === 'number') return this.waitFor(after);
    // Concurrent callers share one head query. A caller that arrives while a query is in flight may not
    // use it (it could predate a commit the caller already saw), so it joins the next round instead.
    if (!this.nextHead) {
      const previous = this.headQuery?.catch(() => undefined) ?? Promise.resolve();
      this.nextHead = previous.then(() => {
        this.nextHead = null;
        const query = this.store.headPosition();
        this.headQuery = query;
        return query;
      }).then((head) => this.waitFor(head));
    }
    return this.nextHead;
  }

  waitFor(position: number): Promise<void> {
    if (!this.subscription) throw new Error(`projection ${this.def.name} is not started`);
    return this.subscription.waitFor(position);
  }

  versionOf(streamId: string): number {
    return this.versions.get(streamId) ?? 0;
  }

  canonical(): unknown {
    return this.def.canonical ? this.def.canonical(this.state) : this.state;
  }

  hash(): string {
    return stateHash(this.canonical());
  }

  /** rebuild into a throwaway state as of `position` (0 = empty), without touching the live one */
  async stateAt(position: number): Promise<S> {
    let state = this.def.initialState();
    let at = 0;
    for (;;) {
      const events = await this.store.readAll(at, 5000);
      const upTo = events.filter((e) => e.position <= position);
      state = this.fold(state, upTo);
      if (upTo.length < events.length || events.length === 0) return state;
      at = events[events.length - 1].position;
    }
  }

  async stop(options: { snapshot?: boolean } = {}): Promise<void> {
    await this.subscription?.stop();
    await this.snapshotting;
    if (options.snapshot && this.position > 0) await this.snapshotAt(this.position);
  }

  private apply(events: RecordedEvent[]): void {
    this.state = this.fold(this.state, events);
    for (const e of events) this.versions.set(e.streamId, e.streamVersion);
    const last = events[events.length - 1].position;
    eventsApplied.inc({ service: this.def.name }, events.length);
    projectionPosition.set({ service: this.def.name }, last);
    this.sinceSnapshot += events.length;
    const every = this.options.snapshotEvery ?? 20_000;
    if (this.sinceSnapshot >= every && !this.snapshotting) {
      this.sinceSnapshot = 0;
      this.snapshotting = this.snapshotAt(last).finally(() => { this.snapshotting = null; });
    }
  }

  private fold(state: S, events: RecordedEvent[]): S {
    if (this.def.evolveBatch) return events.length ? this.def.evolveBatch(state, events) : state;
    for (const e of events) state = this.def.evolve(state, e);
    return state;
  }

  private async snapshotAt(position: number): Promise<void> {
    // serialized synchronously: the live state keeps changing while the write is in flight
    const copy: Snapshot<S> = JSON.parse(JSON.stringify({ s: this.state, v: Object.fromEntries(this.versions) }));
    const hash = stateHash(this.def.canonical ? this.def.canonical(copy.s) : copy.s);
    await this.store.saveSnapshot(this.def.name, position, copy, hash).catch((err) => this.options.onError?.(err));
  }

  async lag(): Promise<number> {
    const lag = Math.max(0, (await this.store.headPosition()) - this.position);
    projectionLag.set({ service: this.def.name }, lag);
    return lag;
  }
}

// A service's in-memory state: the fold of the whole log through its evolve, in global order.
// Starts from its snapshot when there is one, then follows the log. The state is plain JSON data;
// evolve may update it in place (a full-cluster state is too large to copy per event).
import type { RecordedEvent } from '@virtsim/contracts';
import { stateHash } from '@virtsim/contracts';
import { Subscription, type EventStore } from '@virtsim/event-store';
import { causality } from '@virtsim/messaging';
import { rootLogger } from './logger.js';
import { eventsApplied, eventsUnapplied, projectionLag, projectionPosition } from './metrics.js';
import { ShardScope } from './shards.js';
import { StepOutcomes, type StepRecord } from './steps.js';

export interface ProjectionDef<S> {
  /** consumer name, also the snapshot key */
  name: string;
  /** Bump when evolve or the state's shape changes: snapshots (and checkpoints) of another version are not used,
   *  the state is rebuilt from the log. A snapshot's hash check cannot see such a change: it was written and is
   *  read back by the same old code. Default 1. */
  version?: number;
  initialState: () => S;
  evolve: (state: S, event: RecordedEvent) => S;
  /** optional: apply a whole batch at once (when per-event copying would be too slow); same result as folding evolve */
  evolveBatch?: (state: S, events: RecordedEvent[]) => S;
  /** the canonical view that is hashed and returned by GET /state; defaults to the state itself */
  canonical?: (state: S) => unknown;
}

/** state, stream versions, and the service's recorded step outcomes (o; absent in snapshots older than them) */
interface Snapshot<S> { s: S; v: Record<string, number>; o?: Record<string, StepRecord> }

export interface ProjectionOptions {
  snapshotEvery?: number;
  pollMs?: number;
  onError?: (err: unknown) => void;
  /** VIRTSIM_SHARDS > 1: fold only the clusters of the shares this replica holds (none until `rescope`), and
   *  keep no snapshots (a snapshot holds one replica's shares) */
  shards?: number;
}

/** an event this projection's evolve threw on: skipped, so that one bad event cannot stop the service */
export interface UnappliedEvent { position: number; type: string; error: string }
const KEEP_UNAPPLIED = 20;

export class Projection<S> {
  state: S;
  /** the last events evolve could not apply (newest last), and how many there were in all */
  readonly unapplied: UnappliedEvent[] = [];
  unappliedCount = 0;
  /** stream versions seen, for the expected version of the next append */
  private versions = new Map<string, number>();
  /** the outcomes of this service's idempotent steps, by key (steps.ts) */
  readonly outcomes: StepOutcomes;
  private subscription: Subscription | null = null;
  private sinceSnapshot = 0;
  private snapshotting: Promise<void> | null = null;
  /** the head query being answered, and the one queued behind it (see catchUp) */
  private headQuery: Promise<number> | null = null;
  private nextHead: Promise<void> | null = null;
  /** sharded: the shares folded, and what the log says about which cluster each VM, host and stream is in */
  private scope: ShardScope | null;
  /** the last position handed to apply (set in the same turn as the state it gives) */
  private appliedThrough = 0;
  private rescoping: Promise<void> = Promise.resolve();

  constructor(readonly def: ProjectionDef<S>, private readonly store: EventStore, private readonly options: ProjectionOptions = {}) {
    this.state = def.initialState();
    this.outcomes = new StepOutcomes(def.name);
    this.scope = (options.shards ?? 1) > 1 ? new ShardScope(options.shards!, new Set()) : null;
  }

  /** sharded: the shares folded now, and the clusters known so far (for routing requests) */
  get shardScope(): ShardScope | null { return this.scope; }

  get name(): string { return this.def.name; }
  /** the snapshots' consumer key: the name, with the version from 2 on (older versions' snapshots are not read) */
  get snapshotKey(): string { return (this.def.version ?? 1) === 1 ? this.def.name : `${this.def.name}@v${this.def.version}`; }
  get position(): number { return this.subscription?.position ?? 0; }
  get caughtUp(): boolean { return this.subscription?.caughtUp ?? false; }

  async start(): Promise<void> {
    const snap = this.scope ? null : await this.store.loadSnapshot<Snapshot<S>>(this.snapshotKey);
    let from = 0;
    if (snap) {
      this.state = snap.state.s;
      this.versions = new Map(Object.entries(snap.state.v));
      this.outcomes.load(snap.state.o);
      from = snap.position;
    }
    this.appliedThrough = from;
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

  /** rebuild into a throwaway state as of `position` (0 = empty), without touching the live one: from position 0,
   *  or with `useSnapshots` from the newest kept snapshot at or before it (the same state, a shorter replay) */
  async stateAt(position: number, options: { useSnapshots?: boolean } = {}): Promise<S> {
    const start = options.useSnapshots && !this.scope ? await this.nearestSnapshot(position) : null;
    return this.replay(start?.state ?? this.def.initialState(), start?.position ?? 0, position, this.scope?.fresh() ?? null);
  }

  /** Sharded: fold the clusters of `owned` from now on. The state is folded again from the log's start with the
   *  new shares (a share's clusters were not folded here before), up to the live position, and swapped in
   *  in one turn of the event loop, so no event is applied twice or missed. One rescope at a time. */
  rescope(owned: ReadonlySet<number>): Promise<void> {
    const run = this.rescoping.then(async () => {
      if (!this.scope) throw new Error(`projection ${this.def.name} is not sharded`);
      const scope = this.scope.fresh(new Set(owned));
      let state = this.def.initialState();
      let at = 0;
      for (;;) {
        const target = this.appliedThrough;
        state = await this.replay(state, at, target, scope);
        at = target;
        if (this.appliedThrough === at) break; // nothing applied meanwhile: swap now, in this turn
      }
      this.state = state;
      this.scope = scope;
    });
    this.rescoping = run.catch(() => undefined);
    return run;
  }

  /** a kept snapshot to rebuild from, or null. It is parsed afresh from the store, so it shares nothing with the
   *  live state. Its stored hash must match what was loaded; if not, the caller replays from 0 instead. */
  private async nearestSnapshot(position: number): Promise<{ position: number; state: S } | null> {
    const snap = await this.store.loadSnapshotAtOrBefore<Snapshot<S>>(this.snapshotKey, position);
    if (!snap) return null;
    if (stateHash(this.def.canonical ? this.def.canonical(snap.state.s) : snap.state.s) !== snap.hash) {
      this.options.onError?.(new Error(`projection ${this.def.name}: the snapshot at ${snap.position} does not match its hash; rebuilding from 0`));
      return null;
    }
    return { position: snap.position, state: snap.state.s };
  }

  /** fold the log's events in (from, upTo] into `state` (sharded: those `scope` admits) */
  private async replay(state: S, from: number, upTo: number, scope: ShardScope | null): Promise<S> {
    const page = 5000; // measured: larger pages read no faster, smaller ones pay more round trips
    for (let at = from; at < upTo;) {
      // positions may skip (an aborted append burns its identity values), so the page can still overrun upTo
      const events = await this.store.readAll(at, Math.min(page, upTo - at));
      if (events.length === 0) return state;
      state = this.fold(state, events.filter((e) => e.position <= upTo), scope);
      at = events[events.length - 1].position;
    }
    return state;
  }

  async stop(options: { snapshot?: boolean } = {}): Promise<void> {
    await this.subscription?.stop();
    await this.snapshotting;
    if (options.snapshot && this.position > 0 && !this.scope) await this.snapshotAt(this.position);
  }

  private apply(events: RecordedEvent[]): void {
    this.state = this.fold(this.state, events, this.scope);
    for (const e of events) {
      this.versions.set(e.streamId, e.streamVersion);
      this.outcomes.observe(e);
    }
    const last = events[events.length - 1].position;
    this.appliedThrough = last;
    eventsApplied.inc({ service: this.def.name }, events.length);
    projectionPosition.set({ service: this.def.name }, last);
    this.sinceSnapshot += events.length;
    const every = this.options.snapshotEvery ?? 50_000;
    if (this.sinceSnapshot >= every && !this.snapshotting && !this.scope) {
      this.sinceSnapshot = 0;
      this.snapshotting = this.snapshotAt(last).finally(() => { this.snapshotting = null; });
    }
  }

  // An event evolve throws on is reported (log, metric, /health) and skipped: retrying it would fail the same way
  // forever, and the service would never catch up, answer or start again on its own log.
  private fold(state: S, all: RecordedEvent[], scope: ShardScope | null): S {
    const events = scope ? all.filter((e) => scope.admits(e)) : all;
    if (this.def.evolveBatch) {
      if (events.length === 0) return state;
      try { return this.def.evolveBatch(state, events); } catch (err) { this.report(events[0], err, events[events.length - 1].position); return state; }
    }
    for (const e of events) {
      try { state = this.def.evolve(state, e); } catch (err) { this.report(e, err); }
    }
    return state;
  }

  private report(e: RecordedEvent, err: unknown, through = e.position): void {
    const error = err instanceof Error ? err.message : String(err);
    this.unappliedCount++;
    this.unapplied.push({ position: e.position, type: e.type, error });
    if (this.unapplied.length > KEEP_UNAPPLIED) this.unapplied.shift();
    eventsUnapplied.inc({ service: this.def.name });
    rootLogger().error({ err, projection: this.def.name, position: e.position, through, type: e.type }, 'projection could not apply an event; skipped');
  }

  private async snapshotAt(position: number): Promise<void> {
    // serialized and hashed synchronously: the live state keeps changing while the write is in flight. The hash is
    // the live state's, so a snapshot that does not load back to the same state fails the check in nearestSnapshot.
    const json = JSON.stringify({ s: this.state, v: Object.fromEntries(this.versions), o: this.outcomes.toJSON() } satisfies Snapshot<S>);
    const hash = this.hash();
    await this.store.saveSnapshotJson(this.snapshotKey, position, json, hash).catch((err) => this.options.onError?.(err));
  }

  async lag(): Promise<number> {
    const lag = Math.max(0, (await this.store.headPosition()) - this.position);
    projectionLag.set({ service: this.def.name }, lag);
    return lag;
  }
}

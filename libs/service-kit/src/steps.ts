// Idempotent steps, one mechanism for every service: a command carrying an idempotency key records its outcome
// in the log, and a repeat of the key is answered from there, after a restart too (the projection rebuilds the
// outcomes from the log with its state). A success's answer rides in its first event's metadata; a refusal is
// a StepRefused event on the service's own `steps-<service>` stream (a refusal writes nothing else).
// A service runs such a command through `ctx.runSteps` (service-context.ts), which appends the refusals with the
// decision; no app keeps its own table of answers.
import { VirtsimError, type EventMetadata, type RecordedEvent, type StepEvent } from '@virtsim/contracts';
import type { AppendBatch, NewEvent } from '@virtsim/event-store';

export type StepRecord = { ok: true; answer: unknown } | { ok: false; error: StepEvent['data']['error'] };

export const stepStream = (service: string): string => `steps-${service}`;

/** refusals that hold for a repeat: the domain said no. Faults, stale streams and `transient` rules are asked again. */
export function isFinalRefusal(e: VirtsimError, transient: ReadonlySet<string> = new Set()): boolean {
  return (e.code === 'conflict' || e.code === 'unprocessable') && e.details.rule !== 'concurrency' && !transient.has(String(e.details.rule));
}

/** the outcomes one service recorded, by idempotency key (kept by its projection, in its snapshots) */
export class StepOutcomes {
  private byKey = new Map<string, StepRecord>();

  constructor(private readonly service: string) {}

  get(key: string): StepRecord | undefined { return this.byKey.get(key); }

  observe(e: RecordedEvent): void {
    if (e.type === 'StepRefused') {
      const d = e.data as StepEvent['data'];
      if (d.service === this.service && !this.byKey.has(d.idempotencyKey)) this.byKey.set(d.idempotencyKey, { ok: false, error: d.error });
      return;
    }
    const m = e.metadata;
    if (m?.actor === this.service && typeof m.idempotencyKey === 'string' && 'answer' in m && !this.byKey.has(m.idempotencyKey)) {
      this.byKey.set(m.idempotencyKey, { ok: true, answer: m.answer });
    }
  }

  toJSON(): Record<string, StepRecord> { return Object.fromEntries(this.byKey); }
  load(saved: Record<string, StepRecord> | undefined): void { this.byKey = new Map(Object.entries(saved ?? {})); }
}

export interface StepDecision<E, T> { events: E[]; result: T }

/** an event of a step; the first one of a decided step carries the metadata that records the step's answer */
export type StepEventOut<E> = E & { metadata?: EventMetadata };

/** The steps of one command's decision (one step, or the items of a `-many` request): each key is answered from
 *  the log, or from earlier in this decision, or decided. */
export class StepDecisions {
  private readonly here = new Map<string, StepRecord>();
  private readonly refused: NewEvent[] = [];

  constructor(private readonly service: string, private readonly outcomes: StepOutcomes, private readonly transient: ReadonlySet<string> = new Set()) {}

  /** `decide` unless `key` was answered before (in the log, or earlier in this decision): then the first answer,
   *  with `repeated: true` and no events, or the first refusal thrown again. A decided step's first event carries
   *  the metadata that records its answer (keep it when the events are appended). A final refusal is recorded
   *  (see refusals()) and thrown. Without a key, or with no event to carry the answer, nothing is recorded: the
   *  decision must then be one a repeat reaches again from the state (e.g. "already placed"). */
  step<E extends object, T extends object>(key: string | undefined, decide: () => StepDecision<E, T>): StepDecision<StepEventOut<E>, T> & { repeated?: true } {
    const earlier = this.earlier<T>(key);
    if (earlier) return { events: [], ...earlier };
    const d = this.refusing(key, decide);
    const metadata = this.record(key, d.events.length, d.result);
    return metadata ? { ...d, events: d.events.map((e, i): StepEventOut<E> => (i === 0 ? { ...e, metadata } : e)) } : d as StepDecision<StepEventOut<E>, T>;
  }

  /** A command that is one step as a whole, its appends over several streams, decided sync or async (it may ask
   *  other services first): as step(), but the metadata that records the answer is returned for the decision's
   *  own metadata (every event of the append carries it). */
  async decision<T extends object>(key: string | undefined, decide: () => { appends: AppendBatch[]; result: T } | Promise<{ appends: AppendBatch[]; result: T }>):
    Promise<{ appends: AppendBatch[]; result: T & { repeated?: true }; metadata: EventMetadata }> {
    const earlier = this.earlier<T>(key);
    if (earlier) return { appends: [], result: earlier.result, metadata: {} };
    let d: { appends: AppendBatch[]; result: T };
    try {
      d = await decide();
    } catch (err) {
      throw this.refusal(key, err);
    }
    return { ...d, metadata: this.record(key, d.appends.reduce((n, b) => n + b.events.length, 0), d.result) ?? {} };
  }

  private earlier<T>(key: string | undefined): { result: T & { repeated: true }; repeated: true } | undefined {
    const earlier = key === undefined ? undefined : this.here.get(key) ?? this.outcomes.get(key);
    if (earlier?.ok) return { result: { ...(earlier.answer as T), repeated: true }, repeated: true };
    if (earlier) throw new VirtsimError(earlier.error.code, earlier.error.message, earlier.error.details);
    return undefined;
  }

  private refusing<R>(key: string | undefined, decide: () => R): R {
    try {
      return decide();
    } catch (err) {
      throw this.refusal(key, err);
    }
  }

  /** a refusal of `key`: recorded when final; returned to be thrown */
  private refusal(key: string | undefined, err: unknown): VirtsimError {
    const e = VirtsimError.from(err);
    if (key !== undefined && isFinalRefusal(e, this.transient)) {
      const error = { code: e.code, message: e.message, details: e.details };
      this.here.set(key, { ok: false, error });
      this.refused.push({ type: 'StepRefused', data: { service: this.service, idempotencyKey: key, error } satisfies StepEvent['data'], metadata: { actor: this.service } });
    }
    return e;
  }

  /** the metadata that records a decided step's answer (none without a key or an event to carry it) */
  private record(key: string | undefined, events: number, answer: unknown): EventMetadata | undefined {
    if (key === undefined || events === 0) return undefined;
    this.here.set(key, { ok: true, answer });
    return { idempotencyKey: key, answer, actor: this.service };
  }

  /** the append that records this decision's refusals, if any */
  refusals(expected: (streamId: string) => number): AppendBatch[] {
    if (this.refused.length === 0) return [];
    const streamId = stepStream(this.service);
    return [{ streamId, expectedVersion: expected(streamId), events: this.refused }];
  }
}

/** the idempotency key of one clock tick at one service: its number and simulated time (a clock that was reset
 *  and counts again from 1 makes new keys) */
export const tickKey = (tick: { tick: number; simTime: number }): string => `tick-${tick.tick}@${tick.simTime}`;

/** `metadata` (a decision's recorded answer, see StepDecisions.decision) on the first event of the append only:
 *  one copy of the answer in the log, however many events the decision wrote */
export function onFirstEvent(appends: AppendBatch[], metadata: EventMetadata): AppendBatch[] {
  if (Object.keys(metadata).length === 0) return appends;
  const first = appends.findIndex((a) => a.events.length > 0);
  if (first < 0) return appends;
  return appends.map((a, i) => (i !== first ? a : { ...a, events: a.events.map((e, j) => (j === 0 ? { ...e, metadata: { ...e.metadata, ...metadata } } : e)) }));
}

// Idempotent steps, one mechanism for every service: a command carrying an idempotency key records its outcome
// in the log, and a repeat of the key is answered from there, after a restart too (the projection rebuilds the
// outcomes from the log with its state). A success's answer rides in its first event's metadata; a refusal is
// a StepRefused event on the service's own `steps-<service>` stream (a refusal writes nothing else).
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

/** The steps of one command's decision (one step, or the items of a `-many` request): each key is answered from
 *  the log, or from earlier in this decision, or decided. */
export class StepDecisions {
  private readonly here = new Map<string, StepRecord>();
  private readonly refused: NewEvent[] = [];

  constructor(private readonly service: string, private readonly outcomes: StepOutcomes, private readonly transient: ReadonlySet<string> = new Set()) {}

  /** `decide` unless `key` was answered before. Returns the events to append and, for the first of them, the
   *  metadata that records the answer. A final refusal is recorded (see refusals()) and thrown. */
  step<E, T extends object>(key: string | undefined, decide: () => StepDecision<E, T>): StepDecision<E, T> & { metadata?: EventMetadata; repeated?: true } {
    const earlier = key === undefined ? undefined : this.here.get(key) ?? this.outcomes.get(key);
    if (earlier?.ok) return { events: [], result: { ...(earlier.answer as T), repeated: true }, repeated: true };
    if (earlier) throw new VirtsimError(earlier.error.code, earlier.error.message, earlier.error.details);
    try {
      const d = decide();
      if (key === undefined || d.events.length === 0) return d;
      this.here.set(key, { ok: true, answer: d.result });
      return { ...d, metadata: { idempotencyKey: key, answer: d.result, actor: this.service } };
    } catch (err) {
      const e = VirtsimError.from(err);
      if (key !== undefined && isFinalRefusal(e, this.transient)) {
        const error = { code: e.code, message: e.message, details: e.details };
        this.here.set(key, { ok: false, error });
        this.refused.push({ type: 'StepRefused', data: { service: this.service, idempotencyKey: key, error } satisfies StepEvent['data'], metadata: { actor: this.service } });
      }
      throw e;
    }
  }

  /** the append that records this decision's refusals, if any */
  refusals(expected: (streamId: string) => number): AppendBatch[] {
    if (this.refused.length === 0) return [];
    const streamId = stepStream(this.service);
    return [{ streamId, expectedVersion: expected(streamId), events: this.refused }];
  }
}

// Catch up from the log, then follow it: woken by the bell (local appends, NATS doorbell), and by a
// poll timer so that a missed notification or a broker restart only delays, never loses, an event.
// Events appended by this process are taken as they commit when they continue the position exactly;
// any gap (another process's appends) is read from the log, so the order stays the log's.
import type { RecordedEvent } from '@virtsim/contracts';
import type { EventStore } from './event-store.js';

export interface SubscriptionOptions {
  from: number;
  onEvents: (events: RecordedEvent[]) => Promise<void> | void;
  batchSize?: number;
  pollMs?: number;
  onError?: (err: unknown) => void;
}

const MAX_PUSHED = 20_000;
/** how long a gap before this process's own commits may wait for another local append to fill it */
const LOCAL_GAP_WAIT_MS = 20;

export class Subscription {
  position: number;
  private running = true;
  private wake: (() => void) | null = null;
  private rung = false;
  /** a ring without a position (must read), and the highest position rung */
  private rungBlind = false;
  private ringHead = 0;
  private readonly waiters: { position: number; resolve: () => void }[] = [];
  private readonly unring: () => void;
  private caughtUpOnce = false;
  private head = 0;
  /** this process's commits as JSON text, to be parsed into private copies when taken */
  private pushed: { position: number; json: string }[] = [];
  /** appends are announced in the order their answers arrive, not always in position order */
  private pushedUnsorted = false;
  /** since when (ms) the pushed events have waited behind a gap */
  private gapSince: number | null = null;
  private readonly unlisten: () => void;
  readonly done: Promise<void>;

  constructor(private readonly store: EventStore, private readonly options: SubscriptionOptions) {
    this.position = options.from;
    this.unring = store.onRing((p) => {
      // the doorbell of an event already taken (handed over by this process's store): nothing to read
      if (p > 0 && p <= this.position) return;
      if (p > 0) this.ringHead = Math.max(this.ringHead, p);
      else this.rungBlind = true;
      this.head = Math.max(this.head, p);
      this.rung = true;
      this.wake?.();
    });
    this.unlisten = store.onAppended((events, asJson) => {
      if (!this.running) return;
      const last = this.pushed[this.pushed.length - 1];
      if (last && last.position > events[0].position) this.pushedUnsorted = true;
      const json = asJson();
      for (let i = 0; i < events.length; i++) this.pushed.push({ position: events[i].position, json: json[i] });
      if (this.pushed.length > MAX_PUSHED) this.pushed = []; // far behind: the log serves it
    });
    this.done = this.loop();
  }

  get caughtUp(): boolean {
    return this.caughtUpOnce && this.position >= this.head;
  }

  /** resolves once every event up to `position` has been handed to onEvents */
  waitFor(position: number): Promise<void> {
    if (this.position >= position) return Promise.resolve();
    this.head = Math.max(this.head, position);
    return new Promise((resolve) => {
      this.waiters.push({ position, resolve });
      this.wake?.();
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unring();
    this.unlisten();
    this.wake?.();
    await this.done;
  }

  private async loop(): Promise<void> {
    const batch = this.options.batchSize ?? 2000;
    while (this.running) {
      this.rung = false;
      this.rungBlind = false;
      try {
        const local = this.takeLocal();
        if (local) this.gapSince = null;
        else if (this.awaitingLocalGap()) {
          await this.sleep(2); // the bell rings when the missing append is announced
          continue;
        }
        const events: RecordedEvent[] = local ?? await this.store.readAll(this.position, batch);
        if (events.length > 0) {
          await this.options.onEvents(events);
          this.position = events[events.length - 1].position;
          this.release();
          // a short batch read everything visible: no need to ask again unless the bell rang meanwhile
          if (events.length === batch || this.rungAhead()) continue;
        }
      } catch (err) {
        if (!this.running) return;
        this.options.onError?.(err);
      }
      this.caughtUpOnce = true;
      this.release();
      if (!this.running || this.rungAhead()) continue;
      // someone waits for a position not visible yet: look again soon rather than at the next poll
      await this.sleep(this.waiters.length > 0 ? 5 : this.options.pollMs ?? 1000);
    }
  }

  /** rung meanwhile for something not applied yet */
  private rungAhead(): boolean {
    return this.rung && (this.rungBlind || this.ringHead > this.position);
  }

  /** A gap before this process's own pushed commits: in one process it is nearly always another local append
   *  answered a moment later, so wait for it, but only briefly (a remote append or a burnt position never
   *  arrives here; then the log is read). */
  private awaitingLocalGap(): boolean {
    if (this.pushed.length === 0 || this.store.appendsInFlight === 0) { this.gapSince = null; return false; }
    const now = performance.now();
    this.gapSince ??= now;
    if (now - this.gapSince < LOCAL_GAP_WAIT_MS) return true;
    this.gapSince = null;
    return false;
  }

  /** this process's committed events that continue the position with no gap, as private copies */
  private takeLocal(): RecordedEvent[] | null {
    if (this.pushed.length === 0) return null;
    if (this.pushedUnsorted) {
      this.pushed.sort((a, b) => a.position - b.position);
      this.pushedUnsorted = false;
    }
    let applied = 0;
    while (applied < this.pushed.length && this.pushed[applied].position <= this.position) applied++;
    if (applied > 0) this.pushed.splice(0, applied);
    if (this.pushed.length === 0 || this.pushed[0].position !== this.position + 1) return null;
    let n = 1;
    while (n < this.pushed.length && this.pushed[n].position === this.pushed[n - 1].position + 1) n++;
    // a copy per subscriber: projections may keep what they are given
    return this.pushed.splice(0, n).map((p) => JSON.parse(p.json) as RecordedEvent);
  }

  private release(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].position <= this.position) this.waiters.splice(i, 1)[0].resolve();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() { clearTimeout(t); resolve(); }
      this.wake = () => { this.wake = null; done(); };
    });
  }
}

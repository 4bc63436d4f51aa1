// Catch up from the log, then follow it: woken by the bell (local appends, NATS doorbell), and by a
// poll timer so that a missed notification or a broker restart only delays, never loses, an event.
import type { RecordedEvent } from '@virtsim/contracts';
import type { EventStore } from './event-store.js';

export interface SubscriptionOptions {
  from: number;
  onEvents: (events: RecordedEvent[]) => Promise<void> | void;
  batchSize?: number;
  pollMs?: number;
  onError?: (err: unknown) => void;
}

export class Subscription {
  position: number;
  private running = true;
  private wake: (() => void) | null = null;
  private rung = false;
  private readonly waiters: { position: number; resolve: () => void }[] = [];
  private readonly unring: () => void;
  private caughtUpOnce = false;
  private head = 0;
  readonly done: Promise<void>;

  constructor(private readonly store: EventStore, private readonly options: SubscriptionOptions) {
    this.position = options.from;
    this.unring = store.onRing((p) => {
      this.head = Math.max(this.head, p);
      this.rung = true;
      this.wake?.();
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
    this.wake?.();
    await this.done;
  }

  private async loop(): Promise<void> {
    const batch = this.options.batchSize ?? 2000;
    while (this.running) {
      this.rung = false;
      try {
        const events: RecordedEvent[] = await this.store.readAll(this.position, batch);
        if (events.length > 0) {
          await this.options.onEvents(events);
          this.position = events[events.length - 1].position;
          this.release();
          // a short batch read everything visible: no need to ask again unless the bell rang meanwhile
          if (events.length === batch || this.rung) continue;
        }
      } catch (err) {
        if (!this.running) return;
        this.options.onError?.(err);
      }
      this.caughtUpOnce = true;
      this.release();
      if (!this.running || this.rung) continue;
      // someone waits for a position not visible yet: look again soon rather than at the next poll
      await this.sleep(this.waiters.length > 0 ? 5 : this.options.pollMs ?? 1000);
    }
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

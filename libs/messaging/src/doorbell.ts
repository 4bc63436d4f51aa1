// NATS notifications are a doorbell: after COMMIT, one message per event on
// `<prefix>.events.<category>.<type>` carrying its position. At most once; the log stays the truth:
// a subscriber that misses one reads the log at its next poll.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { RecordedEvent } from '@virtsim/contracts';
import { eventSubject } from './subjects.js';

export interface EventNotification { position: number; streamId: string; type: string; eventId: string }

/** What the doorbell needs of the log (the event store is one): to hear its commits, and to wake its readers. */
export interface DoorbellLog {
  onAppended(listener: (events: RecordedEvent[]) => void): () => void;
  ring(position: number): void;
}

export class NatsDoorbell {
  private constructor(private readonly nc: NatsConnection, private readonly prefix: string) {}

  static async connect(url: string, prefix: string, name = 'virtsim-doorbell'): Promise<NatsDoorbell> {
    // noEcho: this process's own commits reach its subscriptions from the store directly, not back over NATS
    return new NatsDoorbell(await connect({ servers: url, name, noEcho: true, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 500 }), prefix);
  }

  /** publish every committed append of this store */
  announce(store: DoorbellLog): () => void {
    return store.onAppended((events) => this.publish(events));
  }

  publish(events: RecordedEvent[]): void {
    for (const e of events) {
      const n: EventNotification = { position: e.position, streamId: e.streamId, type: e.type, eventId: e.eventId };
      this.nc.publish(eventSubject(this.prefix, e.streamId, e.type), JSON.stringify(n));
    }
  }

  /** ring the store's local bell whenever anyone appends */
  listen(store: DoorbellLog): () => void {
    const sub = this.nc.subscribe(`${this.prefix}.events.>`, {
      callback: (err, msg) => {
        if (err) return;
        try { store.ring((JSON.parse(msg.string()) as EventNotification).position); } catch { /* malformed: ignore, the poll covers it */ }
      },
    });
    return () => sub.unsubscribe();
  }

  get connection(): NatsConnection { return this.nc; }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

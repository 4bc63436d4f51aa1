// The NestJS NATS transport (@nats-io/transport-node underneath), with the installation's subject prefix.
import { ClientNats, ServerNats } from '@nestjs/microservices';

type NatsConn = { subscribe(subject: string, opts: { queue?: string; callback: (err: unknown, msg: unknown) => void }): unknown };

export interface NatsTransportOptions {
  url: string;
  prefix: string;
  /** queue group: several instances of a service share its requests */
  queue?: string;
  name?: string;
}

export class PrefixedNatsServer extends ServerNats {
  constructor(private readonly transport: NatsTransportOptions) {
    super({ servers: [transport.url], queue: transport.queue, name: transport.name, gracefulShutdown: true, gracePeriod: 200 });
  }

  override bindEvents(client: NatsConn): void {
    const queue = this.transport.queue;
    for (const channel of this.messageHandlers.keys()) {
      const sub = client.subscribe(`${this.transport.prefix}.${channel}`, {
        queue,
        callback: this.getMessageHandler(channel).bind(this),
      });
      (this as unknown as { subscriptions: unknown[] }).subscriptions.push(sub);
    }
  }
}

export class PrefixedNatsClient extends ClientNats {
  constructor(private readonly transport: NatsTransportOptions) {
    super({ servers: [transport.url], name: transport.name });
  }

  protected override normalizePattern(pattern: unknown): string {
    return `${this.transport.prefix}.${super.normalizePattern(pattern as string)}`;
  }
}

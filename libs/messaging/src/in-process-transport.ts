// The same patterns without a broker, for the embedded mode: one process, every service.
// Payloads are JSON round-tripped so that handlers see exactly what NATS would deliver.
import { ClientProxy, Server, type CustomTransportStrategy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { unwrapCausal, withinRequest } from './causality.js';

type Handler = (data: unknown) => Promise<unknown>;

export class InProcessBroker {
  private readonly handlers = new Map<string, Handler>();
  private readonly eventHandlers = new Map<string, Handler[]>();

  register(pattern: string, handler: Handler): void {
    if (this.handlers.has(pattern)) throw new Error(`pattern ${pattern} already has a handler in this process`);
    this.handlers.set(pattern, handler);
  }
  onEvent(pattern: string, handler: Handler): void {
    this.eventHandlers.set(pattern, [...(this.eventHandlers.get(pattern) ?? []), handler]);
  }
  unregister(patterns: string[]): void {
    for (const p of patterns) { this.handlers.delete(p); this.eventHandlers.delete(p); }
  }
  handler(pattern: string): Handler | undefined {
    return this.handlers.get(pattern);
  }
  eventListeners(pattern: string): Handler[] {
    return this.eventHandlers.get(pattern) ?? [];
  }
}

const copy = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

export class InProcessServer extends Server implements CustomTransportStrategy {
  private registered: string[] = [];
  constructor(private readonly broker: InProcessBroker) { super(); }

  listen(callback: () => void): void {
    for (const [pattern, handler] of this.getHandlers()) {
      this.registered.push(pattern);
      if (handler.isEventHandler) {
        this.broker.onEvent(pattern, async (data) => { await handler(data); });
        continue;
      }
      this.broker.register(pattern, (packet) => {
        const { data, after, carried } = unwrapCausal(packet);
        return withinRequest(pattern, after, carried, async () => lastValueFrom(this.transformToObservable(await handler(data)), { defaultValue: undefined }));
      });
    }
    callback();
  }
  close(): void { this.broker.unregister(this.registered); }
  on(): void { /* no transport-level events */ }
  unwrap<T>(): T { return this.broker as T; }
}

export class InProcessClient extends ClientProxy {
  constructor(private readonly broker: InProcessBroker) { super(); }
  async connect(): Promise<void> { /* always connected */ }
  close(): void { /* nothing to close */ }
  unwrap<T>(): T { return this.broker as T; }
  on(): void { /* no status events */ }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const pattern = this.normalizePattern(packet.pattern);
    const handler = this.broker.handler(pattern);
    if (!handler) {
      callback({ err: `There are no subscribers listening to that message ("${pattern}")`, isDisposed: true });
      return () => undefined;
    }
    let cancelled = false;
    handler(copy(packet.data)).then(
      (response) => { if (!cancelled) callback({ response: copy(response), isDisposed: true }); },
      (err) => { if (!cancelled) callback({ err: copy(err instanceof Error ? { message: err.message } : err), isDisposed: true }); },
    );
    return () => { cancelled = true; };
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const pattern = this.normalizePattern(packet.pattern);
    await Promise.all(this.broker.eventListeners(pattern).map((h) => h(copy(packet.data))));
    return undefined as T;
  }
}

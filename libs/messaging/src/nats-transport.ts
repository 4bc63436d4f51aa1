// The NestJS NATS transport (@nats-io/transport-node underneath), with the installation's subject prefix.
import { AsyncLocalStorage } from 'node:async_hooks';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { shareSubject } from '@virtsim/contracts';
import { ClientNats, ServerNats, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { CARRIED_HEADERS, CAUSAL_HEADER, unwrapCausal, withinRequest } from './causality.js';

/** keep reconnecting for as long as the process lives: a broker restart only pauses the services */
const RECONNECT = { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 500 };

type NatsConn = { subscribe(subject: string, opts: { queue?: string; callback: (err: unknown, msg: unknown) => void }): unknown };
type NatsSub = { drain(): Promise<void> };

/** the share whose subject (`<subject>.share-<k>`) the request being handled came in on; none: the plain subject */
export const shareArrival = new AsyncLocalStorage<{ share: number }>();

export interface NatsTransportOptions {
  url: string;
  prefix: string;
  /** queue group: several instances of a service share its requests */
  queue?: string;
  name?: string;
}

export class PrefixedNatsServer extends ServerNats {
  constructor(private readonly transport: NatsTransportOptions) {
    super({ servers: [transport.url], queue: transport.queue, name: transport.name, gracefulShutdown: true, gracePeriod: 200, ...RECONNECT });
  }

  /** answer `listen` only once the broker has every subscription: a request sent right after start must find us */
  override start(callback: (err?: unknown) => void): void {
    const nc = (this as unknown as { natsClient: NatsConn & { flush(): Promise<void> } }).natsClient;
    this.bindEvents(nc);
    nc.flush().then(() => callback(), (err: unknown) => callback(err));
  }

  /** the request's causal position, request id and trace context (headers) hold for all of its handling, the reply included */
  override handleMessage(channel: string, natsMsg: Parameters<ServerNats['handleMessage']>[1]): Promise<unknown> {
    const headers = (natsMsg as { headers?: { get(k: string): string } }).headers;
    const after = headers?.get(CAUSAL_HEADER);
    const carried = headers ? Object.fromEntries(CARRIED_HEADERS.map((k) => [k, headers.get(k)]).filter(([, v]) => v)) : {};
    return withinRequest(channel, after ? Number(after) : undefined, Object.keys(carried).length ? carried : undefined, () => super.handleMessage(channel, natsMsg));
  }

  private readonly shareSubs = new Map<number, NatsSub[]>();

  /** Sharded service (issue 22): answer every subject of this server also as `<subject>.share-<share>`, the
   *  requests only the holder of that share may answer; they run within `shareArrival`. */
  async listenShare(share: number): Promise<void> {
    const nc = (this as unknown as { natsClient: NatsConn & { flush(): Promise<void> } }).natsClient;
    if (this.shareSubs.has(share)) return;
    const subs = [...this.messageHandlers.keys()].map((channel) => {
      const handler = this.getMessageHandler(channel).bind(this);
      return nc.subscribe(`${this.transport.prefix}.${shareSubject(channel, share)}`, {
        queue: this.transport.queue,
        callback: (err, msg) => shareArrival.run({ share }, () => handler(err as never, msg as never)),
      }) as NatsSub;
    });
    this.shareSubs.set(share, subs);
    await nc.flush();
  }

  /** stop taking requests for the share; those already received are answered */
  async dropShare(share: number): Promise<void> {
    const subs = this.shareSubs.get(share) ?? [];
    this.shareSubs.delete(share);
    await Promise.all(subs.map((s) => s.drain().catch(() => undefined)));
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
  /** requests waiting for a reply: a broker that goes away loses them, so they fail at once (and are asked
   *  again by whoever retries) instead of waiting for their timeout */
  private readonly inFlight = new Set<(packet: WritePacket) => void>();

  constructor(private readonly transport: NatsTransportOptions) {
    // noAsyncTraces: no stack-trace Error built for every request (a few % of the CPU of a busy service);
    // a timeout still names the subject (request.ts)
    super({ servers: [transport.url], name: transport.name, noAsyncTraces: true, ...RECONNECT } as ConstructorParameters<typeof ClientNats>[0]);
    this.on('disconnect', () => {
      // each settles (and leaves the set) once
      for (const fail of [...this.inFlight]) fail({ err: { code: 'unavailable', message: 'the NATS connection was lost before the answer came', details: {} }, isDisposed: true });
    });
  }

  protected override normalizePattern(pattern: unknown): string {
    return `${this.transport.prefix}.${super.normalizePattern(pattern as string)}`;
  }

  /** request-reply over the connection's shared (muxed) inbox instead of one subscription per request:
   *  same packets and serializers as ClientNats, half the protocol traffic */
  protected override publish(partialPacket: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const { data, after, carried } = unwrapCausal(partialPacket.data);
    const packet = this.assignPacketId({ ...partialPacket, data });
    const nc = (this as unknown as { natsClient: NatsRequester }).natsClient;
    let cancelled = false;
    const settle = (reply: WritePacket) => {
      if (cancelled || !this.inFlight.delete(settle)) return;
      callback(reply);
    };
    this.inFlight.add(settle);
    try {
      const serialized = this.serializer.serialize(packet) as { data: Uint8Array; headers?: unknown };
      const headers = this.mergeHeaders(serialized.headers as never) ?? (after === undefined && !carried ? undefined : natsHeaders());
      if (after !== undefined) (headers as { set(k: string, v: string): void }).set(CAUSAL_HEADER, String(after));
      for (const [k, v] of Object.entries(carried ?? {})) (headers as { set(k: string, v: string): void }).set(k, v);
      nc.request(this.normalizePattern(partialPacket.pattern), serialized.data, { timeout: 3_600_000, headers })
        .then(async (msg) => {
          if (cancelled) return;
          const message = (await this.deserializer.deserialize(msg)) as WritePacket;
          settle({ err: message.err, response: message.response, isDisposed: true });
        })
        .catch((err: { code?: string; message?: string }) => {
          const noResponders = err?.code === '503' || /no responders/i.test(err?.message ?? '');
          settle({ err: noResponders ? `There are no subscribers listening to that message ("${this.normalizePattern(partialPacket.pattern)}")` : err, isDisposed: true });
        });
    } catch (err) {
      settle({ err, isDisposed: true });
    }
    return () => { cancelled = true; this.inFlight.delete(settle); };
  }
}

interface NatsRequester {
  request(subject: string, data: Uint8Array, opts: { timeout: number; headers?: unknown }): Promise<unknown>;
}

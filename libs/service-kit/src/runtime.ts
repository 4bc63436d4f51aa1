// What one process shares between its services: the event store, the transport and the doorbell.
// Embedded (no DATABASE_URL): PGlite under the data folder and the in-process transport.
// Distributed: PostgreSQL and NATS.
import { join } from 'node:path';
import type { ClientProxy, CustomTransportStrategy } from '@nestjs/microservices';
import { EVENT_UPCASTERS } from '@virtsim/contracts';
import { EventStore, openDataSource, UpcasterChain } from '@virtsim/event-store';
import {
  InProcessBroker, InProcessClient, InProcessServer, NatsDoorbell, PrefixedNatsClient, PrefixedNatsServer, type ServiceName,
} from '@virtsim/messaging';
import type { Config } from './config.js';
import { startEmbeddedDb, type EmbeddedDb } from './embedded-db.js';
import { rootLogger } from './logger.js';
import type { Projection } from './projection.js';

export class Runtime {
  readonly projections = new Map<string, Projection<unknown>>();
  private readonly closers: (() => Promise<void> | void)[] = [];
  /** false from a lost NATS connection until it is back (the clients reconnect by themselves) */
  private natsConnected = true;

  private constructor(
    readonly config: Config,
    readonly store: EventStore,
    readonly client: ClientProxy,
    private readonly broker: InProcessBroker | null,
    readonly doorbell: NatsDoorbell | null,
    private readonly embeddedDb: EmbeddedDb | null,
  ) {}

  static async create(config: Config): Promise<Runtime> {
    rootLogger().level = config.LOG_LEVEL;
    const embeddedDb = config.DATABASE_URL ? null : await startEmbeddedDb(join(config.VIRTSIM_DATA_DIR, 'pgdata'));
    const url = config.DATABASE_URL ?? embeddedDb!.url;
    const store = new EventStore(
      await openDataSource({ url, poolSize: embeddedDb ? 1 : 10, synchronousCommit: embeddedDb ? undefined : config.VIRTSIM_SYNC_COMMIT === 'on' }),
      new UpcasterChain([...EVENT_UPCASTERS]),
    );
    if (config.NATS_URL) {
      const prefix = config.VIRTSIM_SUBJECT_PREFIX;
      const client = new PrefixedNatsClient({ url: config.NATS_URL, prefix, name: `virtsim-${config.VIRTSIM_SERVICE}-client` });
      await client.connect();
      const doorbell = await NatsDoorbell.connect(config.NATS_URL, prefix, `virtsim-${config.VIRTSIM_SERVICE}-doorbell`);
      const rt = new Runtime(config, store, client as unknown as ClientProxy, null, doorbell, embeddedDb);
      rt.closers.push(doorbell.announce(store), doorbell.listen(store));
      void rt.followNats(doorbell);
      return rt;
    }
    const broker = new InProcessBroker();
    return new Runtime(config, store, new InProcessClient(broker), broker, null, embeddedDb);
  }

  get transport(): 'nats' | 'in-process' { return this.broker ? 'in-process' : 'nats'; }

  serverFor(service: ServiceName): CustomTransportStrategy {
    if (this.broker) return new InProcessServer(this.broker);
    return new PrefixedNatsServer({ url: this.config.NATS_URL!, prefix: this.config.VIRTSIM_SUBJECT_PREFIX, queue: service, name: `virtsim-${service}` });
  }

  onClose(fn: () => Promise<void> | void): void {
    this.closers.push(fn);
  }

  async databaseUp(): Promise<boolean> {
    try { await this.store.dataSource.query('SELECT 1'); return true; } catch { return false; }
  }

  natsUp(): boolean {
    return this.doorbell ? this.natsConnected && !this.doorbell.connection.isClosed() : true;
  }

  private async followNats(doorbell: NatsDoorbell): Promise<void> {
    for await (const s of doorbell.connection.status()) {
      if (s.type === 'disconnect') this.natsConnected = false;
      else if (s.type === 'reconnect') this.natsConnected = true;
    }
  }

  async close(): Promise<void> {
    for (const c of this.closers.reverse()) await c();
    await this.client.close();
    await this.doorbell?.close();
    await this.store.close();
    await this.embeddedDb?.stop();
  }
}

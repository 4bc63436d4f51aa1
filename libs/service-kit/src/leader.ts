// Active/standby (F2): one vrm holds the leader lease, a PostgreSQL session advisory lock on a
// connection of its own. If that process dies its session ends, the lock is free, and a standby
// polling every second takes it (well within 5 s). A new leader bumps the epoch; the event store
// refuses appends stamped with an older epoch, so a deposed leader that still runs writes nothing.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { EventStore } from '@virtsim/event-store';

const LEASE_KEY = 727_002;

export interface LeaderInfo { epoch: number; holder: string | null; url: string | null }

export class LeaderElector extends EventEmitter {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private busy = false;
  epoch = 0;
  isLeader = false;

  private constructor(private readonly store: EventStore, private readonly url: string | null, readonly holder: string, private readonly advertise: string | null, private readonly pollMs: number) {
    super();
  }

  /** distributed: compete for the lease over `databaseUrl` */
  static compete(store: EventStore, databaseUrl: string, holder: string, advertise: string | null, pollMs = 1000): LeaderElector {
    return new LeaderElector(store, databaseUrl, holder, advertise, pollMs);
  }

  /** embedded: one process, always the leader (still takes a new epoch) */
  static sole(store: EventStore, holder: string, advertise: string | null): LeaderElector {
    return new LeaderElector(store, null, holder, advertise, 0);
  }

  async start(): Promise<void> {
    if (this.url === null) {
      await this.promote(this.store.dataSource.query.bind(this.store.dataSource));
      return;
    }
    await this.attempt();
    this.timer = setInterval(() => void this.attempt(), this.pollMs);
  }

  async info(): Promise<LeaderInfo> {
    const [row] = await this.store.dataSource.query(`SELECT epoch, holder, url FROM virtsim_leader WHERE id = 1`);
    return { epoch: Number(row.epoch), holder: row.holder, url: row.url };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  private async attempt(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (!this.client) await this.connect();
      if (this.isLeader) {
        await this.client!.query('SELECT 1'); // the lease lives as long as this session does
        return;
      }
      const [row] = (await this.client!.query('SELECT pg_try_advisory_lock($1) AS ok', [LEASE_KEY])).rows;
      if (row.ok) await this.promote((sql, params) => this.client!.query(sql, params).then((r) => r.rows));
    } catch (err) {
      this.lose(err);
    } finally {
      this.busy = false;
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url! });
    client.on('error', (err) => this.lose(err));
    await client.connect();
    this.client = client;
  }

  private async promote(query: (sql: string, params: unknown[]) => Promise<any[]>): Promise<void> {
    const result = await query(`UPDATE virtsim_leader SET epoch = epoch + 1, holder = $1, url = $2, acquired_at = now() WHERE id = 1 RETURNING epoch`, [this.holder, this.advertise]);
    // TypeORM answers an UPDATE with [rows, affected]; pg with rows
    const [row] = Array.isArray(result[0]) ? result[0] : result;
    this.epoch = Number(row.epoch);
    this.isLeader = true;
    this.emit('elected', this.epoch);
  }

  private lose(err: unknown): void {
    const c = this.client;
    this.client = null;
    void c?.end().catch(() => undefined);
    if (this.isLeader) {
      this.isLeader = false;
      this.emit('deposed', err);
      // try to take the lease back at once (it is free unless another vrm was faster)
      if (!this.stopped && this.url !== null) setTimeout(() => void this.attempt(), 50);
    }
  }
}

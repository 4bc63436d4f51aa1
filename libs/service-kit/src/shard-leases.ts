// A lease per share (issue 22 item 3), as the vrm's leader lease (leader.ts): a PostgreSQL session advisory lock
// per (service, share) on a connection of the replica's own, so a replica that dies frees its shares with its
// session. Every `pollMs` each replica says it is alive (virtsim_replicas: its session's backend pid), reads which
// replicas of its service are (their session is still there), computes the assignment (shards.ts, the same in
// every replica) and gives back the shares it should no longer hold (a replica joined), then takes the ones it
// should hold that are free (a replica left or died). A take-over bumps the share's epoch (virtsim_shard_leases).
// `acquire` runs before the share counts as held, `release` before its lock is let go: the service folds the
// share's clusters before it answers for them, and stops answering before another replica may start.
import pg from 'pg';
import { SERVICES, type ServiceName } from '@virtsim/messaging';
import { rootLogger } from './logger.js';
import { sharesOf } from './shards.js';

/** the first advisory-lock key of the share leases (the second is the share); one per service */
const LEASE_KEY_BASE = 727_100;

export interface ShareHandlers {
  acquire(share: number): Promise<void>;
  release(share: number): Promise<void>;
}

export interface ShareLease { share: number; epoch: number; holder: string }

export class ShardLeases {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stepping: Promise<void> | null = null;
  private stopped = false;
  /** shares this replica holds and answers for */
  readonly held = new Set<number>();
  private readonly key: number;

  constructor(
    private readonly url: string,
    readonly service: ServiceName,
    readonly replica: string,
    readonly shares: number,
    private readonly handlers: ShareHandlers,
    private readonly pollMs = 1000,
  ) {
    this.key = LEASE_KEY_BASE + SERVICES.indexOf(service);
  }

  /** takes the shares this replica should hold now, then keeps the assignment up to date */
  async start(): Promise<void> {
    await this.step();
    this.timer = setInterval(() => { if (!this.stepping) this.stepping = this.step().finally(() => { this.stepping = null; }); }, this.pollMs);
  }

  /** the leases of this service as recorded (the holder of each share's last take-over) */
  async leases(): Promise<ShareLease[]> {
    const c = await this.connection();
    const r = await c.query(`SELECT share, epoch, holder FROM virtsim_shard_leases WHERE service = $1 ORDER BY share`, [this.service]);
    return r.rows.map((x) => ({ share: Number(x.share), epoch: Number(x.epoch), holder: x.holder }));
  }

  /** gives every share back (the others take them over at their next poll) and leaves */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.stepping;
    for (const share of [...this.held]) await this.give(share).catch(() => undefined);
    await this.client?.query(`DELETE FROM virtsim_replicas WHERE service = $1 AND replica = $2`, [this.service, this.replica]).catch(() => undefined);
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.url });
    client.on('error', (err) => void this.lost(client, err));
    await client.connect();
    this.client = client;
    return client;
  }

  private async step(): Promise<void> {
    if (this.stopped) return;
    try {
      const c = await this.connection();
      await c.query(`
        INSERT INTO virtsim_replicas (service, replica, pid, seen_at) VALUES ($1, $2, pg_backend_pid(), now())
        ON CONFLICT (service, replica) DO UPDATE SET pid = excluded.pid, seen_at = excluded.seen_at`, [this.service, this.replica]);
      // alive: its session is still there (a dead replica's ends with it) and it said so lately (a pid reused)
      const live = (await c.query(`
        SELECT r.replica FROM virtsim_replicas r
        WHERE r.service = $1 AND r.seen_at > now() - make_interval(secs => $2)
          AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.pid)`, [this.service, Math.max(5, (this.pollMs * 10) / 1000)])).rows.map((r) => r.replica as string);
      const want = new Set(sharesOf(this.shares, live, this.replica));
      for (const share of [...this.held]) if (!want.has(share) && !this.stopped) await this.give(share);
      for (const share of want) if (!this.held.has(share) && !this.stopped) await this.take(c, share);
    } catch (err) {
      rootLogger().warn({ err, service: this.service, replica: this.replica }, 'shard leases: a round failed; trying again');
    }
  }

  private async take(c: pg.Client, share: number): Promise<void> {
    const [row] = (await c.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [this.key, share])).rows;
    if (!row.ok) return; // its holder has not given it back yet (or died a moment ago): next round
    try {
      const [lease] = (await c.query(`
        INSERT INTO virtsim_shard_leases (service, share, epoch, holder, acquired_at) VALUES ($1, $2, 1, $3, now())
        ON CONFLICT (service, share) DO UPDATE SET epoch = virtsim_shard_leases.epoch + 1, holder = excluded.holder, acquired_at = excluded.acquired_at
        RETURNING epoch`, [this.service, share, this.replica])).rows;
      await this.handlers.acquire(share);
      this.held.add(share);
      rootLogger().info({ service: this.service, replica: this.replica, share, epoch: Number(lease.epoch) }, 'share taken');
    } catch (err) {
      await c.query('SELECT pg_advisory_unlock($1, $2)', [this.key, share]).catch(() => undefined);
      throw err;
    }
  }

  private async give(share: number): Promise<void> {
    this.held.delete(share);
    await this.handlers.release(share);
    await this.client?.query('SELECT pg_advisory_unlock($1, $2)', [this.key, share]);
    rootLogger().info({ service: this.service, replica: this.replica, share }, 'share given back');
  }

  /** the lease session is gone, and every lock with it: stop answering for all shares, then start over */
  private async lost(client: pg.Client, err: unknown): Promise<void> {
    if (this.client !== client) return;
    this.client = null;
    void client.end().catch(() => undefined);
    rootLogger().error({ err, service: this.service, replica: this.replica }, 'shard leases: the lease session was lost');
    for (const share of [...this.held]) {
      this.held.delete(share);
      await this.handlers.release(share).catch(() => undefined);
    }
  }
}

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

/** told of the shares taken (or given) in one lease round together: one rebuild of the state per round */
export interface ShareHandlers {
  acquire(shares: number[]): Promise<void>;
  release(shares: number[]): Promise<void>;
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
    if (this.held.size > 0) await this.give([...this.held]).catch(() => undefined);
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
      const surplus = [...this.held].filter((s) => !want.has(s));
      if (surplus.length > 0 && !this.stopped) await this.give(surplus);
      const missing = [...want].filter((s) => !this.held.has(s));
      if (missing.length > 0 && !this.stopped) await this.take(c, missing);
    } catch (err) {
      rootLogger().warn({ err, service: this.service, replica: this.replica }, 'shard leases: a round failed; trying again');
    }
  }

  private async take(c: pg.Client, shares: number[]): Promise<void> {
    const locked: number[] = [];
    // a share whose holder has not given it back yet (or died a moment ago) is not free: next round
    for (const share of shares) if ((await c.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [this.key, share])).rows[0].ok) locked.push(share);
    if (locked.length === 0) return;
    try {
      const epochs = (await c.query(`
        INSERT INTO virtsim_shard_leases (service, share, epoch, holder, acquired_at) SELECT $1, s, 1, $3, now() FROM unnest($2::int[]) AS s
        ON CONFLICT (service, share) DO UPDATE SET epoch = virtsim_shard_leases.epoch + 1, holder = excluded.holder, acquired_at = excluded.acquired_at
        RETURNING share, epoch`, [this.service, locked, this.replica])).rows.map((r) => `${r.share}@${r.epoch}`);
      await this.handlers.acquire(locked);
      for (const share of locked) this.held.add(share);
      rootLogger().info({ service: this.service, replica: this.replica, shares: epochs }, 'shares taken');
    } catch (err) {
      for (const share of locked) await c.query('SELECT pg_advisory_unlock($1, $2)', [this.key, share]).catch(() => undefined);
      throw err;
    }
  }

  private async give(shares: number[]): Promise<void> {
    for (const share of shares) this.held.delete(share);
    await this.handlers.release(shares);
    for (const share of shares) await this.client?.query('SELECT pg_advisory_unlock($1, $2)', [this.key, share]);
    rootLogger().info({ service: this.service, replica: this.replica, shares }, 'shares given back');
  }

  /** the lease session is gone, and every lock with it: stop answering for all shares, then start over */
  private async lost(client: pg.Client, err: unknown): Promise<void> {
    if (this.client !== client) return;
    this.client = null;
    void client.end().catch(() => undefined);
    rootLogger().error({ err, service: this.service, replica: this.replica }, 'shard leases: the lease session was lost');
    const shares = [...this.held];
    this.held.clear();
    if (shares.length > 0) await this.handlers.release(shares).catch(() => undefined);
  }
}

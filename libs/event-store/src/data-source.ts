import { DataSource, MigrationExecutor } from 'typeorm';
import { EventLog1700000000001 } from './migrations/001-event-log.js';
import { AppendFunction1700000000002 } from './migrations/002-append-function.js';
import { LeaderEpoch1700000000003 } from './migrations/003-leader-epoch.js';
import { SnapshotCheckpoints1700000000004 } from './migrations/004-snapshot-checkpoints.js';
import { ShardLeases1700000000005 } from './migrations/005-shard-leases.js';

export interface DatabaseOptions {
  url: string;
  /** pool size; embedded PGlite serializes anyway */
  poolSize?: number;
  /** false: commits do not wait for the WAL flush (PostgreSQL's synchronous_commit=off). A crash of the
   *  database server (not of a service) may lose the last few hundred ms of commits; never corrupts. */
  synchronousCommit?: boolean;
}

/** The session advisory lock every process takes around the schema migrations ("virtsim" in ASCII).
 *  Distinct from the append lock (transaction-scoped) and the leader lease. */
export const MIGRATION_LOCK_KEY = 0x76697274736d;

/** TypeORM owns connections and migrations (never `synchronize`); the store issues its own SQL. */
export async function openDataSource(options: DatabaseOptions): Promise<DataSource> {
  const ds = new DataSource({
    type: 'postgres',
    url: options.url,
    migrations: [EventLog1700000000001, AppendFunction1700000000002, LeaderEpoch1700000000003, SnapshotCheckpoints1700000000004, ShardLeases1700000000005],
    migrationsTableName: 'virtsim_migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: { max: options.poolSize ?? 10, ...(options.synchronousCommit === false ? { options: '-c synchronous_commit=off' } : {}) },
  });
  await ds.initialize();
  try {
    await migrateUnderLock(ds);
  } catch (err) {
    await ds.destroy();
    throw err;
  }
  return ds;
}

/** Any number of processes may start together on an empty database: the first to take the lock
 *  migrates, the others wait for it and then find nothing pending. One connection holds the lock and
 *  runs the migrations, so a pool of one (embedded PGlite) works too. */
export async function migrateUnderLock(ds: DataSource): Promise<void> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(ds, runner);
      executor.transaction = 'all';
      await executor.executePendingMigrations();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}

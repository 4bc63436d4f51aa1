import { DataSource } from 'typeorm';
import { EventLog1700000000001 } from './migrations/001-event-log.js';
import { AppendFunction1700000000002 } from './migrations/002-append-function.js';
import { LeaderEpoch1700000000003 } from './migrations/003-leader-epoch.js';
import { SnapshotCheckpoints1700000000004 } from './migrations/004-snapshot-checkpoints.js';

export interface DatabaseOptions {
  url: string;
  /** pool size; embedded PGlite serializes anyway */
  poolSize?: number;
  /** false: commits do not wait for the WAL flush (PostgreSQL's synchronous_commit=off). A crash of the
   *  database server (not of a service) may lose the last few hundred ms of commits; never corrupts. */
  synchronousCommit?: boolean;
}

/** TypeORM owns connections and migrations (never `synchronize`); the store issues its own SQL. */
export async function openDataSource(options: DatabaseOptions): Promise<DataSource> {
  const ds = new DataSource({
    type: 'postgres',
    url: options.url,
    migrations: [EventLog1700000000001, AppendFunction1700000000002, LeaderEpoch1700000000003, SnapshotCheckpoints1700000000004],
    migrationsTableName: 'virtsim_migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: { max: options.poolSize ?? 10, ...(options.synchronousCommit === false ? { options: '-c synchronous_commit=off' } : {}) },
  });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'all' });
  return ds;
}

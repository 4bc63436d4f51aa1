import { DataSource } from 'typeorm';
import { EventLog1700000000001 } from './migrations/001-event-log.js';

export interface DatabaseOptions {
  url: string;
  /** pool size; embedded PGlite serializes anyway */
  poolSize?: number;
}

/** TypeORM owns connections and migrations (never `synchronize`); the store issues its own SQL. */
export async function openDataSource(options: DatabaseOptions): Promise<DataSource> {
  const ds = new DataSource({
    type: 'postgres',
    url: options.url,
    migrations: [EventLog1700000000001],
    migrationsTableName: 'virtsim_migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: { max: options.poolSize ?? 10 },
  });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'all' });
  return ds;
}

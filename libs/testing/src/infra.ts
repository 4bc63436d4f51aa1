// Where tests find PostgreSQL and NATS: DATABASE_URL / NATS_URL (set by Jest's global setup when it started
// them with testcontainers: libs/testing/jest-global-setup.mjs), then the local defaults.
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import pg from 'pg';

const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_NATS = 'nats://127.0.0.1:4222';

export const postgresAdminUrl = () => process.env.DATABASE_URL ?? DEFAULT_PG;
export const natsUrl = () => process.env.NATS_URL ?? DEFAULT_NATS;

function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = netConnect({ host: u.hostname, port: Number(u.port) }, () => { s.end(); resolve(true); });
    s.on('error', () => resolve(false));
    s.setTimeout(2000, () => { s.destroy(); resolve(false); });
  });
}

export async function requireInfra(): Promise<void> {
  const missing: string[] = [];
  if (!(await reachable(postgresAdminUrl()))) missing.push(`PostgreSQL at ${postgresAdminUrl()} (set DATABASE_URL)`);
  if (!(await reachable(natsUrl()))) missing.push(`NATS at ${natsUrl()} (set NATS_URL)`);
  if (missing.length) {
    throw new Error(`integration tests need ${missing.join(' and ')}; start them locally ` +
      `(bash .ci/run does), point the variables at running servers, or make a Docker engine reachable ` +
      `(Jest's global setup then starts both with testcontainers)`);
  }
}

/** A unique name per test file: its own database and its own subject prefix. */
export const uniqueName = (label: string) => `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;

/** Creates an empty database for one test file and returns its URL. */
export async function createTestDatabase(label: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  await requireInfra();
  const name = uniqueName(label);
  const admin = new pg.Client({ connectionString: postgresAdminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(postgresAdminUrl());
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: postgresAdminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

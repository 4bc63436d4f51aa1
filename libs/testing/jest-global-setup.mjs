// Jest global setup: where the integration and end-to-end tests find PostgreSQL 15 and NATS.
// 1. DATABASE_URL / NATS_URL when set; 2. the local defaults (127.0.0.1:5432 as postgres, 127.0.0.1:4222) when
// they answer; 3. otherwise, when a Docker engine is reachable, containers started here with testcontainers
// (postgres:15.15-bookworm, nats:2.12.2-alpine) and their URLs exported to the test workers; stopped by
// jest-global-teardown.mjs. With none of them, nothing is started: every test that needs the infrastructure
// fails with a message saying how to provide it (libs/testing/src/infra.ts). Unit tests need none of it.
// Plain JavaScript: Jest loads global setup without the projects' transform.
import { connect } from 'node:net';

export const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_NATS = 'nats://127.0.0.1:4222';
export const POSTGRES_IMAGE = 'postgres:15.15-bookworm';
export const NATS_IMAGE = 'nats:2.12.2-alpine';

function reachable(url) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = connect({ host: u.hostname, port: Number(u.port) }, () => { s.end(); resolve(true); });
    s.on('error', () => resolve(false));
    s.setTimeout(2000, () => { s.destroy(); resolve(false); });
  });
}

/** only unit tests selected (npm run test:unit: `--selectProjects unit`, which Jest keeps out of the global
 *  config): nothing to provide */
const unitOnly = () => {
  const argv = process.argv;
  const at = argv.indexOf('--selectProjects');
  if (at < 0) return false;
  const next = argv.slice(at + 1).findIndex((a) => a.startsWith('-'));
  const selected = argv.slice(at + 1, next < 0 ? undefined : at + 1 + next);
  return selected.length > 0 && selected.every((p) => p === 'unit');
};

async function dockerReachable() {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export default async function globalSetup() {
  globalThis.__virtsimContainers = [];
  if (unitOnly()) return;
  const needPg = !process.env.DATABASE_URL && !(await reachable(DEFAULT_PG));
  const needNats = !process.env.NATS_URL && !(await reachable(DEFAULT_NATS));
  if (!needPg && !needNats) return;
  if (!(await dockerReachable())) {
    process.stderr.write(`\nvirtsim tests: no ${[needPg && 'PostgreSQL', needNats && 'NATS'].filter(Boolean).join(' or ')} found and no Docker engine to start them; ` +
      'integration and end-to-end tests will fail. Set DATABASE_URL / NATS_URL, run them locally (bash .ci/run starts them) or start Docker.\n');
    return;
  }
  const { GenericContainer, Wait } = await import('testcontainers');
  if (needPg) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const pg = await new PostgreSqlContainer(POSTGRES_IMAGE).withUsername('postgres').withPassword('postgres').withDatabase('postgres').start();
    globalThis.__virtsimContainers.push(pg);
    process.env.DATABASE_URL = pg.getConnectionUri();
  }
  if (needNats) {
    const nats = await new GenericContainer(NATS_IMAGE).withExposedPorts(4222).withWaitStrategy(Wait.forLogMessage(/Server is ready/)).start();
    globalThis.__virtsimContainers.push(nats);
    process.env.NATS_URL = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
  }
  process.stderr.write(`\nvirtsim tests: started with testcontainers: ${[needPg && process.env.DATABASE_URL, needNats && process.env.NATS_URL].filter(Boolean).join(', ')}\n`);
}

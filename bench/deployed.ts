// The system as it is deployed: one process per service (`node dist/launcher/main.js` with VIRTSIM_SERVICE),
// over PostgreSQL and NATS, so the services spread over the machine's cores as in docker-compose or k8s.
import { spawn, type ChildProcess } from 'node:child_process';
import { SERVICES } from '@virtsim/messaging';
import { EventStore, openDataSource } from '@virtsim/event-store';
import { PG_ADMIN, scratchStore, SYNC_COMMIT } from './harness.js';

/** url: the vrm's API; urls: each service's HTTP address (/health, /metrics) */
export interface Deployed { url: string; urls: Record<string, string>; store: EventStore; stop(): Promise<void> }

/** one process per service on a fresh database (or, with `keep`, on the database as it is: a boot on its log);
 *  the database is migrated first so the services do not race */
export async function startDeployed(db: string, env: Record<string, string>, options: { keep?: boolean } = {}): Promise<Deployed> {
  const { url: dbUrl, store } = options.keep ? await existingStore(db) : await scratchStore(db);
  const urls: Record<string, string> = {};
  const children: ChildProcess[] = [];
  const start = (service: string) => new Promise<string>((ok, fail) => {
    // BENCH_SERVICE_NODE_ARGS: node flags for every service process (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof)
    const nodeArgs = process.env.BENCH_SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...nodeArgs, 'dist/launcher/main.js'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env, DATABASE_URL: dbUrl, VIRTSIM_SERVICE: service, PORT: '0', LOG_LEVEL: 'silent' },
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /is up: API (\S+)\/api\/v1/.exec(out);
      if (m) { urls[service] = m[1]!; ok(m[1]!); }
    });
    child.once('exit', (code) => fail(new Error(`${service} exited with ${code}`)));
  });
  try {
    await Promise.all(SERVICES.filter((s) => s !== 'vrm').map(start));
    const url = await start('vrm');
    return {
      url, urls, store,
      stop: async () => {
        await Promise.all(children.map((c) => new Promise<void>((ok) => { if (c.exitCode !== null) return ok(); c.once('exit', () => ok()); c.kill('SIGTERM'); })));
        await store.dataSource.destroy();
      },
    };
  } catch (err) {
    for (const c of children) c.kill('SIGKILL');
    throw err;
  }
}

async function existingStore(db: string): Promise<{ url: string; store: EventStore }> {
  const u = new URL(PG_ADMIN);
  u.pathname = `/${db}`;
  const url = u.toString();
  return { url, store: new EventStore(await openDataSource({ url, poolSize: 4, synchronousCommit: SYNC_COMMIT })) };
}

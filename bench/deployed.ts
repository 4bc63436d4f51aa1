// The system as it is deployed: one process per service (`node dist/launcher/main.js` with VIRTSIM_SERVICE),
// over PostgreSQL and NATS, so the services spread over the machine's cores as in docker-compose or k8s.
import { spawn, type ChildProcess } from 'node:child_process';
import { SERVICES } from '@virtsim/messaging';
import type { EventStore } from '@virtsim/event-store';
import { scratchStore } from './harness.js';

export interface Deployed { url: string; store: EventStore; stop(): Promise<void> }

/** one process per service on a fresh database; the database is migrated first so the services do not race */
export async function startDeployed(db: string, env: Record<string, string>): Promise<Deployed> {
  const { url: dbUrl, store } = await scratchStore(db);
  const children: ChildProcess[] = [];
  const start = (service: string) => new Promise<string>((ok, fail) => {
    const child = spawn(process.execPath, ['dist/launcher/main.js'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env, DATABASE_URL: dbUrl, VIRTSIM_SERVICE: service, PORT: '0', LOG_LEVEL: 'silent' },
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /is up: API (\S+)\/api\/v1/.exec(out);
      if (m) ok(m[1]!);
    });
    child.once('exit', (code) => fail(new Error(`${service} exited with ${code}`)));
  });
  try {
    await Promise.all(SERVICES.filter((s) => s !== 'vrm').map(start));
    const url = await start('vrm');
    return {
      url, store,
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

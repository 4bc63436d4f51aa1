// Fault injection for the fault test and the faults benchmark (issue 14): a private PostgreSQL (initdb +
// pg_ctl on its own port) and a private nats-server, the six services as separate processes, clients
// creating VMs, and the faults: SIGKILL + restart of each service, a PostgreSQL restart, a NATS restart.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SERVICES, type ServiceName } from '@virtsim/messaging';
import { apiClient, hostSpec, type Reply } from './test-api.js';

// the checkout: this file runs from launcher/ (tests) or dist/launcher/ (the benchmark)
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, basename(resolve(here, '..')) === 'dist' ? '../..' : '..');
const PG_BIN = process.env.VIRTSIM_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const NATS_SERVER = process.env.VIRTSIM_NATS_SERVER ?? '/usr/sbin/nats-server';
const run = promisify(execFile);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

/** PostgreSQL refuses to run as root: as root, its commands run as the postgres user */
const asPostgres = (cmd: string, args: string[]) => (process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args));

export class PrivatePostgres {
  private constructor(readonly dir: string, readonly port: number) {}

  get url(): string { return `postgres://postgres@127.0.0.1:${this.port}/postgres`; }

  static async start(): Promise<PrivatePostgres> {
    if (!existsSync(join(PG_BIN, 'initdb'))) throw new Error(`the fault test needs PostgreSQL's initdb/pg_ctl in ${PG_BIN} (set VIRTSIM_PG_BIN)`);
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-pg-'));
    if (process.getuid?.() === 0) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
    await asPostgres(join(PG_BIN, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    const pg = new PrivatePostgres(dir, await freePort());
    await pg.up();
    return pg;
  }

  async up(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300`;
    await asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-o', opts, '-l', join(this.dir, 'log'), '-w', 'start']);
  }

  /** a restart (fast stop): every session is cut, nothing committed is lost. An immediate stop would be a crash
   *  of the database server, which with VIRTSIM_SYNC_COMMIT=off may lose the last commits (README, Fault model) */
  async down(): Promise<void> {
    await asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.down().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class PrivateNats {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  get url(): string { return `nats://127.0.0.1:${this.port}`; }

  static async start(): Promise<PrivateNats> {
    if (!existsSync(NATS_SERVER)) throw new Error(`the fault test needs nats-server at ${NATS_SERVER} (set VIRTSIM_NATS_SERVER)`);
    const nats = new PrivateNats(await freePort());
    await nats.up();
    return nats;
  }

  async up(): Promise<void> {
    const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    await new Promise<void>((ok, fail) => {
      let err = '';
      child.stderr!.on('data', (b: Buffer) => { err += b.toString(); if (err.includes('Server is ready')) ok(); });
      child.once('exit', (code) => fail(new Error(`nats-server exited with ${code}: ${err}`)));
    });
  }

  async down(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (c && c.exitCode === null) await new Promise<void>((ok) => { c.once('exit', () => ok()); c.kill('SIGKILL'); });
  }
}

export interface ServiceEnv { DATABASE_URL: string; NATS_URL: string; VIRTSIM_SUBJECT_PREFIX: string; [k: string]: string }

/** the six services, one process each, as `VIRTSIM_SERVICE=<name> node dist/launcher/main.js` */
export class ServiceProcesses {
  private readonly children = new Map<ServiceName, ChildProcess>();
  private readonly ports = new Map<ServiceName, number>();
  readonly log: string;

  constructor(private readonly env: ServiceEnv, logDir: string) {
    this.log = join(logDir, 'services.log');
  }

  get vrmUrl(): string { return `http://127.0.0.1:${this.ports.get('vrm')}`; }

  async startAll(): Promise<void> {
    await Promise.all(SERVICES.map((s) => this.start(s)));
  }

  async start(name: ServiceName): Promise<void> {
    const port = this.ports.get(name) ?? await freePort();
    this.ports.set(name, port);
    const child = spawn(process.execPath, ['dist/launcher/main.js'], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn', ...this.env, VIRTSIM_SERVICE: name, PORT: String(port), VIRTSIM_ADVERTISE_URL: `http://127.0.0.1:${port}` },
    });
    this.children.set(name, child);
    const keep = (b: Buffer) => appendFileSync(this.log, b.toString().split('\n').filter(Boolean).map((l) => `${name}: ${l}\n`).join(''));
    child.stderr!.on('data', keep);
    await new Promise<void>((ok, fail) => {
      child.stdout!.on('data', (b: Buffer) => { keep(b); if (b.toString().includes(' is up')) ok(); });
      child.once('exit', (code, signal) => fail(new Error(`${name} exited (${code ?? signal}) before it was up; see ${this.log}`)));
    });
  }

  async kill(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.children.get(name);
    this.children.delete(name);
    if (c && c.exitCode === null && c.signalCode === null) await new Promise<void>((ok) => { c.once('exit', () => ok()); c.kill(signal); });
  }

  async stopAll(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await Promise.all(SERVICES.map((s) => this.kill(s, signal)));
  }
}

export interface Fault { name: string; start: number; end: number }

/** each service SIGKILLed and restarted in turn, then PostgreSQL restarted, then NATS; `downMs` each */
export async function injectFaults(procs: ServiceProcesses, pg: PrivatePostgres, nats: PrivateNats, opts: { downMs: number; settleMs: number; order?: ServiceName[] }): Promise<Fault[]> {
  const faults: Fault[] = [];
  const fault = async (name: string, down: () => Promise<void>, up: () => Promise<void>) => {
    const start = performance.now();
    await down();
    await sleep(opts.downMs);
    await up();
    faults.push({ name, start, end: performance.now() });
    await sleep(opts.settleMs);
  };
  for (const s of opts.order ?? ['scheduler', 'memory-manager', 'io-backend', 'ha-monitor', 'migration', 'vrm'] as ServiceName[]) {
    await fault(`kill ${s}`, () => procs.kill(s), () => procs.start(s));
  }
  await fault('restart PostgreSQL', () => pg.down(), () => pg.up());
  await fault('restart NATS', () => nats.down(), () => nats.up());
  return faults;
}

export interface Creation { name: string; start: number; end: number; taskId: string | null; state: 'succeeded' | 'failed' | 'not-accepted' | 'unknown' }

/** `clients` loops, each creating one VM at a time (POST /vms, then following its task) until `stop()` */
export function createVmsUntil(url: () => string, token: string, clusterId: string, clients: number, stopped: () => boolean): Promise<Creation[]> {
  const all: Creation[] = [];
  const client = async (k: number) => {
    for (let i = 0; !stopped(); i++) {
      const api = apiClient(url(), token);
      const name = `f${k}-${i}`;
      const start = performance.now();
      const posted = await postCreation(api, { name, clusterId, vcpus: 1, memoryMiB: 256, guestOs: { family: 'linux', distro: 'ubuntu', version: '22.04' }, disks: [{ sizeGiB: 8, bus: 'virtio' }], nics: [{ model: 'virtio' }], powerOn: true }, stopped);
      if (!posted || posted.status !== 202) {
        all.push({ name, start, end: performance.now(), taskId: null, state: 'not-accepted' });
        await sleep(100);
        continue;
      }
      const taskId: string = posted.body.id;
      const state = await followTask(() => apiClient(url(), token), taskId, stopped);
      all.push({ name, start, end: performance.now(), taskId, state });
    }
  };
  return Promise.all(Array.from({ length: clients }, (_, k) => client(k))).then(() => all);
}

/** as a user would: while the API is unreachable or answers 503 (vrm restarting, no leader yet, database
 *  restarting) the same creation is posted again, for up to 30 s */
async function postCreation(api: ReturnType<typeof apiClient>, body: unknown, stopped: () => boolean): Promise<Reply | null> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const r = await attempt(() => api.post('/vms', body));
    if ((r && r.status !== 503) || performance.now() > deadline || stopped()) return r;
    await sleep(200);
  }
}

/** a reply, or null when the vrm could not be reached (restarting) */
async function attempt(call: () => Promise<Reply>): Promise<Reply | null> {
  try { return await call(); } catch { return null; }
}

async function followTask(api: () => ReturnType<typeof apiClient>, taskId: string, stopped: () => boolean): Promise<Creation['state']> {
  // bounded: a task still open by then counts as left running (the test fails on it rather than hanging)
  const deadline = performance.now() + 100_000;
  while (performance.now() < deadline) {
    const r = await attempt(() => api().get(`/tasks/${taskId}?wait=true`));
    if (r?.status === 200 && (r.body.state === 'succeeded' || r.body.state === 'failed')) return r.body.state;
    if (!r || r.status !== 200) await sleep(stopped() ? 500 : 100);
  }
  return 'unknown';
}

/** a cluster with room for every VM the clients can create */
export async function seedCluster(url: string, token: string, hosts: number): Promise<string> {
  const api = apiClient(url, token);
  const c = await api.post('/clusters', { name: 'faults', cpuOvercommitRatio: 16 });
  if (c.status !== 201) throw new Error(`cluster: ${c.status} ${JSON.stringify(c.body)}`);
  for (let i = 1; i <= hosts; i++) {
    const h = await api.post(`/clusters/${c.body.id}/hosts`, hostSpec(`esx${String(i).padStart(2, '0')}`));
    if (h.status !== 201) throw new Error(`host: ${h.status} ${JSON.stringify(h.body)}`);
  }
  return c.body.id;
}

/** waits until the vrm answers /health (a leader elected, the API served) */
export async function waitForApi(url: string, token: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const r = await attempt(() => apiClient(url, token).get('/tasks?limit=1'));
    if (r?.status === 200) return;
    await sleep(200);
  }
  throw new Error(`the vrm at ${url} did not answer within ${timeoutMs} ms`);
}

/** median end-to-end creation latency of creations started in [from, to) */
export function medianLatency(creations: Creation[], from: number, to: number): number | null {
  const ms = creations.filter((c) => c.start >= from && c.start < to && c.state === 'succeeded').map((c) => c.end - c.start).sort((a, b) => a - b);
  return ms.length ? ms[Math.floor(ms.length / 2)]! : null;
}

/** from a fault's end, the time until creations started within a 1 s window finish within 2x the baseline */
export function recoveryMs(creations: Creation[], fault: Fault, baselineMs: number, horizonMs = 30_000): number | null {
  for (let t = fault.end; t < fault.end + horizonMs; t += 100) {
    const m = medianLatency(creations, t, t + 1000);
    if (m !== null && m <= 2 * baselineMs) return t - fault.end;
  }
  return null;
}

export const logDir = (): string => mkdtempSync(join(tmpdir(), 'virtsim-faults-'));

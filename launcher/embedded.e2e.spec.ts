// `npm start` with no PostgreSQL or NATS in the environment: embedded PGlite + in-process transport,
// /health answers, and the API works with the admin token it created. How long the start takes is printed, not
// asserted (a loaded CI machine is no benchmark; a clean checkout's first start also builds dist/).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

const root = resolve(fileURLToPath(import.meta.url), '../..');
let child: ChildProcess;
let dataDir: string;
let out = '';

afterAll(async () => {
  // npm runs node under a shell: signal the whole process group
  if (child?.pid && child.exitCode === null) {
    process.kill(-child.pid, 'SIGTERM');
    for (let i = 0; i < 100 && groupAlive(child.pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  child?.stdout?.destroy();
  child?.stderr?.destroy();
  if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

test('npm start runs everything embedded and answers /health', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'virtsim-embedded-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', VIRTSIM_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.NATS_URL;
  delete env.VIRTSIM_API_TOKENS;
  const started = performance.now();
  child = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });

  const url = await new Promise<string>((ok, fail) => {
    const timer = setInterval(() => {
      const m = /API (http:\/\/[^/\s]+)\/api\/v1/.exec(out);
      if (m) { clearInterval(timer); ok(m[1]); }
      if (performance.now() - started > 180_000) { clearInterval(timer); fail(new Error(`no API line within 180 s:\n${out}`)); }
    }, 100);
  });
  const health = await fetch(`${url}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok', info: { database: { embedded: true }, messaging: { transport: 'in-process' } } });
  process.stdout.write(`npm start -> /health ok: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

  const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  expect(out).toContain(token);
  const api = apiClient(url, token);
  const c = await api.post('/clusters', { name: 'lab' });
  expect(c.status).toBe(201);
  expect((await api.post(`/clusters/${c.body.id}/hosts`, hostSpec('esx01'))).status).toBe(201);
  const vm = await api.post('/vms?wait=true', vmSpec(c.body.id, 'vm01', { powerOn: true }));
  expect(vm.body).toMatchObject({ state: 'succeeded', result: { hostId: expect.any(String) } });

  // a what-if on the embedded installation: each fork is an embedded database of its own, copied from the log
  const whatif = await api.post('/whatif?wait=true', { seconds: 30, variants: [{ name: 'vm-crash', changes: [{ fault: { vm: 'vm01', kind: 'vmm-process-crash' } }] }] });
  expect(whatif.status).toBe(200);
  expect(whatif.body).toMatchObject({ state: 'succeeded', result: { columns: [{ name: 'baseline' }, { name: 'vm-crash' }] } });
  expect(whatif.body.result.columns[0].figures.vmsRunning).toBe(1);
}, 240_000);

function groupAlive(pid: number): boolean {
  try { process.kill(-pid, 0); return true; } catch { return false; }
}

// Issue 14: VM creations through faults. The six services as separate processes on a private PostgreSQL and a
// private nats-server (launcher/fault-harness.ts); clients create VMs while each service is SIGKILLed and
// restarted (2 s down), then PostgreSQL is restarted, then NATS. Prints creations attempted / succeeded /
// failed, tasks left running, and per fault the time from its end until creation latency is back within 2x.
import { execFileSync } from 'node:child_process';
import {
  createVmsUntil, injectFaults, logDir, medianLatency, PrivateNats, PrivatePostgres, recoveryMs, seedCluster, ServiceProcesses, sleep, waitForApi,
} from '../launcher/fault-harness.js';
import { apiClient } from '../launcher/test-api.js';
import { fmt, record } from './harness.js';

const TOKEN = 'adm';
const CLIENTS = Number(process.env.BENCH_FAULT_CLIENTS ?? 8);
const DOWN_MS = 2000;
/** after each fault, long enough for a recovery to show in the latency */
const SETTLE_MS = 6000;

export async function benchFaults(): Promise<void> {
  execFileSync(process.execPath, ['tools/build.mjs']);
  const pg = await PrivatePostgres.start();
  const nats = await PrivateNats.start();
  const logs = logDir();
  const procs = new ServiceProcesses({ DATABASE_URL: pg.url, NATS_URL: nats.url, VIRTSIM_SUBJECT_PREFIX: 'faults', VIRTSIM_API_TOKENS: `admin:${TOKEN}` }, logs);
  try {
    await procs.startAll();
    await waitForApi(procs.vrmUrl, TOKEN);
    const clusterId = await seedCluster(procs.vrmUrl, TOKEN, 16);
    let stop = false;
    const load = createVmsUntil(() => procs.vrmUrl, TOKEN, clusterId, CLIENTS, () => stop);
    const t0 = performance.now();
    await sleep(8000);
    const faults = await injectFaults(procs, pg, nats, { downMs: DOWN_MS, settleMs: SETTLE_MS });
    stop = true;
    const creations = await load;
    const tasks = await openTasks(procs.vrmUrl);
    const accepted = creations.filter((c) => c.taskId !== null);
    const failed = accepted.filter((c) => c.state === 'failed').length;
    const succeeded = accepted.filter((c) => c.state === 'succeeded').length;
    record({ group: 'faults', name: `creations attempted / accepted / succeeded / failed (${CLIENTS} clients)`,
      ours: `${creations.length} / ${accepted.length} / ${succeeded} / ${failed} (${fmt((100 * failed) / Math.max(1, accepted.length))}% failed)`, target: '<= 1% failed', ok: failed <= accepted.length / 100 });
    record({ group: 'faults', name: 'creations not accepted (an error other than 503, or the API away for over 30 s)', ours: String(creations.length - accepted.length) });
    record({ group: 'faults', name: 'tasks left running', ours: String(tasks), target: '0', ok: tasks === 0 });
    const baseline = medianLatency(creations, t0 + 2000, faults[0]!.start) ?? NaN;
    record({ group: 'faults', name: 'creation latency before the faults (median, POST to task end)', ours: fmt(baseline, ' ms') });
    for (const f of faults) {
      const ms = recoveryMs(creations, f, baseline);
      const infra = f.name.includes('PostgreSQL') || f.name.includes('NATS');
      record({ group: 'faults', name: `${f.name}: back within 2x latency after`, ours: ms === null ? 'not within 30 s' : fmt(ms, ' ms'),
        ...(infra ? { target: '<= 5,000 ms', ok: ms !== null && ms <= 5000 } : {}) });
    }
  } finally {
    await procs.stopAll('SIGKILL');
    await nats.down();
    await pg.destroy();
  }
}

async function openTasks(url: string): Promise<number> {
  const api = apiClient(url, TOKEN);
  let open = 0;
  for (const state of ['queued', 'running']) open += (await api.get(`/tasks?state=${state}&limit=1000`)).body.items.length;
  return open;
}

// Saga steps ride through a restarting service (issue 14): a step that finds no responder is asked again
// with the same key until the service is back; past the retry window the saga compensates and the task
// fails naming the service; the leader's watchdog resumes a saga that no drive loop runs.
import { VmSpec } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { MemoryManager } from '../apps/memory-manager/src/commands.js';
import { Watchdog } from '../apps/vrm/src/watchdog.js';
import { nextId, streams } from '../apps/vrm/src/state.js';
import { Vrm } from '../apps/vrm/src/vrm.service.js';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

const RETRY_SECONDS = 3;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let api: ReturnType<typeof apiClient>;
let clusterId: string;

beforeAll(async () => {
  db = await createTestDatabase('step_retry');
  sys = await startSystem({
    DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('retry'),
    VIRTSIM_API_TOKENS: 'admin:adm', VIRTSIM_STEP_RETRY_SECONDS: String(RETRY_SECONDS),
  });
  api = apiClient(sys.url, 'adm');
  clusterId = (await api.post('/clusters', { name: 'prod', cpuOvercommitRatio: 4 })).body.id;
  expect((await api.post(`/clusters/${clusterId}/hosts`, hostSpec('esx01'))).status).toBe(201);
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

interface TaskBody { id: string; state: string; progress: number; result?: any; error?: any }
const task = async (id: string): Promise<TaskBody> => (await api.get(`/tasks/${id}`)).body;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await sleep(50);
  }
}
const finished = (t: { state: string }) => t.state === 'succeeded' || t.state === 'failed';

test('memory-manager down while a VM is created: the reserve step waits for it and the task succeeds', async () => {
  await sys.stop('memory-manager');
  const r = await api.post('/vms', vmSpec(clusterId, 'web01', { powerOn: true }));
  expect(r.status).toBe(202);
  // placed, and the reserve-memory step requested (and refused by NATS: no responder)
  await until(() => task(r.body.id), (t) => t.progress >= 40);
  await sleep(300);
  await sys.start('memory-manager');
  const done = await until(() => task(r.body.id), finished);
  expect(done).toMatchObject({ state: 'succeeded' });
  expect((await api.get(`/vms/${done.result.vmId}`)).body).toMatchObject({ state: 'running', hostId: expect.any(String) });
});

test('memory-manager down past the retry window: the saga compensates and the task fails naming it', async () => {
  await sys.stop('memory-manager');
  const r = await api.post('/vms', vmSpec(clusterId, 'web02', { powerOn: true }));
  const vmId = r.body.target;
  // the window passes; the compensation of the uncertain reserve step waits for memory-manager too
  await until(() => Promise.resolve(sys.services.get('vrm')!.app.get(Vrm).state.sagas[vmId]?.status), (s) => s === 'compensating');
  await sys.start('memory-manager');
  const done = await until(() => task(r.body.id), finished);
  expect(done).toMatchObject({ state: 'failed', error: { code: 'unavailable', details: { service: 'memory-manager', step: 'reserve-memory' } } });
  expect(done.error.message).toMatch(/memory-manager did not answer for \d+ s/);
  expect((await api.get(`/vms/${vmId}`)).status).toBe(404);
});

test('a saga that no drive loop runs (its loop stopped on a fault) is resumed by the watchdog and its task ends', async () => {
  const vrm = sys.services.get('vrm')!.app.get(Vrm);
  // what VmCreation.create appends, without starting the saga: as if its drive loop had died at once
  const { taskId } = await vrm.run((s) => {
    const vmId = nextId(s, 'vm');
    const id = nextId(s, 't');
    return {
      appends: [
        { streamId: streams.vm(vmId), events: inventory.vmDecider.decide({ type: 'RequestVmCreation', vmId, spec: VmSpec.parse(vmSpec(clusterId, 'web03')) }, s.inventory) },
        { streamId: streams.task(id), events: inventory.taskDecider.decide({ type: 'CreateTask', taskId: id, kind: 'vm.create', target: vmId }, s.tasks) },
      ],
      result: { taskId: id },
    };
  });
  expect((await task(taskId)).state).toBe('queued');
  await sys.services.get('vrm')!.app.get(Watchdog).pass();
  const done = await until(() => task(taskId), finished);
  expect(done).toMatchObject({ state: 'succeeded' });
});

test('a creation task left open with neither a saga nor a VM (e.g. a batch cut short) is failed by the watchdog after 30 s', async () => {
  const vrm = sys.services.get('vrm')!.app.get(Vrm);
  const { taskId } = await vrm.run((s) => {
    const id = nextId(s, 't');
    const events = inventory.taskDecider.decide({ type: 'CreateTask', taskId: id, kind: 'vm.create', target: 'vm999' }, s.tasks);
    return { appends: [{ streamId: streams.task(id), events }], result: { taskId: id } };
  });
  const watchdog = sys.services.get('vrm')!.app.get(Watchdog);
  const seen = performance.now();
  await watchdog.pass(seen);
  expect((await task(taskId)).state).toBe('queued');
  await watchdog.pass(seen + 60_000);
  expect(await until(() => task(taskId), finished)).toMatchObject({ state: 'failed', error: { details: { rule: 'vm.creation', vmId: 'vm999' } } });
});

// Operator calls ride through a restarting service too (issue 14 item 4): asked again with the same key until
// the service is back, instead of the caller getting the 503 at once.
test('ha-monitor down when an operator injects a host fault: the call waits for it and is answered once', async () => {
  const spare = (await api.post(`/clusters/${clusterId}/hosts`, hostSpec('esx-spare'))).body.id;
  await sys.stop('ha-monitor');
  const fault = api.post(`/hosts/${spare}/faults`, { kind: 'hypervisor-crash' });
  await sleep(300);
  await sys.start('ha-monitor');
  expect(await fault).toMatchObject({ status: 202, body: { hostId: spare, kind: 'hypervisor-crash' } });
  expect((await api.post(`/hosts/${spare}/recover`, {})).status).toBe(202);
});

test('migration down when a host enters maintenance: the evacuation waits for it and the VM moves', async () => {
  expect((await api.post(`/clusters/${clusterId}/hosts`, hostSpec('esx03'))).status).toBe(201);
  const r = await api.post('/vms?wait=true', vmSpec(clusterId, 'evac01', { powerOn: true }));
  expect(r.body).toMatchObject({ state: 'succeeded' });
  const source = r.body.result.hostId as string;
  await sys.stop('migration');
  const entering = api.post(`/hosts/${source}/maintenance`, { enter: true });
  await sleep(300);
  await sys.start('migration');
  const entered = await entering;
  expect(entered.status).toBe(201);
  // its VMs are still leaving (their migrations wait for simulated time): vSphere's "entering maintenance"
  expect(entered.body.state).toBe('entering-maintenance');
  expect(entered.body.evacuation.moves.map((m: { vmId: string }) => m.vmId)).toContain(r.body.result.vmId);
  // entering maintenance is a task that follows the VMs leaving (issue 19); it ends when the last one has left
  expect(entered.body.task).toMatchObject({ kind: 'host.maintenance', state: 'queued', progress: 0, target: source });
  const progress: number[] = [];
  const ended = await until(async () => {
    await api.post('/sim/advance', { seconds: 10 });
    const t = await task(entered.body.task.id);
    progress.push(t.progress);
    return t;
  }, finished);
  expect(ended).toMatchObject({ state: 'succeeded', progress: 100, result: { hostId: source, state: 'maintenance' } });
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect((await api.get(`/hosts/${source}`)).body).toMatchObject({ state: 'maintenance', vmCount: 0 });
  await api.post(`/hosts/${source}/maintenance`, { enter: false });
});

// The migration service's own questions to its peers ride through a restarting peer (issue 14): one
// migration.start, asked once, waits for the scheduler and io-backend to come back instead of answering 503.
test('scheduler and io-backend down when migration.start is asked once: it waits for them and starts the migration', async () => {
  const r = await api.post('/vms?wait=true', vmSpec(clusterId, 'mig01', { powerOn: true }));
  expect(r.body).toMatchObject({ state: 'succeeded' });
  const vrm = sys.services.get('vrm')!.app.get(Vrm);
  await sys.stop('scheduler');
  await sys.stop('io-backend');
  const started = vrm.ctx.request<{ migrationId: string; vmId: string }>('migration.start', { vmId: r.body.result.vmId, live: true, idempotencyKey: 'mig01:peers-down' }, 20_000);
  await sleep(500);
  await sys.start('io-backend');
  await sleep(300);
  await sys.start('scheduler');
  expect(await started).toMatchObject({ vmId: r.body.result.vmId, migrationId: expect.any(String) });
});

// A clock tick whose answer is lost is sent again (issue 14): the service answers the repeat from its log.
test('a memory tick carried out whose answer is lost: the clock sends it again, answered from the log, nothing done twice', async () => {
  expect((await api.post('/vms?wait=true', vmSpec(clusterId, 'tick01', { powerOn: true }))).body).toMatchObject({ state: 'succeeded' });
  const memory = sys.services.get('memory-manager')!.app.get(MemoryManager);
  const tick = memory.tick.bind(memory);
  const answers: { tick: number; simTime: number; answer: Awaited<ReturnType<typeof tick>> }[] = [];
  memory.tick = async (req) => {
    const answer = await tick(req);
    answers.push({ tick: req.tick, simTime: req.simTime, answer });
    // the first answer never reaches the vrm
    if (answers.length === 1) throw new Error('connection reset while answering');
    return answer;
  };
  try {
    expect((await api.post('/sim/advance', { seconds: 10 })).status).toBe(200);
  } finally {
    memory.tick = tick;
  }
  expect(answers).toHaveLength(2);
  expect(answers[1]).toMatchObject({ tick: answers[0]!.tick, simTime: answers[0]!.simTime, answer: { repeated: true, events: answers[0]!.answer.events } });
  expect(answers[0]!.answer.events).toBeGreaterThan(0);
});

// Tasks always end (issue 14 item 5): a compensation whose service stays away past its window does not keep the
// task running; the task fails naming the service and the pending compensation, which goes on in the background.
test('memory-manager never answers the compensation: the task ends failed naming it, the compensation goes on', async () => {
  await sys.stop('memory-manager');
  const r = await api.post('/vms', vmSpec(clusterId, 'web04', { powerOn: true }));
  const vmId = r.body.target as string;
  const vrm = sys.services.get('vrm')!.app.get(Vrm);
  const done = await until(() => task(r.body.id), finished);
  expect(done).toMatchObject({ state: 'failed', error: { code: 'unavailable', details: { service: 'memory-manager', compensationPending: 'reserve-memory', step: 'reserve-memory' } } });
  expect(done.error.message).toMatch(/compensation of reserve-memory is still pending: memory-manager did not answer/);
  // still being undone, and the audit says so
  expect(vrm.state.sagas[vmId]?.status).toBe('compensating');
  const audit = (await api.get(`/audit?vm=${vmId}`)).body.items as { type: string; action: string }[];
  expect(audit.filter((e) => e.type === 'VmCreationCompensationRequested').length).toBeGreaterThanOrEqual(1);
  // /health says degraded meanwhile and names the pending compensation
  const health = await api.get('/health');
  expect(health.status).toBe(503);
  expect(health.body.detail).toMatch(/^degraded: compensations: degraded: 1 saga\(s\) being undone/);
  expect(health.body.checks.compensations).toMatchObject({
    status: 'down', pending: 1, sagas: [{ vmId, failedStep: 'reserve-memory', steps: expect.arrayContaining(['reserve-memory']), services: expect.arrayContaining(['memory-manager']) }],
    message: expect.stringMatching(/1 saga\(s\) being undone; waiting for .*memory-manager/),
  });
  // the service comes back: the compensation is done and the saga ends, the task stays as it ended
  await sys.start('memory-manager');
  await until(() => Promise.resolve(vrm.state.sagas[vmId]), (s) => s === undefined);
  const healthy = await api.get('/health');
  expect(healthy.body.info.compensations).toEqual({ status: 'up', pending: 0 });
  expect(healthy.status).toBe(200);
  expect((await api.get(`/vms/${vmId}`)).status).toBe(404);
  expect((await task(r.body.id)).state).toBe('failed');
});

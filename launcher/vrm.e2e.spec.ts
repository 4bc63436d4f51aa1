// The REST contract end to end, every service running over real PostgreSQL and NATS.
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let admin: ReturnType<typeof apiClient>;
let operator: ReturnType<typeof apiClient>;
let auditor: ReturnType<typeof apiClient>;
let clusterId: string;

beforeAll(async () => {
  db = await createTestDatabase('vrm_e2e');
  sys = await startSystem({
    DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('e2e'),
    VIRTSIM_API_TOKENS: 'admin:adm-t,operator:op-t,auditor:aud-t',
  });
  admin = apiClient(sys.url, 'adm-t');
  operator = apiClient(sys.url, 'op-t');
  auditor = apiClient(sys.url, 'aud-t');
  const c = await admin.post('/clusters', { name: 'prod', cpuOvercommitRatio: 4, ha: { enabled: true, hostFailuresTolerated: 1 } });
  expect(c.status).toBe(201);
  clusterId = c.body.id;
  for (const n of ['esx01', 'esx02', 'esx03']) expect((await operator.post(`/clusters/${clusterId}/hosts`, hostSpec(n))).status).toBe(201);
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

const head = async () => (await sys.rt.store.headPosition());

describe('happy path', () => {
  test('a VM is created through the saga (202 + task), placed, reserved, given devices and powered on', async () => {
    const r = await operator.post('/vms?wait=true', vmSpec(clusterId, 'web01', { powerOn: true, disks: [{ sizeGiB: 40, bus: 'virtio' }, { sizeGiB: 10, bus: 'sata' }] }));
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ kind: 'vm.create', state: 'succeeded', progress: 100 });
    const vmId = r.body.result.vmId;
    const vm = await auditor.get(`/vms/${vmId}`);
    expect(vm.status).toBe(200);
    expect(vm.body).toMatchObject({ id: vmId, name: 'web01', state: 'running', hostId: r.body.result.hostId });
    expect(vm.body.numa.nodes).toHaveLength(1);
    expect(vm.body.unavailable).toBeUndefined();
    expect(vm.body.memory).toBeDefined();
    expect(vm.body.cpu).toBeDefined();
    const names = JSON.stringify(vm.body.io);
    expect(names).toContain('/dev/vda');
    expect(names).toContain('/dev/sda');
    const history = await auditor.get(`/vms/${vmId}/history`);
    const types = history.body.items.map((e: { type: string }) => e.type);
    expect(types.indexOf('VmCreationRequested')).toBeLessThan(types.indexOf('VmPlaced'));
    expect(types.indexOf('VmPlaced')).toBeLessThan(types.indexOf('VmCreated'));
  });

  test('POST /vms:batch creates many VMs as one task with n-of-m progress', async () => {
    const vms = Array.from({ length: 12 }, (_, i) => vmSpec(clusterId, `batch${i}`, { vcpus: 1, memoryMiB: 1024 }));
    const r = await operator.post('/vms:batch?wait=true', { vms });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ kind: 'vm.batch', state: 'succeeded', progress: 100, result: { total: 12, succeeded: 12 } });
    const list = await auditor.get(`/vms?clusterId=${clusterId}&limit=5`);
    expect(list.body.items).toHaveLength(5);
    expect(list.body.nextCursor).toBeTruthy();
  });

  test('GET /hosts/:id joins every service; cpu-modes runs a mix in each virtualization mode', async () => {
    const h = await auditor.get('/hosts/h1');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ id: 'h1', threads: 32 });
    expect(h.body.unavailable).toBeUndefined();
    expect(h.body.cpu.capacity.threads).toBe(32);
    expect(h.body.memory).toBeDefined();
    const modes = await auditor.get('/hosts/h1/cpu-modes');
    expect(modes.status).toBe(200);
    expect(JSON.stringify(modes.body.modes)).toContain('trap-and-emulate');
    expect((await auditor.get('/hosts/h1/cpu-modes?mode=warp')).status).toBe(400);
  });

  test('the clock advances in ticks through every service phase', async () => {
    const before = (await auditor.get('/sim/clock')).body;
    const r = await operator.post('/sim/advance', { seconds: 35 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ simTime: before.simTime + 35, ticks: 4 });
  });
});

describe('bad input: clear errors and nothing written', () => {
  test('400 lists each bad field; unknown fields are refused', async () => {
    const before = await head();
    const r = await operator.post('/vms', { ...vmSpec(clusterId, ''), vcpus: 0, color: 'red' });
    expect(r.status).toBe(400);
    expect(r.type).toContain('application/problem+json');
    const paths = r.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'vcpus', '(body)']));
    expect(await head()).toBe(before);
  });

  test('401 without a token, 403 for a role that may not', async () => {
    expect((await apiClient(sys.url, '').get('/clusters')).status).toBe(401);
    expect((await apiClient(sys.url, 'wrong').get('/clusters')).status).toBe(401);
    expect((await operator.post('/clusters', { name: 'x' })).status).toBe(403);
    expect((await auditor.post('/vms', vmSpec(clusterId, 'nope'))).status).toBe(403);
    expect((await auditor.get('/events?limit=1')).status).toBe(200);
  });

  test('404 unknown ids, 409 duplicate names, 413 body too large', async () => {
    expect((await auditor.get('/vms/vm999999')).status).toBe(404);
    expect((await operator.post('/clusters/c999/hosts', hostSpec('x'))).status).toBe(404);
    const dup = await operator.post(`/clusters/${clusterId}/hosts`, hostSpec('esx01'));
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toContain('esx01');
    const before = await head();
    const big = await operator.post('/vms', { ...vmSpec(clusterId, 'big'), note: 'x'.repeat(1_100_000) });
    expect(big.status).toBe(413);
    expect(await head()).toBe(before);
  });

  test('422 when no host fits says which filter rejected how many hosts', async () => {
    const r = await operator.post('/vms?wait=true', vmSpec(clusterId, 'huge', { vcpus: 32, memoryMiB: 1024 * 1024 }));
    expect(r.body.state).toBe('failed');
    expect(r.body.error.code).toBe('unprocessable');
    expect(r.body.error.details.filters).toEqual(expect.arrayContaining([expect.objectContaining({ filter: 'memory', rejected: 3 })]));
    const bad = await operator.post('/vms', vmSpec(clusterId, 'toowide', { vcpus: 33 }));
    expect(bad.status).toBe(422);
    expect(bad.body.rule ?? bad.body.type).toContain('vcpusExceedHost');
  });

  test('concurrent conflicting commands: exactly one wins, the other gets 409', async () => {
    const results = await Promise.all([1, 2].map(() => operator.post(`/clusters/${clusterId}/hosts`, hostSpec('esx-race'))));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
  });
});

describe('saga compensation', () => {
  test('a failing later step (Windows, virtio disk, no Tools: power-on refused) undoes placement, memory and devices', async () => {
    const r = await operator.post('/vms?wait=true', vmSpec(clusterId, 'win01', {
      guestOs: { family: 'windows', version: '2019' }, toolsInstalled: false, powerOn: true,
    }));
    expect(r.body.state).toBe('failed');
    expect(r.body.error.message).toMatch(/virtio|driver/i);
    const vmId = r.body.target;
    expect(vmId).toMatch(/^vm\d+$/);
    const events = (await auditor.get(`/vms/${vmId}/history`)).body.items;
    const types = events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['VmPlaced', 'VmMemoryReserved', 'IoDevicesAttached', 'IoDevicesDetached', 'VmMemoryReleased', 'VmPlacementReleased', 'VmCreationFailed']));
    expect(types.indexOf('IoDevicesDetached')).toBeLessThan(types.indexOf('VmMemoryReleased'));
    expect(types.indexOf('VmMemoryReleased')).toBeLessThan(types.indexOf('VmPlacementReleased'));
  });
});

describe('replay', () => {
  test('state hash and verify: every service rebuilt from 0 equals its live state', async () => {
    const h = await auditor.get('/state/hash');
    expect(h.body.hash).toMatch(/^[0-9a-f]{64}$/);
    const v = await auditor.get('/verify');
    expect(v.body.ok).toBe(true);
    expect(v.body.services).toHaveLength(6);
  });
});

// A VM as files (C3; seed rows 2, 7): GET /vms/:id/export writes a stopped or suspended VM's folder, POST
// /vms:import brings back the same VM in another installation: id (unless taken), spec, BIOS (uuid, boot order),
// power state, the CPU features a suspended guest saw at power-on, and its disks' content descriptors; exported
// again it is the same archive. `name` makes a copy beside the original (new id, new BIOS uuid).
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './test-cli.js';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

const TOKENS = 'admin:adm-t,operator:op-t,auditor:aud-t';
let dbs: Awaited<ReturnType<typeof createTestDatabase>>[] = [];
let a: System;
let b: System;

beforeAll(async () => {
  dbs = [await createTestDatabase('vm_files_a_e2e'), await createTestDatabase('vm_files_b_e2e')];
  a = await startSystem({ DATABASE_URL: dbs[0]!.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('vfa'), VIRTSIM_API_TOKENS: TOKENS });
  b = await startSystem({ DATABASE_URL: dbs[1]!.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('vfb'), VIRTSIM_API_TOKENS: TOKENS });
}, 120_000);
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  for (const db of dbs) await db.drop();
});

/** what makes a VM the same VM: everything but where it runs (and powerOn, an instruction to its creation) */
const identity = (vm: Record<string, any>) => {
  const { clusterId: _c, powerOn: _p, ...spec } = vm.spec;
  return { id: vm.id, name: vm.name, state: vm.state, bios: vm.bios, cpuFeatures: vm.cpuFeatures, pendingVcpus: vm.pendingVcpus, spec };
};

async function setUp(sys: System, clusterName: string, hostName: string) {
  const adm = apiClient(sys.url, 'adm-t');
  const op = apiClient(sys.url, 'op-t');
  const clusterId = (await adm.post('/clusters', { name: clusterName })).body.id as string;
  const hostId = (await op.post(`/clusters/${clusterId}/hosts`, hostSpec(hostName))).body.id as string;
  return { adm, op, clusterId, hostId };
}

test('export from one installation, import into another: the same VMs (stopped and suspended), the same files; a copy beside them', async () => {
  const A = await setUp(a, 'east', 'a1');
  const B = await setUp(b, 'west', 'b1');
  const disks = [{ sizeGiB: 40, bus: 'virtio' }, { sizeGiB: 200, bus: 'scsi' }];

  // A: 'db' stopped with two disks, 'web' powered on then suspended (its guest saw the host's CPU features)
  const db = (await A.op.post('/vms?wait=true', vmSpec(A.clusterId, 'db', { disks, cpuShares: 2000, memoryReservationMiB: 1024 }))).body.result.vmId as string;
  const web = (await A.op.post('/vms?wait=true', vmSpec(A.clusterId, 'web', { powerOn: true, ha: { enabled: true, priority: 'high' } }))).body.result.vmId as string;
  expect((await A.op.post(`/vms/${web}/power`, { action: 'suspend' })).status).toBeLessThan(300);
  const before = { db: (await A.op.get(`/vms/${db}`)).body, web: (await A.op.get(`/vms/${web}`)).body };
  expect(before.web).toMatchObject({ state: 'suspended', cpuFeatures: expect.arrayContaining(['avx2']), bios: { uuid: expect.any(String), bootOrder: ['disk', 'cdrom', 'network'] } });
  expect(before.db.bios.uuid).not.toBe(before.web.bios.uuid);

  // a running VM is not exported: its state changes while it is written
  const running = (await A.op.post('/vms?wait=true', vmSpec(A.clusterId, 'busy', { powerOn: true }))).body.result.vmId as string;
  expect((await A.op.get(`/vms/${running}/export`)).status).toBe(409);

  const exported = async (api: typeof A.op, id: string) => {
    const r = await api.get(`/vms/${id}/export`);
    expect(r.status).toBe(200);
    expect(r.type).toContain('application/x-tar');
    return r.body as Buffer;
  };
  const files = { db: await exported(A.op, db), web: await exported(A.op, web) };
  const imported = async (api: typeof A.op, tarball: Buffer, query: string) => {
    const r = await api.post(`/vms:import?${query}&wait=true`, new Uint8Array(tarball), { 'content-type': 'application/x-tar' });
    expect(r.body).toMatchObject({ state: 'succeeded' });
    return r.body.result.vmId as string;
  };

  // B: both come back under their own ids, in their own states, with their BIOS and CPU features
  expect(await imported(B.op, files.web, `clusterId=${B.clusterId}`)).toBe(web);
  expect(await imported(B.op, files.db, `clusterId=${B.clusterId}`)).toBe(db);
  const after = { db: (await B.op.get(`/vms/${db}`)).body, web: (await B.op.get(`/vms/${web}`)).body };
  expect(identity(after.db)).toEqual(identity(before.db));
  expect(identity(after.web)).toEqual(identity(before.web));
  expect(after.web).toMatchObject({ clusterId: B.clusterId, hostId: B.hostId, state: 'suspended' });
  // exported again from B they are the same files, byte for byte
  expect(Buffer.compare(await exported(B.op, db), files.db)).toBe(0);
  expect(Buffer.compare(await exported(B.op, web), files.web)).toBe(0);

  // the suspended VM resumes there, seeing the features it was powered on with; every service follows it
  expect((await B.op.post(`/vms/${web}/power`, { action: 'resume' })).status).toBeLessThan(300);
  await B.op.post('/sim/advance', { seconds: 20 });
  expect((await B.op.get(`/vms/${web}`)).body).toMatchObject({ state: 'running', cpuFeatures: before.web.cpuFeatures, hostId: B.hostId });
  expect((await B.op.get(`/hosts/${B.hostId}`)).body.vmIds).toEqual(expect.arrayContaining([db, web]));

  // the same VM twice in one installation is refused (one VM per BIOS uuid), nothing written
  const aud = apiClient(b.url, 'aud-t');
  const hash = (await aud.get('/state/hash')).body.hash;
  const again = await B.op.post(`/vms:import?clusterId=${B.clusterId}`, new Uint8Array(files.db), { 'content-type': 'application/x-tar' });
  expect(again.status).toBe(409);
  expect(again.body).toMatchObject({ rule: 'vm.biosUuid', vmId: db });
  expect((await aud.get('/state/hash')).body.hash).toBe(hash);

  // a copy beside the original: new id, new BIOS uuid, the same hardware
  const copy = await imported(B.op, files.db, `clusterId=${B.clusterId}&name=db-copy`);
  expect(copy).not.toBe(db);
  const copied = (await B.op.get(`/vms/${copy}`)).body;
  expect(copied).toMatchObject({ name: 'db-copy', state: 'stopped', bios: { firmware: 'bios', bootOrder: before.db.bios.bootOrder } });
  expect(copied.bios.uuid).not.toBe(before.db.bios.uuid);
  expect({ ...identity(copied).spec, name: 'db' }).toEqual(identity(before.db).spec);
}, 120_000);

test('between clusters of one installation: the original deleted, its id is not given again; the VM keeps its BIOS', async () => {
  const { adm, op, clusterId: north } = await setUp(a, 'north', 'n1');
  const south = (await adm.post('/clusters', { name: 'south' })).body.id as string;
  await op.post(`/clusters/${south}/hosts`, hostSpec('s1'));
  const id = (await op.post('/vms?wait=true', vmSpec(north, 'mover'))).body.result.vmId as string;
  const before = (await op.get(`/vms/${id}`)).body;
  const tarball = (await op.get(`/vms/${id}/export`)).body as Buffer;
  expect((await op.delete(`/vms/${id}?wait=true`)).status).toBeLessThan(300);
  const r = await op.post(`/vms:import?clusterId=${south}&wait=true`, new Uint8Array(tarball), { 'content-type': 'application/x-tar' });
  const moved = (await op.get(`/vms/${r.body.result.vmId}`)).body;
  expect(moved.id).not.toBe(id);
  expect(moved).toMatchObject({ clusterId: south, name: 'mover', state: 'stopped', bios: before.bios });

  // a damaged archive is refused field by field, nothing written
  const bad = Buffer.from(tarball.toString('latin1').replace(/CID=[0-9a-f]{8}/, 'CID=00000000'), 'latin1');
  const refused = await op.post(`/vms:import?clusterId=${south}&name=other`, new Uint8Array(bad), { 'content-type': 'application/x-tar' });
  expect(refused.status).toBe(400);
  expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'disks.0.contentId' })]);
}, 120_000);

async function cli(sys: System, ...args: string[]): Promise<string> {
  return runCli(sys.url, 'op-t', '--json', ...args);
}

test('the CLI: `vms export` writes the archive the API answers, `vms import --name` makes a copy from it', async () => {
  const { op, clusterId } = await setUp(b, 'cli', 'c1');
  const id = (await op.post('/vms?wait=true', vmSpec(clusterId, 'from-cli'))).body.result.vmId as string;
  const dir = await mkdtemp(join(tmpdir(), 'vm-files-'));
  try {
    const file = join(dir, 'from-cli.tar');
    expect(JSON.parse(await cli(b, 'vms', 'export', id, '-o', file))).toMatchObject({ file });
    const written = await readFile(file);
    expect(Buffer.compare(written, (await op.get(`/vms/${id}/export`)).body as Buffer)).toBe(0);
    // the CLI waits for the task and prints its result
    const copyId = JSON.parse(await cli(b, 'vms', 'import', file, '--cluster', clusterId, '--name', 'cli-copy')).vmId as string;
    expect(copyId).not.toBe(id);
    const [orig, copy] = [(await op.get(`/vms/${id}`)).body, (await op.get(`/vms/${copyId}`)).body];
    expect(copy).toMatchObject({ name: 'cli-copy', clusterId, state: 'stopped', bios: { bootOrder: orig.bios.bootOrder } });
    expect(copy.bios.uuid).not.toBe(orig.bios.uuid);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);

// Guest devices through the API and the CLI: Guest Tools on a running Windows VM make its virtio NIC work
// (F1, I3: the seed's fix), a host's physical disk or NVMe device passed through to one VM (I4).
import { jest } from '@jest/globals';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { buildProgram } from '../apps/cli/src/program.js';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let api: ReturnType<typeof apiClient>;
let clusterId: string;

beforeAll(async () => {
  db = await createTestDatabase('guest_devices');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('gdev'), VIRTSIM_API_TOKENS: 'admin:adm' });
  api = apiClient(sys.url, 'adm');
  clusterId = (await api.post('/clusters', { name: 'dev-lab' })).body.id;
});

afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

async function cli(...args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await buildProgram().parseAsync(['node', 'virtsim', '--url', sys.url, '--token', 'adm', '--no-progress', '--json', ...args]);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return out.join('');
}

const create = async (spec: Record<string, unknown>): Promise<string> => {
  const t = await api.post('/vms?wait=true', spec);
  expect(t.body).toMatchObject({ state: 'succeeded' });
  return t.body.result.vmId;
};

test('Windows with a virtio NIC: no driver and no traffic until `virtsim vms tools install`, then the NIC carries I/O', async () => {
  expect((await api.post(`/clusters/${clusterId}/hosts`, hostSpec('tools-01'))).status).toBe(201);
  const win = { guestOs: { family: 'windows', version: '2019' }, disks: [{ sizeGiB: 40, bus: 'sata' }], nics: [{ model: 'virtio' }], workload: { iops: 2000 } };
  const id = await create(vmSpec(clusterId, 'win-nic', { ...win, powerOn: true }));
  const stopped = await create(vmSpec(clusterId, 'win-off', win));
  await api.post('/sim/advance', { seconds: 20 });
  const nic = async () => ((await api.get(`/vms/${id}`)).body.io.devices as any[]).find((d) => d.kind === 'nic');

  const before = await api.get(`/vms/${id}`);
  expect(before.body.spec.toolsInstalled).toBe(false);
  expect(before.body.io.warnings.join(' ')).toContain('Ethernet (virtio) has no driver');
  expect(await nic()).toMatchObject({ guestName: 'Ethernet', mode: 'virtio', frontend: 'Initialising' });
  expect((await nic()).figures?.iops ?? 0).toBe(0);

  // only a running guest takes the installer; the refusal writes nothing
  const hash = (await api.get('/state/hash')).body.hash;
  const refused = await api.post(`/vms/${stopped}/tools:install`, {});
  expect(refused.status).toBe(409);
  expect(refused.body.detail).toContain('stopped');
  expect((await api.post('/vms/vm999/tools:install', {})).status).toBe(404);
  expect((await api.get('/state/hash')).body.hash).toBe(hash);

  const shown = JSON.parse(await cli('vms', 'tools', 'install', id));
  expect(shown).toMatchObject({ vmId: id, toolsInstalled: true, alreadyInstalled: false, reconnected: ['Ethernet'] });
  await api.post('/sim/advance', { seconds: 20 });
  const after = await api.get(`/vms/${id}`);
  expect(after.body.spec.toolsInstalled).toBe(true);
  expect(after.body.io.warnings).toEqual([]);
  expect(await nic()).toMatchObject({ frontend: 'Connected', backend: 'Connected' });
  expect((await nic()).figures.iops).toBeGreaterThan(0);

  // the REST form: a task, already succeeded; a second install changes nothing
  const again = await api.post(`/vms/${id}/tools:install`, {});
  expect(again.status).toBe(202);
  expect(again.body).toMatchObject({ kind: 'vm.tools.install', state: 'succeeded', target: id, result: { alreadyInstalled: true } });
  expect((await api.get(`/tasks/${again.body.id}`)).body.state).toBe('succeeded');
});

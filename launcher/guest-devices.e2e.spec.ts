// Guest devices through the API and the CLI: Guest Tools on a running Windows VM make its virtio NIC work
// (F1, I3: the seed's fix), a host's physical disk or NVMe device passed through to one VM (I4), disks and NICs
// added to and removed from an existing VM with guest names by the bus rules (I5).
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { runCli } from './test-cli.js';
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
  return runCli(sys.url, 'adm', '--json', ...args);
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

test('an NVMe device passed through: /dev/nvme0n1 on the host with vt-d, exclusive, blocks live migration naming it', async () => {
  const nvme = { kind: 'nvme', model: 'Samsung PM9A3' };
  const noVtd = hostSpec('pt-novtd', { pciDevices: [nvme] });
  noVtd.cpu = { ...noVtd.cpu, features: noVtd.cpu.features.filter((f) => f !== 'vt-d') };
  const pt = (await api.post('/clusters', { name: 'pt-lab' })).body.id;
  const novtd = (await api.post(`/clusters/${pt}/hosts`, noVtd)).body.id;
  const withVtd = (await api.post(`/clusters/${pt}/hosts`, hostSpec('pt-vtd', { pciDevices: [nvme] }))).body.id;
  expect((await api.post(`/clusters/${pt}/hosts`, hostSpec('pt-plain'))).status).toBe(201);
  const disks = [{ sizeGiB: 40, bus: 'virtio' }, { sizeGiB: 3840, bus: 'passthrough', device: 'nvme', model: 'Samsung PM9A3' }];

  // a bad spec is refused field by field
  const bad = await api.post('/vms', vmSpec(pt, 'db-bad', { disks: [{ sizeGiB: 10, bus: 'virtio', device: 'nvme' }] }));
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body.errors)).toContain('disks.0.device');

  const db = await create(vmSpec(pt, 'db-1', { disks, powerOn: true, workload: { iops: 50_000 } }));
  const vm = (await api.get(`/vms/${db}`)).body;
  expect(vm.hostId).toBe(withVtd);
  expect(vm.hostId).not.toBe(novtd);
  const dev = (vm.io.devices as any[]).find((d) => d.mode === 'passthrough');
  expect(dev).toMatchObject({ kind: 'disk', guestName: '/dev/nvme0n1', deviceClass: 'pci', pci: { hostModel: 'Samsung PM9A3' } });
  const host = (await api.get(`/hosts/${withVtd}`)).body;
  expect(host.io.pciDevices[0]).toMatchObject({ kind: 'nvme', state: 'assigned', assignedTo: db });

  // exclusive: the only free one is gone, the second VM is refused by the devices filter
  const second = await api.post('/vms?wait=true', vmSpec(pt, 'db-2', { disks }));
  expect(second.body.state).toBe('failed');
  expect(JSON.stringify(second.body.error)).toContain('devices');

  const live = await api.post(`/vms/${db}/migrate?wait=true`, { live: true });
  expect(live.status).toBe(409);
  expect(live.body.detail).toContain('/dev/nvme0n1 (passthrough Samsung PM9A3)');
});

test('disks and NICs on an existing VM: hot-plugged into a running Ubuntu (names by bus), IDE only when stopped, through the CLI', async () => {
  expect((await api.post(`/clusters/${clusterId}/hosts`, hostSpec('plug-01'))).status).toBe(201);
  const id = await create(vmSpec(clusterId, 'plug-vm', { powerOn: true, disks: [{ sizeGiB: 20, bus: 'virtio' }, { sizeGiB: 20, bus: 'scsi' }], nics: [{ model: 'virtio' }] }));
  await api.post('/sim/advance', { seconds: 10 }); // the io-backend discovers the running VM's devices
  const names = (vm: any, kind: string) => (vm.io.devices as any[]).filter((d) => d.kind === kind).map((d) => d.guestName);

  const plugged = JSON.parse(await cli('vms', 'disks', 'add', id, '--size', '100', '--bus', 'virtio'));
  expect(plugged.spec.disks).toHaveLength(3);
  expect(names(plugged, 'disk')).toEqual(['/dev/vda', '/dev/sda', '/dev/vdb']);
  expect((plugged.io.devices as any[]).find((d) => d.guestName === '/dev/vdb')).toMatchObject({ mode: 'virtio', frontend: 'Connected' });

  const nic = await api.post(`/vms/${id}/nics`, { model: 'e1000' });
  expect(nic.status).toBe(200);
  expect(names(nic.body, 'nic')).toEqual(['eth0', 'eth1']);

  // IDE has no hot-plug: refused while running (nothing written), accepted on the stopped VM
  const hash = (await api.get('/state/hash')).body.hash;
  const ide = await api.post(`/vms/${id}/disks`, { sizeGiB: 10, bus: 'ide' });
  expect(ide.status).toBe(409);
  expect(ide.body.detail).toContain('stop the VM first');
  expect((await api.post(`/vms/${id}/disks`, { sizeGiB: 10, bus: 'floppy' })).status).toBe(400);
  expect((await api.delete(`/vms/${id}/disks/x`)).status).toBe(400);
  expect((await api.delete(`/vms/${id}/disks/9`)).status).toBe(404);
  expect((await api.get('/state/hash')).body.hash).toBe(hash);
  await api.post(`/vms/${id}/power`, { action: 'stop' });
  const cold = await api.post(`/vms/${id}/disks`, { sizeGiB: 10, bus: 'ide' });
  expect(cold.status).toBe(200);
  expect(names(cold.body, 'disk')).toEqual(['/dev/vda', '/dev/sda', '/dev/vdb', '/dev/hda']);

  // removing /dev/vda: the next virtio disk becomes /dev/vda
  const removed = JSON.parse(await cli('vms', 'disks', 'remove', id, '0'));
  expect(names(removed, 'disk')).toEqual(['/dev/sda', '/dev/vda', '/dev/hda']);
  const nicGone = JSON.parse(await cli('vms', 'nics', 'remove', id, '1'));
  expect(names(nicGone, 'nic')).toEqual(['eth0']);
  expect(nicGone.spec.nics).toEqual([{ model: 'virtio' }]);
});

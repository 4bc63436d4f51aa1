// I/O virtualization through the API (I2-I4, C2): the same workload on an emulated IDE disk, a virtio
// disk and an SR-IOV VF on one host whose Dom0 is kept busy by a neighbour's virtio storm. Exits per
// request: emulated > virtio > passthrough; throughput: the reverse. Guest device names follow the bus.
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;

afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

test('emulated, virtio and passthrough: exits and throughput in the expected order', async () => {
  db = await createTestDatabase('io_modes');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('io'), VIRTSIM_API_TOKENS: 'admin:adm' });
  const api = apiClient(sys.url, 'adm');
  const c = (await api.post('/clusters', { name: 'io-lab' })).body;
  const vf = { kind: 'nic', model: 'Intel X710 VF' };
  expect((await api.post(`/clusters/${c.id}/hosts`, hostSpec('esx01', { pciDevices: [vf, vf] }))).status).toBe(201);
  const workload = { iops: 100_000, ioSizeKiB: 8, readRatio: 0.7 };
  const specs = {
    emu: vmSpec(c.id, 'emu', { disks: [{ sizeGiB: 20, bus: 'ide' }], nics: [], workload }),
    pv: vmSpec(c.id, 'pv', { disks: [{ sizeGiB: 20, bus: 'virtio' }], nics: [], workload }),
    pt: vmSpec(c.id, 'pt', { disks: [], nics: [{ model: 'sriov' }], workload }),
    storm: vmSpec(c.id, 'storm', { disks: [], nics: Array.from({ length: 8 }, () => ({ model: 'virtio' })), workload: { iops: 8_000_000, ioSizeKiB: 1, readRatio: 0.5 } }),
  };
  const ids: Record<string, string> = {};
  for (const [k, spec] of Object.entries(specs)) {
    const t = await api.post('/vms?wait=true', { ...spec, powerOn: true });
    expect(t.body.state).toBe('succeeded');
    ids[k] = t.body.result.vmId;
  }
  await api.post('/sim/advance', { seconds: 20 });
  const view = async (k: string) => (await api.get(`/vms/${ids[k]}`)).body.io;
  const [emu, pv, pt] = [await view('emu'), await view('pv'), await view('pt')];
  expect(emu.devices[0]).toMatchObject({ guestName: '/dev/hda', mode: 'emulated' });
  expect(pv.devices[0]).toMatchObject({ guestName: '/dev/vda', mode: 'virtio' });
  expect(pt.devices[0]).toMatchObject({ mode: 'passthrough' });
  expect(emu.figures.exitsPerRequest).toBeGreaterThan(pv.figures.exitsPerRequest);
  expect(pv.figures.exitsPerRequest).toBeGreaterThan(pt.figures.exitsPerRequest);
  expect(emu.figures.throughputMiBps).toBeLessThan(pv.figures.throughputMiBps);
  expect(pv.figures.throughputMiBps).toBeLessThan(pt.figures.throughputMiBps);
  // isolation (C2): the storm's neighbour on passthrough keeps its native figures
  expect(pt.figures.dom0CpuMhz).toBe(0);
});

// P4 and C6 through the API: a host with uneven NUMA nodes and where VMs land on it (GET /vms/:id numa, the
// remote-access cost in cpu.charged), and hypervisor products per type (esx guests see pvscsi and vmxnet3).
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  db = await createTestDatabase('numa_products');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('numap'), VIRTSIM_API_TOKENS: 'admin:adm' });
  api = apiClient(sys.url, 'adm');
});

afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

const create = async (spec: Record<string, unknown>): Promise<string> => {
  const t = await api.post('/vms?wait=true', spec);
  expect(t.body).toMatchObject({ state: 'succeeded' });
  return t.body.result.vmId;
};

test('uneven NUMA nodes: a 96 GiB VM fits the 128 GiB node alone; a 24-vCPU VM spans both and is charged the remote access', async () => {
  const clusterId = (await api.post('/clusters', { name: 'numa-lab' })).body.id;
  const layout = { nodes: [{ cores: 8, memoryMiB: 65_536 }, { cores: 8, memoryMiB: 131_072 }] };
  const bad = await api.post(`/clusters/${clusterId}/hosts`, hostSpec('bad', { numaNodes: 1, memoryMiB: 131_072, numa: layout }));
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('NUMA nodes hold 196608 MiB, the host has memoryMiB 131072');
  const host = await api.post(`/clusters/${clusterId}/hosts`, hostSpec('numa-01', { numaNodes: 1, memoryMiB: 196_608, numa: layout }));
  expect(host.status).toBe(201);

  // kvm keeps ceil(512 + 2 % x 196,608) = 4,445 MiB; the 192,163 MiB left split 1 : 2 -> 64,055 + 128,108
  const big = await create(vmSpec(clusterId, 'big', { vcpus: 8, memoryMiB: 98_304, powerOn: true }));
  expect((await api.get(`/vms/${big}`)).body.numa).toEqual({ nodes: [1], vcpusPerNode: [8], memoryMiBPerNode: [98_304] });
  const wide = await create(vmSpec(clusterId, 'wide', { vcpus: 24, memoryMiB: 8192, powerOn: true, workload: { cpuDemandMhz: 4000 } }));
  expect((await api.get(`/vms/${wide}`)).body.numa).toEqual({ nodes: [0, 1], vcpusPerNode: [12, 12], memoryMiBPerNode: [4096, 4096] });

  const hostView = (await api.get(`/hosts/${host.body.id}`)).body;
  expect(JSON.stringify(hostView)).toContain('"physicalMiB":131072,"memoryMiB":128108');

  await api.post('/sim/advance', { seconds: 30 });
  const charged = (await api.get(`/vms/${wide}`)).body.cpu.charged;
  // half its memory is on the other node: 1 + 0.3 x 0.5 = 1.15, charged on the work it stalls
  expect(charged.numaFactor).toBeCloseTo(1.15, 10);
  expect(charged.numaMhz).toBeGreaterThan(0.14 * charged.workloadMhz);
  expect((await api.get(`/vms/${big}`)).body.cpu.charged).toMatchObject({ numaFactor: 1, numaMhz: 0 });
});

test('products per type: an esx host names a virtio disk /dev/sda (pvscsi) and its NIC vmxnet3; esx hosted and workstation bare metal are 400', async () => {
  const clusterId = (await api.post('/clusters', { name: 'esx-lab' })).body.id;
  const hosted = await api.post(`/clusters/${clusterId}/hosts`, hostSpec('esx-hosted', { hypervisor: { type: 'type2', mode: 'hardware-assisted', product: 'esx' } }));
  expect(hosted.status).toBe(400);
  expect(JSON.stringify(hosted.body)).toContain('ESXi is a type 1 (bare-metal) hypervisor');
  expect((await api.post(`/clusters/${clusterId}/hosts`, hostSpec('ws-bare', { hypervisor: { type: 'type1', mode: 'full', product: 'workstation' } }))).status).toBe(400);

  const esx = await api.post(`/clusters/${clusterId}/hosts`, hostSpec('esx-01', { hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'esx' } }));
  expect(esx.status).toBe(201);
  const cpu = (await api.get(`/hosts/${esx.body.id}`)).body.cpu;
  expect(JSON.stringify(cpu)).toContain('"party":"vmkernel"');
  const id = await create(vmSpec(clusterId, 'esx-guest', { powerOn: true }));
  const devices = (await api.get(`/vms/${id}`)).body.io.devices as any[];
  expect(devices.find((d) => d.kind === 'disk')).toMatchObject({ model: 'virtio', guestModel: 'pvscsi', guestName: '/dev/sda' });
  expect(devices.find((d) => d.kind === 'nic')).toMatchObject({ guestModel: 'vmxnet3' });

  const wsCluster = (await api.post('/clusters', { name: 'desk' })).body.id;
  const ws = await api.post(`/clusters/${wsCluster}/hosts`, hostSpec('desk-01', { hypervisor: { type: 'type2', mode: 'full', product: 'workstation' } }));
  expect(ws.status).toBe(201);
  // 32 threads x 2,600 MHz = 83,200; the host OS keeps 10 %
  expect(JSON.stringify((await api.get(`/hosts/${ws.body.id}`)).body)).toContain('"hostOsReservedMhz":8320');
});

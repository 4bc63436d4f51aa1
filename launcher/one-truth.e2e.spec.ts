// One truth per rule (issue 15) through the API: placement refuses, naming its filter, what io-backend would
// refuse at attach-devices, and a host memory reserve / vGPU slice count agree between the services.
//   - SR-IOV NIC: the host without vt-d is passed over, the VM lands on the host with an IOMMU;
//   - vGPU grid-4q on a GPU offering grid-1q..grid-8q (8 GiB): 2 slices, so the third VM is refused at place
//     under `devices` (before, placement counted 4 slices and the task failed later, at attach-devices).
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;

afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

test('placement refuses what io-backend would: SR-IOV needs vt-d, grid-4q is 2 slices of an 8 GiB GPU', async () => {
  db = await createTestDatabase('one_truth');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('truth'), VIRTSIM_API_TOKENS: 'admin:adm' });
  const api = apiClient(sys.url, 'adm');
  const c = (await api.post('/clusters', { name: 'truth' })).body;
  const vf = { kind: 'nic', model: 'Intel X710 VF' };
  const gpu = { kind: 'gpu', model: 'Tesla M60', vgpuProfiles: ['grid-1q', 'grid-2q', 'grid-4q', 'grid-8q'] };
  const noIommu = hostSpec('a-no-iommu', { pciDevices: [vf] });
  noIommu.cpu = { ...noIommu.cpu, features: noIommu.cpu.features.filter((f) => f !== 'vt-d') };
  const a = (await api.post(`/clusters/${c.id}/hosts`, noIommu)).body;
  const b = (await api.post(`/clusters/${c.id}/hosts`, hostSpec('b-iommu', { pciDevices: [vf, gpu] }))).body;
  expect([a.id, b.id].every(Boolean)).toBe(true);

  // a-no-iommu is emptier, so it would win the balance: only the IOMMU rule sends the VM to b-iommu
  const nic = await api.post('/vms?wait=true', vmSpec(c.id, 'sriov-1', { nics: [{ model: 'sriov' }] }));
  expect(nic.body).toMatchObject({ state: 'succeeded', result: { hostId: b.id } });

  const vgpu = (name: string) => api.post('/vms?wait=true', vmSpec(c.id, name, { gpus: [{ mode: 'vgpu', profile: 'grid-4q' }] }));
  expect((await vgpu('g1')).body.state).toBe('succeeded');
  expect((await vgpu('g2')).body.state).toBe('succeeded');
  const third = (await vgpu('g3')).body;
  expect(third.state).toBe('failed');
  expect(third.error.details.step).toBe('place');
  expect(third.error.message).toMatch(/devices/);
  const host = (await api.get(`/hosts/${b.id}`)).body;
  expect(JSON.stringify(host)).toMatch(/grid-4q/);
});

// Issue 15, "overhead charged, not only shown", as a user sees it through the REST API: the README's worked example
// (apps/scheduler/src/overhead-charge.unit.spec.ts) on a running installation. Two clusters, the same six VMs
// (900 MHz, 20,000 IOPS of 4 KiB), four on host 1 and two on host 2: one cluster's VMs have an emulated IDE disk,
// the other's a virtio disk. After 300 simulated seconds (one DRS pass) the emulated cluster's host 1 demands
// more CPU than it can give (ready time), and DRS recommends a move at priority 2; the virtio cluster has no
// ready time and no recommendation. GET /vms/:id shows the charge (cpu.charged) and its effect (cpu.effective).
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let admin: ReturnType<typeof apiClient>;

beforeAll(async () => {
  db = await createTestDatabase('overhead_e2e');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('ovh'), VIRTSIM_API_TOKENS: 'admin:adm-t' });
  admin = apiClient(sys.url, 'adm-t');
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

const small = (name: string) => hostSpec(name, {
  cpu: { sockets: 1, coresPerSocket: 4, threadsPerCore: 1, mhz: 2000, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept'] }, memoryMiB: 65536, numaNodes: 1,
});

/** A cluster of two hosts with four VMs on the first and two on the second, every disk on `bus`. */
async function cluster(bus: 'ide' | 'virtio'): Promise<{ id: string; h1: string; vms: string[] }> {
  const c = await admin.post('/clusters', { name: `ovh-${bus}`, drs: { enabled: true, automation: 'manual', threshold: 3 } });
  expect(c.status).toBe(201);
  const h1 = await admin.post(`/clusters/${c.body.id}/hosts`, small(`${bus}-1`));
  expect(h1.status).toBe(201);
  const vms: string[] = [];
  const create = async (i: number) => {
    const r = await admin.post('/vms?wait=true', vmSpec(c.body.id, `${bus}-vm${i}`, {
      vcpus: 1, disks: [{ sizeGiB: 40, bus }], nics: [], powerOn: true, workload: { cpuDemandMhz: 900, iops: 20000, ioSizeKiB: 4, activeMemoryMiB: 1024 },
    }));
    expect(r.body.state).toBe('succeeded');
    vms.push(r.body.result.id ?? r.body.result.vmId);
  };
  for (let i = 1; i <= 4; i++) await create(i);
  expect((await admin.post(`/clusters/${c.body.id}/hosts`, small(`${bus}-2`))).status).toBe(201);
  for (let i = 5; i <= 6; i++) await create(i);
  return { id: c.body.id, h1: h1.body.id, vms };
}

test('emulated I/O: more host CPU demand, ready time and a priority-2 DRS move; virtio: none of it', async () => {
  const ide = await cluster('ide');
  const virtio = await cluster('virtio');
  expect((await admin.post('/sim/advance', { seconds: 300 })).status).toBe(200);

  const host = async (id: string) => (await admin.get(`/hosts/${id}`)).body.cpu.usage;
  const [ideHost, virtioHost] = [await host(ide.h1), await host(virtio.h1)];
  // 4 x 1,131.6 MHz charged on 7,840 - (3,840 - 160) = 4,160 MHz for VMs (Dom0's IDE back-end beyond its reservation)
  expect(ideHost).toMatchObject({ demandMhz: 4526.4, capacityMhz: 4160, vmCount: 4 });
  expect(virtioHost).toMatchObject({ demandMhz: 3758.4, capacityMhz: 7480, vmCount: 4 });

  const vm = async (id: string) => (await admin.get(`/vms/${id}`)).body.cpu;
  const [ideVm, virtioVm] = [await vm(ide.vms[0]!), await vm(virtio.vms[0]!)];
  expect(ideVm).toMatchObject({ readyPercent: 8.09, charged: { workloadMhz: 900, ioExitMhz: 216, dom0Mhz: 960, demandMhz: 1131.6 } });
  expect(ideVm.effective.throughputPercent).toBeCloseTo(91.91, 1);
  expect(virtioVm).toMatchObject({ readyPercent: 0, charged: { workloadMhz: 900, ioExitMhz: 24, dom0Mhz: 130, demandMhz: 939.6 }, effective: { throughputPercent: 100 } });

  const recs = async (id: string) => (await admin.get(`/clusters/${id}/drs/recommendations`)).body;
  const ideRecs = JSON.stringify(await recs(ide.id));
  expect(ideRecs).toContain('"priority":2');
  expect(ideRecs).toContain('"reason":"load-balance"');
  expect(JSON.stringify(await recs(virtio.id))).not.toContain('load-balance');
});

// `npm start -- --preset small` as a new user meets it: the preset builds the demo inventory through the API, leaves
// the clock running, and names a VM to migrate; a live migration of it then finishes with no advance call and no
// second shell. A second start keeps what is there.
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { applyPreset, PRESET_RATE } from './preset.js';
import { startSystem, type System } from './system.js';
import { apiClient } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;

beforeAll(async () => {
  db = await createTestDatabase('preset_e2e');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('preset'), VIRTSIM_API_TOKENS: 'admin:adm-t' });
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the small preset: 4 hosts, 8 VMs, a running clock, and a VM that migrates live by itself', async () => {
  const api = apiClient(sys.url, 'adm-t');
  const lines = await applyPreset('small', sys.url, 'adm-t');
  expect(lines[0]).toBe('preset small: cluster DC0_C0 with 4 hosts and 8 VMs (DC0_C0_VM0, DC0_C0_VM1 powered on)');
  expect(lines[1]).toContain(`runs at ${PRESET_RATE}x`);
  expect(lines[2]).toBe(`watch a live migration: open ${sys.url}/ui (sign in with the admin token), pick DC0_C0_VM0, press Migrate`);
  expect((await api.get('/sim/clock')).body).toMatchObject({ mode: 'running', rate: PRESET_RATE });

  const vm = ((await api.get('/vms')).body.items as { id: string; name: string; hostId: string }[]).find((v) => v.name === 'DC0_C0_VM0')!;
  const started = await api.post(`/vms/${vm.id}/migrate`, { live: true });
  expect(started.status).toBe(202);
  let task = started.body;
  while (task.state === 'queued' || task.state === 'running') {
    await sleep(200);
    task = (await api.get(`/tasks/${started.body.id}`)).body;
  }
  expect(task).toMatchObject({ state: 'succeeded', progress: 100 });
  const moved = (await api.get(`/vms/${vm.id}`)).body;
  expect(moved.hostId).not.toBe(vm.hostId);

  const again = await applyPreset('small', sys.url, 'adm-t');
  expect(again[0]).toBe('preset small: cluster DC0_C0 is already there; nothing created');
  expect(again[1]).toBe(`the simulated clock already runs (${PRESET_RATE}x)`);
  expect(((await api.get('/vms')).body.items as unknown[])).toHaveLength(8);
  await api.post('/sim/pause');
}, 180_000);

// The CPU chapter through the API and the CLI (issue 16 item 8; P2, C5): the instruction catalogue with the x86
// hole, and an instruction mix run on a host under every mode, with timer interrupts and the vCPU's VMLAUNCH.
import { jest } from '@jest/globals';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { buildProgram } from '../apps/cli/src/program.js';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec } from './test-api.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let api: ReturnType<typeof apiClient>;
let hostId: string;

beforeAll(async () => {
  db = await createTestDatabase('cpu_chapter');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('cpu'), VIRTSIM_API_TOKENS: 'admin:adm' });
  api = apiClient(sys.url, 'adm');
  const c = await api.post('/clusters', { name: 'cpu' });
  hostId = (await api.post(`/clusters/${c.body.id}/hosts`, hostSpec('esx01'))).body.id;
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

test('GET /cpu/instructions: x86 has 19 sensitive-unprivileged instructions, PowerPC none', async () => {
  const r = await api.get('/cpu/instructions');
  expect(r.status).toBe(200);
  const [x86, ppc] = r.body.items;
  expect(x86).toMatchObject({ arch: 'x86', classicallyVirtualizable: false, sensitiveUnprivileged: { count: 19 } });
  expect(ppc).toMatchObject({ arch: 'powerpc', classicallyVirtualizable: true, sensitiveUnprivileged: { count: 0 } });
  expect((await api.get('/cpu/instructions?arch=sparc')).status).toBe(400);
});

test('POST /hosts/:id/cpu-modes runs the mix under every mode; paravirtual Windows is refused in place', async () => {
  const mix = { kernel: { ADD: 1000 }, timerInterrupts: 10 };
  const r = await api.post(`/hosts/${hostId}/cpu-modes`, { mix });
  expect(r.status).toBe(200);
  expect(r.body.modes['hardware-assisted'].totals).toMatchObject({ cycles: 20_800, vmExits: 10, vmLaunches: 1, vmResumes: 10, vmEntries: 11 });
  expect(r.body.modes['trap-and-emulate'].totals).toMatchObject({ cycles: 18_000, traps: 10 });
  const win = await api.post(`/hosts/${hostId}/cpu-modes`, { mix, guestFamily: 'windows' });
  expect(win.body.modes.paravirtual).toMatchObject({ refused: { rule: 'cpu.paravirtualGuest' } });
});

test('bad mixes: 400 naming the field; an unknown host: 404', async () => {
  const unknown = await api.post(`/hosts/${hostId}/cpu-modes`, { mix: { kernel: { FROB: 1 } } });
  expect(unknown.status).toBe(400);
  expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'mix.kernel.FROB' })]);
  const ring3 = await api.post(`/hosts/${hostId}/cpu-modes`, { mix: { kernel: {}, user: { LGDT: 1 } } });
  expect(ring3.status).toBe(400);
  expect((await api.post(`/hosts/${hostId}/cpu-modes`, { mix: { kernel: { ADD: -1 } } })).status).toBe(400);
  expect((await api.post('/hosts/nope/cpu-modes', { mix: { kernel: { ADD: 1 } } })).status).toBe(404);
});

test('virtsim cpu modes and cpu instructions', async () => {
  const out: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  try {
    await buildProgram().parseAsync(['node', 'virtsim', '--url', sys.url, '--token', 'adm', 'cpu', 'modes', hostId, '--kernel', 'ADD=1000', '--timer', '10']);
    await buildProgram().parseAsync(['node', 'virtsim', '--url', sys.url, '--token', 'adm', 'cpu', 'instructions', '--arch', 'x86']);
  } finally {
    spy.mockRestore();
  }
  const text = out.join('');
  expect(text).toMatch(/hardware-assisted\s+0\s+10\s+1\+10\s+0\s+0\s+20800\s+246\.67/);
  expect(text).toMatch(/x86: NOT classically virtualizable: 19 sensitive x86 instructions run unprivileged/);
});

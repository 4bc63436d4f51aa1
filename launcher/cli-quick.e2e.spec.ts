// The CLI with no YAML (issue 19): `clusters add-host <c> --cpu 2x8x2 --mem 256G` and `vms create <name> --vcpus 2
// --mem 4G --os ubuntu/22.04`, both sent through the generated typed client (libs/client); a refusal comes back
// as the API's problem document.
import { jest } from '@jest/globals';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { buildProgram } from '../apps/cli/src/program.js';
import { startSystem, type System } from './system.js';
import { apiClient } from './test-api.js';

let sys: System;
let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase('cli_quick');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('cli_quick'), VIRTSIM_API_TOKENS: 'admin:adm' });
});
afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

async function cli(...args: string[]): Promise<{ out: string; err: string; failed: boolean }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; });
  const code = process.exitCode;
  let failed: boolean;
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'virtsim', '--url', sys.url, '--token', 'adm', '--no-progress', ...args]);
    failed = process.exitCode !== undefined && process.exitCode !== 0 && process.exitCode !== code;
  } catch (error) {
    failed = true;
    err.push((error as Error).message); // main.ts prints a thrown CliError's message
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = code;
  }
  return { out: out.join(''), err: err.join(''), failed };
}

test('add a host and create a VM from flags', async () => {
  const api = apiClient(sys.url, 'adm');
  const cluster = (await api.post('/clusters', { name: 'quick' })).body;
  const added = await cli('clusters', 'add-host', cluster.id, '--name', 'h-quick', '--cpu', '2x8x2', '--mem', '256G');
  expect(added.failed).toBe(false);
  const host = (await api.get(`/clusters/${cluster.id}/hosts`)).body.items[0];
  expect(host).toMatchObject({ name: 'h-quick', threads: 32, spec: { memoryMiB: 262144, cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2 } } });

  const created = await cli('vms', 'create', 'web1', '--cluster', cluster.id, '--vcpus', '2', '--mem', '4G', '--os', 'ubuntu/22.04');
  expect(created.failed).toBe(false);
  const vm = (await api.get(`/vms?clusterId=${cluster.id}`)).body.items[0];
  expect(vm).toMatchObject({ name: 'web1', vcpus: 2, memoryMiB: 4096, spec: { guestOs: { family: 'linux', distro: 'ubuntu', version: '22.04' } } });

  // a bad size is refused by the CLI; a spec the API refuses comes back with the API's field errors
  expect((await cli('vms', 'create', 'web2', '--cluster', cluster.id, '--mem', 'lots')).failed).toBe(true);
  const refused = await cli('vms', 'create', 'web3', '--cluster', cluster.id, '--vcpus', '9999');
  expect(refused.failed).toBe(true);
  expect(refused.err).toMatch(/400 .*\n.*vcpus/);
});

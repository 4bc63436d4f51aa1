// The CLI with no YAML (issue 19): `clusters add-host <c> --cpu 2x8x2 --mem 256G` and `vms create <name> --vcpus 2
// --mem 4G --os ubuntu/22.04`, both sent through the generated typed client (libs/client); a refusal comes back
// as the API's problem document.
import { jest } from '@jest/globals';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { buildProgram } from '../apps/cli/src/program.js';
import { main } from '../apps/cli/src/cli-main.js';
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

test('lists for people: usage columns and a summary, -o wide|json|yaml, lookup by name, a shared name refused', async () => {
  const api = apiClient(sys.url, 'adm');
  const cluster = (await api.post('/clusters', { name: 'views' })).body;
  expect((await cli('clusters', 'add-host', 'views', '--name', 'hv1', '--cpu', '1x8x2', '--mem', '64G')).failed).toBe(false);
  expect((await cli('vms', 'create', 'app', '--cluster', 'views', '--vcpus', '4', '--mem', '8G', '--power-on')).failed).toBe(false);
  // names are unique within a cluster, not across them
  const other = (await api.post('/clusters', { name: 'views-2' })).body;
  expect((await cli('clusters', 'add-host', 'views-2', '--name', 'hv2', '--cpu', '1x4x2', '--mem', '16G')).failed).toBe(false);
  expect((await cli('vms', 'create', 'twin', '--cluster', cluster.id, '--vcpus', '1', '--mem', '1G')).failed).toBe(false);
  const t2 = await cli('vms', 'create', 'twin', '--cluster', other.id, '--vcpus', '1', '--mem', '1G');
  expect(t2.err).toBe('');

  const hosts = await cli('hosts', 'list', '--cluster', 'views');
  expect(hosts.out).toMatch(/^NAME +STATE +CLUSTER +VMS +CPU USED +MEMORY USED\n/);
  expect(hosts.out).toMatch(/^hv1 +connected +views +2 +4\/16 \(25%\) +8 GiB\/64 GiB \(13%\)$/m);
  expect(hosts.out).toMatch(/^1 host: 1 connected$/m);
  expect(hosts.out).not.toContain('\u001b['); // not a terminal: no colour

  const vms = await cli('vms', 'ls', '--cluster', 'views', '-o', 'wide');
  expect(vms.out).toMatch(/^NAME +ID +POWER +HOST +VCPU +MEMORY +CLUSTER/);
  expect(vms.out).toMatch(/^app +vm\S+ +running +hv1 +4 +8 GiB +views/m);
  expect(vms.out).toMatch(/^2 VMs: 1 running, 1 stopped$/m);

  const app = await cli('vms', 'get', 'app', '-o', 'json');
  expect(JSON.parse(app.out)).toMatchObject({ name: 'app', vcpus: 4, memoryMiB: 8192, clusterId: cluster.id });
  const yaml = await cli('clusters', 'get', 'views', '-o', 'yaml');
  expect(yaml.out).toMatch(/^name: views$/m);
  expect((await cli('vms', 'get', 'app')).out).toMatch(/^Name +app\nPower +running\nHost +hv1\nvCPU +4\nMemory +8 GiB$/m);

  const twin = await cli('vms', 'get', 'twin');
  expect(twin.failed).toBe(true);
  expect(twin.err).toContain('2 vms are named "twin": give the id');
  expect((await cli('vms', 'get', 'nothing-like-it')).err).toContain('no vm with id or name "nothing-like-it"');
});

test('--json: a failure is a problem document on stderr (the API\'s, or the CLI\'s own), exit codes kept', async () => {
  const err: string[] = [];
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; });
  const o = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const run = async (...args: string[]) => {
    err.length = 0;
    const code = await main(['node', 'virtsim', '--url', sys.url, '--token', 'adm', '--no-progress', ...args]);
    return { code, problem: JSON.parse(err.join('')) as Record<string, unknown> };
  };
  try {
    const cluster = (await apiClient(sys.url, 'adm').post('/clusters', { name: 'problems' })).body;
    const refused = await run('--json', 'vms', 'create', 'big', '--cluster', cluster.id, '--vcpus', '9999');
    expect(refused.code).toBe(1);
    expect(refused.problem).toMatchObject({ status: 400, title: expect.any(String), instance: 'POST /vms' });
    expect(String(refused.problem.type)).toMatch(/^https:\/\/virtsim\.dev\/problems\//);
    const missing = await run('vms', 'get', 'no-such-vm', '-o', 'json');
    expect(missing).toEqual({ code: 2, problem: { type: 'https://virtsim.dev/problems/cli/usage', title: 'Invalid command line', detail: 'no vm with id or name "no-such-vm"' } });
    const badFlag = await run('--json', 'hosts', 'list', '--nope');
    expect(badFlag.code).toBe(2);
    expect(badFlag.problem).toMatchObject({ type: 'https://virtsim.dev/problems/cli/usage', detail: "unknown option '--nope'" });
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
});

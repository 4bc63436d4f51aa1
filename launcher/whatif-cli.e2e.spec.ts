// `virtsim whatif <file>` and `virtsim invariants` through the CLI's own program against a running system: the
// file's cluster is built, forked, its timeline run in the baseline and a variant, the table printed.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { runCli } from './test-cli.js';
import { startSystem, type System } from './system.js';

let sys: System;
let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase('whatif_cli');
  sys = await startSystem({ DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('whatif_cli'), VIRTSIM_API_TOKENS: 'admin:adm' });
});

afterAll(async () => {
  await sys?.stop();
  await db?.drop();
});

const FILE = `
name: small
cluster: { name: small, ha: { enabled: true } }
templates:
  vm: { vcpus: 1, memoryMiB: 1024, guestOs: { family: linux, version: "22.04" }, powerOn: true, ha: { enabled: true } }
hosts:
  - name: "esx-{n}"
    count: 3
    cpu: { sockets: 1, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: intel, model: x, features: [vmx, ept] }
    memoryMiB: 32768
    hypervisor: { type: type1, mode: hardware-assisted }
vms:
  - { name: "app-{n}", count: 4, template: vm }
timeline:
  - at: 30s
    fault: { host: esx-1, kind: power-loss }
  - at: 40s
    expect: { invariants: hold }
whatif: { seconds: 90 }
variants:
  - name: drs-on
    changes: [{ policy: { drs: { enabled: true, automation: automatic, threshold: 3 } } }]
`;

async function cli(...args: string[]): Promise<string> {
  return runCli(sys.url, 'adm', ...args);
}

test('virtsim whatif prints the side-by-side table; virtsim invariants says they hold', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'virtsim-whatif-'));
  const file = join(dir, 'small.yaml');
  await writeFile(file, FILE);
  const table = await cli('whatif', file);
  const lines = table.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^\s+baseline\s+drs-on$/);
  expect(lines.find((l) => l.startsWith('VMs running'))).toMatch(/^VMs running\s+4\s+4$/);
  expect(lines.find((l) => l.startsWith('hosts powered on'))).toMatch(/\s+2\s+2$/);
  expect(lines.find((l) => l.startsWith('HA restarts'))).toMatch(/^HA restarts\s+[1-9]\d*\s+[1-9]\d*$/);
  // esx-1 fails at 30 s: HA detects it, fences, and restarts its VMs elsewhere some seconds later
  expect(lines.find((l) => l.startsWith('HA recovery s (max)'))).toMatch(/^HA recovery s \(max\)\s+[1-9]\d*\s+[1-9]\d*$/);
  expect(lines.find((l) => l.startsWith('invariant breaches'))).toMatch(/\s+0\s+0$/);
  expect(lines.find((l) => l.startsWith('final state hash'))).toMatch(/^final state hash\s+[0-9a-f]{12}\s+[0-9a-f]{12}$/);

  const inv = await cli('invariants');
  expect(inv).toContain('every invariant holds');
  expect(inv).toMatch(/vm-single-host\s+holds/);
});

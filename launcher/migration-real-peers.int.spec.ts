// migration next to the REAL scheduler and io-backend (in-process): the request shapes of select-host,
// select-hosts and can-migrate as those services answer them, a named target that is too small, an evacuation.
import type { EventOf } from '@virtsim/contracts';
import { ClusterSpec, HostSpec, VirtsimError, VmSpec } from '@virtsim/contracts';
import { bootService, loadConfig, Runtime, type RunningService } from '@virtsim/service-kit';
import { createTestDatabase, uniqueName } from '@virtsim/testing';
import { ioBackendDefinition } from '../apps/io-backend/src/service.js';
import { schedulerDefinition } from '../apps/scheduler/src/service.js';
import { migrationDefinition } from '../apps/migration/src/service.js';
import type { MigrationServiceState } from '../apps/migration/src/state.js';

const host = (hostId: string, memoryMiB: number): EventOf => ({
  type: 'HostAdded',
  data: {
    hostId, clusterId: 'c1',
    spec: HostSpec.parse({
      name: hostId, memoryMiB, numaNodes: 1, migrationNetworkGbps: 10, hypervisor: { type: 'type1', mode: 'hardware-assisted' },
      cpu: { sockets: 1, coresPerSocket: 16, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept', 'sse4_2', 'avx2'] },
    }),
  },
});
const vm = (vmId: string, hostId: string, memoryMiB: number, running = true): EventOf[] => [
  { type: 'VmCreationRequested', data: { vmId, spec: VmSpec.parse({ name: vmId, clusterId: 'c1', vcpus: 2, memoryMiB, guestOs: { family: 'linux', version: '22.04' } }) } },
  { type: 'VmPlaced', data: { vmId, clusterId: 'c1', hostId, numa: { nodes: [0], vcpusPerNode: [2], memoryMiBPerNode: [memoryMiB] }, brokenShouldRules: [], reason: 'seed' } },
  { type: 'VmStateChanged', data: { vmId, clusterId: 'c1', hostId, from: 'creating', to: 'stopped', reason: 'seed' } },
  ...(running ? [
    { type: 'VmStateChanged', data: { vmId, clusterId: 'c1', hostId, from: 'stopped', to: 'starting', reason: 'seed' } },
    { type: 'VmStateChanged', data: { vmId, clusterId: 'c1', hostId, from: 'starting', to: 'running', reason: 'seed' } },
  ] : []),
];

describe('migration with the real scheduler and io-backend (in-process)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let rt: Runtime;
  let svc: RunningService<MigrationServiceState>;
  const peers: RunningService<unknown>[] = [];
  const ask = (pattern: string, data: unknown) => svc.ctx.request<any>(pattern, data, 20000);
  const fails = (pattern: string, data: unknown) => ask(pattern, data).then(() => { throw new Error(`${pattern} answered`); }, (e) => VirtsimError.from(e));

  beforeAll(async () => {
    db = await createTestDatabase('mig_peers');
    rt = await Runtime.create(loadConfig({ DATABASE_URL: db.url, VIRTSIM_SUBJECT_PREFIX: uniqueName('migp'), LOG_LEVEL: 'silent' }));
    await rt.store.append({ streamId: 'cluster-c1', expectedVersion: 'any', events: [
      { type: 'ClusterCreated', data: { clusterId: 'c1', spec: ClusterSpec.parse({ name: 'c1' }) } },
      host('big1', 262144), host('big2', 262144), host('tiny', 4096),
      ...vm('v1', 'big1', 8192), ...vm('v2', 'big1', 4096), ...vm('v3', 'big1', 2048, false),
    ] }, { simTime: 0 });
    peers.push(await bootService(rt, schedulerDefinition) as RunningService<unknown>, await bootService(rt, ioBackendDefinition) as RunningService<unknown>);
    svc = await bootService(rt, migrationDefinition);
  });
  afterAll(async () => {
    await svc.stop();
    for (const p of peers) await p.stop();
    await rt.close();
    await db.drop();
  });

  test('a named target without room is refused naming the placement filter; without a target the scheduler picks one', async () => {
    const err = await fails('migration.start', { vmId: 'v1', targetHostId: 'tiny' });
    expect(err).toMatchObject({ code: 'unprocessable', details: { rule: 'migration.capacity', hostId: 'tiny' } });
    expect(err.message).toMatch(/memory/);
    const r = await ask('migration.start', { vmId: 'v1' });
    expect(r).toMatchObject({ sourceHostId: 'big1', state: 'running' });
    expect(['big2', 'tiny']).toContain(r.targetHostId);
    const requested = (await rt.store.readStream('migration-c1')).find((e) => e.type === 'MigrationRequested')!;
    expect((requested.data as { numa: { nodes: number[] } }).numa.nodes.length).toBeGreaterThan(0);
  });

  test('evacuation plans through scheduler.select-hosts (dry run), live for running, cold for stopped', async () => {
    const dry = await ask('migration.evacuate', { hostId: 'big1', reason: 'maintenance', dryRun: true });
    expect(dry.alreadyMoving).toEqual(['v1']);
    expect(dry.moves).toEqual([
      expect.objectContaining({ vmId: 'v2', live: true, targetHostId: 'big2' }),
      expect.objectContaining({ vmId: 'v3', live: false }),
    ]);
  });
});

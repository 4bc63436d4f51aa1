// The clusters controller over an in-memory vrm (apps/vrm/test/in-memory-vrm.ts): what it appends, to which
// stream, what it answers, and that a refused command writes nothing. No HTTP, PostgreSQL or NATS.
import { ClusterSpec, HostSpec, VirtsimError } from '@virtsim/contracts';
import { inMemoryVrm } from '../../test/in-memory-vrm.js';
import { ClustersController } from './clusters.controller.js';

const hostSpec = (name: string) => HostSpec.parse({
  name, memoryMiB: 65536, cpu: { sockets: 1, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept'] },
  hypervisor: { type: 'type1', mode: 'hardware-assisted' },
});
const refusalOf = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e as VirtsimError);

describe('clusters controller, in memory', () => {
  it('POST /clusters appends ClusterCreated to cluster-c1 and answers the cluster with its contract defaults', async () => {
    const world = inMemoryVrm([]);
    const created = await new ClustersController(world.vrm).create(ClusterSpec.parse({ name: 'prod' }));
    expect(created).toMatchObject({ id: 'c1', name: 'prod', hostCount: 0, cpuOvercommitRatio: 4 });
    expect(world.log.map((e) => [e.streamId, e.streamVersion, e.type])).toEqual([['cluster-c1', 1, 'ClusterCreated']]);
  });

  it('a host joins its cluster stream at the next version; an unknown cluster is not-found and nothing is written', async () => {
    const world = inMemoryVrm([]);
    const clusters = new ClustersController(world.vrm);
    await clusters.create(ClusterSpec.parse({ name: 'prod' }));
    expect(await clusters.addHost('c1', hostSpec('host-1'))).toMatchObject({ id: 'h1', clusterId: 'c1', power: 'on' });
    expect(world.log.map((e) => [e.streamId, e.streamVersion, e.type])).toEqual([['cluster-c1', 1, 'ClusterCreated'], ['cluster-c1', 2, 'HostAdded']]);
    expect((await refusalOf(clusters.addHost('c9', hostSpec('host-2')))).code).toBe('not-found');
    expect(world.log).toHaveLength(2);
  });

  it('two concurrent creations of cluster prod: one wins, the other is a conflict naming prod, one event written', async () => {
    const world = inMemoryVrm([]);
    const clusters = new ClustersController(world.vrm);
    const outcomes = await Promise.allSettled([clusters.create(ClusterSpec.parse({ name: 'prod' })), clusters.create(ClusterSpec.parse({ name: 'prod' }))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    const refused = (outcomes[1] as PromiseRejectedResult).reason as VirtsimError;
    expect(refused).toMatchObject({ code: 'conflict', details: { rule: 'cluster.name' } });
    expect(refused.message).toContain("'prod'");
    expect(world.typesOn('cluster-c1')).toEqual(['ClusterCreated']);
    expect(world.typesOn('cluster-c2')).toEqual([]);
  });
});

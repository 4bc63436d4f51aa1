// POST /vms:batch racing a single creation for one of its names (issue 23, item 5): refused in its first chunk it
// writes nothing; refused in a later chunk, the children it could not request end failed. No task stays queued
// for a VM that was never requested.
import { ClusterSpec, HostSpec, VmSpec, type EventOf } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import { inMemoryVrm } from '../test/in-memory-vrm.js';
import type { SagaRunner } from './saga-runner.js';
import { VmCreation } from './vm-creation.js';

function world() {
  const empty = inventory.emptyInventory();
  const cluster = inventory.clusterDecider.decide({ type: 'CreateCluster', clusterId: 'c1', spec: ClusterSpec.parse({ name: 'prod' }) }, empty);
  const view = cluster.reduce(inventory.evolveInventory, empty);
  const host = inventory.hostDecider.decide({ type: 'AddHost', hostId: 'h1', clusterId: 'c1', spec: HostSpec.parse({
    name: 'esx01', memoryMiB: 1048576, cpu: { sockets: 2, coresPerSocket: 16, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept'] },
    hypervisor: { type: 'type1', mode: 'hardware-assisted' },
  }) }, view);
  const w = inMemoryVrm([{ streamId: 'cluster-c1', events: [...cluster, ...host] as EventOf[] }]);
  return { w, creation: new VmCreation(w.vrm, { start: () => undefined } as unknown as SagaRunner) };
}
const spec = (name: string) => VmSpec.parse({ name, clusterId: 'c1', vcpus: 1, memoryMiB: 256, guestOs: { family: 'linux', version: '22.04' } });
/** tasks left queued whose VM no VmCreationRequested names */
const orphans = (w: ReturnType<typeof world>['w']) => Object.values(w.vrm.state.tasks)
  .filter((t) => t.state === 'queued' && t.kind === 'vm.create' && !Object.hasOwn(w.vrm.state.inventory.vms, t.target ?? ''));

describe('a batch loses a name race', () => {
  it('in its first chunk: 409, nothing of the batch written', async () => {
    const { w, creation } = world();
    const single = creation.create(spec('web'));
    const batch = creation.createBatch([spec('a'), spec('web'), spec('b')]).catch((e: unknown) => e);
    await single;
    expect(await batch).toMatchObject({ code: 'conflict' });
    expect(w.log.filter((e) => e.type === 'TaskCreated')).toHaveLength(1);
    expect(orphans(w)).toEqual([]);
  });

  it('in a later chunk: answered with its task; the children not requested end failed, and so does the batch', async () => {
    const { w, creation } = world();
    const names = Array.from({ length: 260 }, (_, i) => `v${i}`);
    const single = creation.create(spec('v255'));
    const batch = await creation.createBatch(names.map(spec));
    await single;
    expect(batch.vmIds).toHaveLength(250);
    expect(orphans(w)).toEqual([]);
    const children = Object.values(w.vrm.state.tasks).filter((t) => t.parentId === batch.taskId);
    expect(children.filter((t) => t.state === 'failed')).toHaveLength(10);
    expect(children.find((t) => t.state === 'failed')?.error?.message).toMatch(/not requested: .*v255/);
  });
});

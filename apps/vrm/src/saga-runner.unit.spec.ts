// The VM creation saga as the vrm runs it (F13), without PostgreSQL or NATS: the real SagaRunner, PowerOn and
// StepBatcher over an in-memory vrm (apps/vrm/test/in-memory-vrm.ts) whose services answer from a function.
import { ClusterSpec, HostSpec, VirtsimError, VmSpec, type EventOf } from '@virtsim/contracts';
import { PowerOn } from './power-on.js';
import { SagaRunner } from './saga-runner.js';
import { streams } from './state.js';
import { StepBatcher } from './step-batcher.js';
import { inMemoryVrm, type Answer, type InMemoryVrm } from '../test/in-memory-vrm.js';

const cluster: EventOf = { type: 'ClusterCreated', data: { clusterId: 'c1', spec: ClusterSpec.parse({ name: 'prod' }) } };
const host: EventOf = { type: 'HostAdded', data: { hostId: 'h1', clusterId: 'c1', spec: HostSpec.parse({
  name: 'host-1', memoryMiB: 65536, cpu: { sockets: 1, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept'] },
  hypervisor: { type: 'type1', mode: 'hardware-assisted' } }) } };
const spec = (powerOn: boolean) => VmSpec.parse({ name: 'web-1', clusterId: 'c1', vcpus: 2, memoryMiB: 2048, guestOs: { family: 'linux', distro: 'rhel', version: '8' }, powerOn });
const requested = (powerOn: boolean) => [
  { streamId: streams.cluster('c1'), events: [cluster, host] },
  { streamId: streams.task('t1'), events: [{ type: 'TaskCreated', data: { taskId: 't1', kind: 'vm.create', target: 'vm1', parentId: null, childIds: [] } }] as EventOf[] },
  { streamId: streams.vm('vm1'), events: [{ type: 'VmCreationRequested', data: { vmId: 'vm1', spec: spec(powerOn) } }] as EventOf[] },
];

type Outcome = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; details: Record<string, unknown> } };
/** the services: every saga step accepted (the scheduler places on h1), every check passed; `step` may answer otherwise */
const services = (step: (subject: string) => Outcome = (s) => ({ ok: true, value: s === 'scheduler.place-many' ? { hostId: 'h1' } : {} })): Answer =>
  ({ subject, data }) => (subject.endsWith('-many') ? { outcomes: (data as { items: unknown[] }).items.map(() => step(subject)) } : { warnings: [] });

async function runSaga(world: InMemoryVrm): Promise<void> {
  const runner = new SagaRunner(world.vrm, new PowerOn(world.vrm), new StepBatcher(world.vrm));
  runner.start('vm1');
  while (runner.inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
}
const steps = (world: InMemoryVrm) => world.log.filter((e) => e.type.startsWith('VmCreationStep'))
  .map((e) => `${e.type.replace('VmCreationStep', '')} ${(e.data as { step: string }).step}`);

describe('saga runner (F13), in memory', () => {
  it('powerOn: validate, place, reserve memory, attach devices, power on; then VmCreated and running on h1, task t1 succeeded', async () => {
    const world = inMemoryVrm(requested(true), services());
    await runSaga(world);
    expect(steps(world)).toEqual([
      // validate and power-on are the vrm's own checks: their outcomes only (no request record)
      'Completed validate', 'Requested place', 'Completed place', 'Requested reserve-memory', 'Completed reserve-memory',
      'Requested attach-devices', 'Completed attach-devices', 'Completed power-on',
    ]);
    expect(world.calls.map((c) => c.subject)).toEqual([
      'scheduler.place-many', 'memory-manager.reserve-memory-many', 'io-backend.attach-devices-many',
      'ha-monitor.admit', 'memory-manager.check-power-on', 'io-backend.check-power-on',
    ]);
    const { state } = world.vrm;
    expect(state.sagas.vm1).toBeUndefined();
    expect(state.inventory.vms.vm1).toMatchObject({ state: 'running', hostId: 'h1' });
    expect(state.tasks.t1).toMatchObject({ state: 'succeeded', progress: 100, result: { vmId: 'vm1', hostId: 'h1' } });
  });

  it('each service is asked with the step\'s idempotency key <vmId>:<step>, and compensations with <vmId>:<step>:undo', async () => {
    const world = inMemoryVrm(requested(false), services());
    await runSaga(world);
    expect(world.calls.map((c) => c.data)).toEqual(['place', 'reserve-memory', 'attach-devices'].map((step) => ({ items: [{ vmId: 'vm1', idempotencyKey: `vm1:${step}` }] })));
    expect(world.vrm.state.inventory.vms.vm1).toMatchObject({ state: 'stopped', hostId: 'h1' });

    const refused = inMemoryVrm(requested(false), services((s) => (s === 'io-backend.attach-devices-many'
      ? { ok: false, error: { code: 'conflict', message: 'no', details: {} } } : { ok: true, value: { hostId: 'h1' } })));
    await runSaga(refused);
    expect(refused.calls.slice(3).map((c) => c.data)).toEqual([{ vmId: 'vm1', idempotencyKey: 'vm1:reserve-memory:undo' }, { vmId: 'vm1', idempotencyKey: 'vm1:place:undo' }]);
  });

  it('attach devices refused: memory released, then placement (reverse order); VmCreationFailed; the task fails with the refusal\'s rule', async () => {
    const refusal: Outcome = { ok: false, error: { code: 'conflict', message: 'no free GPU on h1', details: { rule: 'io.passthroughUnavailable' } } };
    const world = inMemoryVrm(requested(false), services((s) => (s === 'io-backend.attach-devices-many' ? refusal : { ok: true, value: s === 'scheduler.place-many' ? { hostId: 'h1' } : {} })));
    await runSaga(world);
    expect(world.calls.map((c) => c.subject).slice(3)).toEqual(['memory-manager.release-memory', 'scheduler.release-placement']);
    expect(world.typesOn(streams.vm('vm1')).at(-1)).toBe('VmCreationFailed');
    expect(world.vrm.state.inventory.vms.vm1).toBeUndefined();
    expect(world.vrm.state.tasks.t1).toMatchObject({ state: 'failed', error: {
      code: 'conflict', message: 'VM creation failed at attach-devices: no free GPU on h1', details: { rule: 'io.passthroughUnavailable', step: 'attach-devices' } } });
  });

  it('a deposed vrm takes no step: the saga waits, recorded as it was, for the next leader', async () => {
    const world = inMemoryVrm(requested(false), services());
    world.leader.isLeader = false;
    await runSaga(world);
    expect(world.log).toEqual([]);
    expect(world.calls).toEqual([]);
    expect(world.vrm.state.sagas.vm1).toBeDefined();
  });

  it('a placement that cannot be answered at all fails the saga as uncertain and compensates it too', async () => {
    const world = inMemoryVrm(requested(false), (c) => {
      if (c.subject === 'scheduler.place-many') throw new VirtsimError('unavailable', 'no scheduler answered');
      return services()(c);
    });
    await runSaga(world);
    const failed = world.log.find((e) => e.type === 'VmCreationStepFailed')!;
    expect(failed.data).toMatchObject({ step: 'place', uncertain: true });
    expect(world.calls.map((c) => c.subject)).toContain('scheduler.release-placement');
    expect(world.vrm.state.tasks.t1).toMatchObject({ state: 'failed' });
  });
});

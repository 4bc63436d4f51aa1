import { vmCreationRequestedData } from '@virtsim/contracts';
import type { VmCreationSagaEvent, VmCreationStep, VrmEvent } from '@virtsim/contracts';
import { vmSpec } from './inventory.fixtures.js';
import { creationProgress, creationSagas, evolveCreationTask, nextSagaAction, pendingCompensations, MAX_STEP_ATTEMPTS } from './saga.js';
import { taskDecider } from './task.js';
import type { CreationSagas, SagaAction } from './saga.js';

const requested = (powerOn: boolean): VrmEvent => ({ type: 'VmCreationRequested', data: vmCreationRequestedData('vm1', vmSpec('web-1', 'c1', { powerOn })) });
const ids = { vmId: 'vm1', clusterId: 'c1' };
const completed = (step: VmCreationStep, hostId: string | null = null): VmCreationSagaEvent => ({ type: 'VmCreationStepCompleted', data: { ...ids, step, hostId } });
const failed = (step: VmCreationStep, reason: string): VmCreationSagaEvent => ({ type: 'VmCreationStepFailed', data: { ...ids, step, reason, uncertain: false } });
const compensated = (step: VmCreationStep): VmCreationSagaEvent => ({ type: 'VmCreationStepCompensated', data: { ...ids, step } });

/** Drives the saga like the vrm does: record, then act; `outcome` answers each request. */
function drive(sagas: CreationSagas, outcome: (a: SagaAction) => VrmEvent[], limit = 30): SagaAction[] {
  const log: SagaAction[] = [];
  for (let i = 0; i < limit; i++) {
    const action = nextSagaAction(sagas.vm1);
    log.push(action);
    if (action.kind === 'none') break;
    const events = 'record' in action ? [...action.record, ...outcome(action)] : action.events;
    events.forEach((e) => creationSagas.evolve(sagas, e));
  }
  return log;
}
const describeAction = (a: SagaAction) =>
  a.kind === 'execute' ? `${a.step}@${a.target}` : a.kind === 'compensate' ? a.compensation : a.kind === 'give-up' ? `give-up ${a.step}` : a.kind;
const start = (powerOn: boolean, events: VrmEvent[] = []) => [requested(powerOn), ...events].reduce(creationSagas.evolve, creationSagas.initialState());

describe('VM creation saga (F13)', () => {
  it('happy path with power on: validate, place, reserve memory, attach devices, power on, then created and running', () => {
    const sagas = start(true);
    const log = drive(sagas, (a) => (a.kind === 'execute' ? [completed(a.step, a.step === 'place' ? 'h7' : null)] : []));
    expect(log.map(describeAction)).toEqual(['validate@vrm', 'place@scheduler', 'reserve-memory@memory-manager', 'attach-devices@io-backend', 'power-on@vrm', 'complete', 'none']);
    const complete = log[5] as Extract<SagaAction, { kind: 'complete' }>;
    expect(complete.events.map((e) => (e.type === 'VmStateChanged' ? `${e.data.from}->${e.data.to}` : e.type)))
      .toEqual(['VmCreated', 'creating->stopped', 'stopped->starting', 'starting->running']);
    expect(complete.events[0]).toEqual({ type: 'VmCreated', data: { vmId: 'vm1', clusterId: 'c1', hostId: 'h7' } });
    expect(sagas.vm1).toBeUndefined();
  });

  it('validate and power-on, the vrm\'s own checks, record no request (their outcome only); remote steps record theirs first', () => {
    const sagas = start(true);
    const log = drive(sagas, (a) => (a.kind === 'execute' ? [completed(a.step, a.step === 'place' ? 'h7' : null)] : []));
    expect(log.filter((a) => a.kind === 'execute').map((a) => [a.kind === 'execute' && a.step, 'record' in a && a.record.length])).toEqual([
      ['validate', 0], ['place', 1], ['reserve-memory', 1], ['attach-devices', 1], ['power-on', 0],
    ]);
    // a crash before validate's outcome was recorded: it is run again, never given up
    expect(nextSagaAction(start(false, []).vm1)).toMatchObject({ kind: 'execute', step: 'validate', attempt: 1, record: [] });
  });

  it('without powerOn the saga has 4 steps; 2 of 4 done = 50 %', () => {
    const sagas = start(false, [completed('validate'), completed('place', 'h1')]);
    expect(sagas.vm1!.steps).toEqual(['validate', 'place', 'reserve-memory', 'attach-devices']);
    expect(creationProgress(sagas.vm1!)).toBe(50);
  });

  it('attach devices fails: release memory, then release placement (reverse order), then VmCreationFailed naming the step', () => {
    const sagas = start(false, [completed('validate'), completed('place', 'h1'), completed('reserve-memory')]);
    const log = drive(sagas, (a) => (a.kind === 'execute' ? [failed(a.step, 'no free GPU')] : a.kind === 'compensate' ? [compensated(a.step)] : []));
    expect(log.map(describeAction)).toEqual(['attach-devices@io-backend', 'release-memory', 'release-placement', 'fail', 'none']);
    expect((log[3] as Extract<SagaAction, { kind: 'fail' }>).events).toEqual([
      { type: 'VmCreationFailed', data: { vmId: 'vm1', clusterId: 'c1', reason: 'no free GPU', step: 'attach-devices' } },
    ]);
  });

  it('a failed validate compensates nothing', () => {
    const sagas = start(false, [failed('validate', 'name taken')]);
    expect(nextSagaAction(sagas.vm1)).toMatchObject({ kind: 'fail', events: [{ data: { step: 'validate', reason: 'name taken' } }] });
  });

  it('crash after "reserve-memory requested" with no outcome: retried with the same idempotency key, attempt 2', () => {
    const sagas = start(false, [completed('validate'), completed('place', 'h1'),
      { type: 'VmCreationStepRequested', data: { ...ids, step: 'reserve-memory', attempt: 1 } }]);
    expect(nextSagaAction(sagas.vm1)).toEqual({
      kind: 'execute', step: 'reserve-memory', attempt: 2, target: 'memory-manager', idempotencyKey: 'vm1:reserve-memory',
      record: [{ type: 'VmCreationStepRequested', data: { ...ids, step: 'reserve-memory', attempt: 2 } }],
    });
  });

  it(`after ${MAX_STEP_ATTEMPTS} requests without outcome the step is given up as uncertain and compensated with the others`, () => {
    const attempts = [1, 2, 3].map((attempt): VrmEvent => ({ type: 'VmCreationStepRequested', data: { ...ids, step: 'reserve-memory', attempt } }));
    const sagas = start(false, [completed('validate'), completed('place', 'h1'), ...attempts]);
    const log = drive(sagas, (a) => (a.kind === 'compensate' ? [compensated(a.step)] : []));
    expect(log.map(describeAction)).toEqual(['give-up reserve-memory', 'release-memory', 'release-placement', 'fail', 'none']);
    expect(log[0]).toMatchObject({ record: [{ type: 'VmCreationStepFailed', data: { uncertain: true, reason: 'no outcome after 3 requests' } }] });
  });

  it('crash during a compensation: the undo is requested again (attempt 2), never abandoned', () => {
    const sagas = start(false, [completed('validate'), completed('place', 'h1'), failed('reserve-memory', 'host out of memory'),
      { type: 'VmCreationCompensationRequested', data: { ...ids, step: 'place', attempt: 1 } }]);
    expect(nextSagaAction(sagas.vm1)).toMatchObject({ kind: 'compensate', step: 'place', compensation: 'release-placement', attempt: 2, idempotencyKey: 'vm1:place:undo' });
  });

  it('place completed without a host cannot finish: the placement is given up and released', () => {
    const sagas = start(false, [completed('validate'), completed('place'), completed('reserve-memory'), completed('attach-devices')]);
    expect(nextSagaAction(sagas.vm1)).toMatchObject({ kind: 'give-up', step: 'place' });
  });

  it('VmPlaced from the scheduler also gives the saga its host', () => {
    const placed: VrmEvent = { type: 'VmPlaced', data: { ...ids, hostId: 'h3', numa: { nodes: [0], memoryMiBPerNode: [4096], vcpusPerNode: [4] }, brokenShouldRules: [], reason: 'weighers' } };
    const sagas = start(false, [placed]);
    expect(sagas.vm1!.hostId).toBe('h3');
  });

  it('the creation task\'s progress follows from the step records: running at 0 % on the first request, 50 % after 2 of 4 steps', () => {
    const sagas = start(false);
    const tasks = taskDecider.initialState();
    for (const e of taskDecider.decide({ type: 'CreateTask', taskId: 't1', kind: 'vm.create', target: 'vm1' }, tasks)) taskDecider.evolve(tasks, e);
    const apply = (e: VrmEvent) => { creationSagas.evolve(sagas, e); evolveCreationTask(tasks, sagas, (vmId) => (vmId === 'vm1' ? 't1' : undefined), e); };
    expect(tasks.t1).toMatchObject({ state: 'queued', progress: 0 });
    apply({ type: 'VmCreationStepRequested', data: { ...ids, step: 'validate', attempt: 1 } });
    expect(tasks.t1).toMatchObject({ state: 'running', progress: 0 });
    apply(completed('validate'));
    apply({ type: 'VmCreationStepRequested', data: { ...ids, step: 'place', attempt: 1 } });
    apply(completed('place', 'h1'));
    expect(tasks.t1).toMatchObject({ state: 'running', progress: 50 });
    apply(failed('reserve-memory', 'no memory'));
    expect(tasks.t1!.progress).toBe(50);
  });
});

describe('pending compensations (/health)', () => {
  test('given a running saga: none pending', () => {
    expect(pendingCompensations(start(true, [completed('validate'), completed('place', 'h1')]))).toEqual([]);
  });

  test('given reserve-memory failed after place: place and reserve-memory are pending, undone by their services, until compensated', () => {
    const sagas = start(true, [completed('validate'), completed('place', 'h1'), failed('reserve-memory', 'no memory')]);
    expect(pendingCompensations(sagas)).toEqual([{ vmId: 'vm1', failedStep: 'reserve-memory', steps: ['reserve-memory', 'place'], services: ['memory-manager', 'scheduler'] }]);
    creationSagas.evolve(sagas, compensated('reserve-memory'));
    expect(pendingCompensations(sagas)).toEqual([{ vmId: 'vm1', failedStep: 'reserve-memory', steps: ['place'], services: ['scheduler'] }]);
  });
});

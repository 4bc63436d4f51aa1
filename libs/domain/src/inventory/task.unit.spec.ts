import { batchAwaitingEnd, batchProgress, progressTask, taskDecider, toTaskResource } from './task.js';
import type { TaskCommand, VrmTasks } from './task.js';
import { spec } from '@virtsim/testing/decider';

const taskSpec = spec(taskDecider);
/** decides `command` on `tasks` and evolves them in place; the decided events */
const apply = (tasks: VrmTasks, command: TaskCommand) => taskSpec.givenState(tasks).when(command).result().events;

describe('tasks', () => {
  it('queued -> running at 40 % -> succeeded at 100 % with the result', () => {
    const tasks = taskDecider.initialState();
    apply(tasks, { type: 'CreateTask', taskId: 't1', kind: 'vm.create', target: 'vm1' });
    expect(toTaskResource(tasks.t1!)).toEqual({ id: 't1', kind: 'vm.create', state: 'queued', progress: 0 });
    apply(tasks, { type: 'ReportTaskProgress', taskId: 't1', progress: 40 });
    expect(tasks.t1).toMatchObject({ state: 'running', progress: 40 });
    taskSpec.givenState(tasks).when({ type: 'ReportTaskProgress', taskId: 't1', progress: 30 }).thenNothingHappened();
    apply(tasks, { type: 'SucceedTask', taskId: 't1', result: { vmId: 'vm1', hostId: 'h1' } });
    expect(toTaskResource(tasks.t1!)).toEqual({ id: 't1', kind: 'vm.create', state: 'succeeded', progress: 100, result: { vmId: 'vm1', hostId: 'h1' } });
  });

  it('a finished task does not change (task.state); progress 120 is invalid; a second t1 conflicts', () => {
    const tasks = taskDecider.initialState();
    apply(tasks, { type: 'CreateTask', taskId: 't1', kind: 'vm.create' });
    taskSpec.givenState(tasks).when({ type: 'ReportTaskProgress', taskId: 't1', progress: 120 }).thenThrows('invalid');
    taskSpec.givenState(tasks).when({ type: 'CreateTask', taskId: 't1', kind: 'x' }).thenThrows('conflict', { rule: 'task.exists' });
    apply(tasks, { type: 'FailTask', taskId: 't1', error: { code: 'unprocessable', message: 'no host fits', details: {} } });
    taskSpec.givenState(tasks).when({ type: 'SucceedTask', taskId: 't1' }).thenThrows('conflict', { rule: 'task.state' });
  });

  it('batch of 4: 3 of 4 done = 75 % (derived, no event); the 4th failing, EndBatchTask fails the batch naming it', () => {
    const tasks = taskDecider.initialState();
    const children = ['c1', 'c2', 'c3', 'c4'].map((taskId) => ({ taskId, kind: 'vm.create' }));
    expect(apply(tasks, { type: 'CreateBatchTask', taskId: 'b', kind: 'vm.batch', children })).toHaveLength(5);
    apply(tasks, { type: 'SucceedTask', taskId: 'c1' });
    apply(tasks, { type: 'SucceedTask', taskId: 'c3' });
    expect(apply(tasks, { type: 'SucceedTask', taskId: 'c2' })).toEqual([{ type: 'TaskSucceeded', data: { taskId: 'c2', result: null } }]);
    expect(tasks.b).toMatchObject({ state: 'running', progress: 75 });
    taskSpec.givenState(tasks).when({ type: 'EndBatchTask', taskId: 'b' }).thenNothingHappened();
    expect(batchAwaitingEnd(tasks.b)).toBe(false);
    const last = apply(tasks, { type: 'FailTask', taskId: 'c4', error: { code: 'conflict', message: 'name taken', details: {} } });
    expect(last.map((e) => e.type)).toEqual(['TaskFailed']);
    expect(tasks.b).toMatchObject({ state: 'running', progress: 100 });
    expect(batchAwaitingEnd(tasks.b)).toBe(true);
    expect(apply(tasks, { type: 'EndBatchTask', taskId: 'b' }).map((e) => e.type)).toEqual(['TaskFailed']);
    expect(tasks.b).toMatchObject({ state: 'failed', progress: 100, error: { message: '1 of 4 tasks failed', details: { failed: ['c4'] } } });
    taskSpec.givenState(tasks).when({ type: 'EndBatchTask', taskId: 'b' }).thenThrows('conflict', { rule: 'task.state' });
  });

  it('a log from before derived progress (TaskProgressed of the batch per child, its end beside the last child) folds to the same state', () => {
    const recorded = taskDecider.initialState();
    const derived = taskDecider.initialState();
    const created = taskDecider.decide({ type: 'CreateBatchTask', taskId: 'b', kind: 'vm.batch', children: [{ taskId: 'x', kind: 'k' }, { taskId: 'y', kind: 'k' }] }, recorded);
    const old = [...created,
      { type: 'TaskSucceeded', data: { taskId: 'x', result: null } }, { type: 'TaskProgressed', data: { taskId: 'b', progress: 50, message: '1 of 2 done' } },
      { type: 'TaskSucceeded', data: { taskId: 'y', result: null } }, { type: 'TaskProgressed', data: { taskId: 'b', progress: 100, message: '2 of 2 done' } },
      { type: 'TaskSucceeded', data: { taskId: 'b', result: { total: 2, succeeded: 2, failed: [] } } }] as const;
    for (const e of old) taskDecider.evolve(recorded, e);
    for (const e of created) taskDecider.evolve(derived, e);
    for (const c of ['SucceedTask:x', 'SucceedTask:y', 'EndBatchTask:b']) {
      const [type, taskId] = c.split(':') as ['SucceedTask' | 'EndBatchTask', string];
      for (const e of taskDecider.decide({ type, taskId }, derived)) taskDecider.evolve(derived, e);
    }
    expect(derived).toEqual(recorded);
  });

  it('batch of 2 all succeeding succeeds with {total 2, succeeded 2}', () => {
    const tasks = taskDecider.initialState();
    apply(tasks, { type: 'CreateBatchTask', taskId: 'b', kind: 'vm.batch', children: [{ taskId: 'x', kind: 'k' }, { taskId: 'y', kind: 'k' }] });
    apply(tasks, { type: 'SucceedTask', taskId: 'y' });
    apply(tasks, { type: 'SucceedTask', taskId: 'x' });
    apply(tasks, { type: 'EndBatchTask', taskId: 'b' });
    expect(tasks.b).toMatchObject({ state: 'succeeded', result: { total: 2, succeeded: 2, failed: [] } });
  });

  it('progressTask (derived progress): an open task runs, never goes backwards; an ended one does not change', () => {
    const tasks = taskDecider.initialState();
    apply(tasks, { type: 'CreateTask', taskId: 't1', kind: 'vm.create' });
    progressTask(tasks.t1, 0);
    expect(tasks.t1).toMatchObject({ state: 'running', progress: 0 });
    progressTask(tasks.t1, 50);
    progressTask(tasks.t1, 25);
    expect(tasks.t1).toMatchObject({ state: 'running', progress: 50 });
    apply(tasks, { type: 'FailTask', taskId: 't1', error: { code: 'conflict', message: 'x', details: {} } });
    progressTask(tasks.t1, 75);
    expect(tasks.t1).toMatchObject({ state: 'failed', progress: 50 });
  });

  it('batchProgress: 1 of 3 = 33 %, 2 of 3 = 66 %, 0 of 0 = 100 %', () => {
    expect([batchProgress(1, 3), batchProgress(2, 3), batchProgress(0, 0)]).toEqual([33, 66, 100]);
  });
});

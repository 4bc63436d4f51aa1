import { batchProgress, taskDecider, toTaskResource } from './task.js';
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

  it('batch of 4: 3 of 4 done = 75 %, the 4th failing fails the batch naming it', () => {
    const tasks = taskDecider.initialState();
    const children = ['c1', 'c2', 'c3', 'c4'].map((taskId) => ({ taskId, kind: 'vm.create' }));
    expect(apply(tasks, { type: 'CreateBatchTask', taskId: 'b', kind: 'vm.batch', children })).toHaveLength(5);
    apply(tasks, { type: 'SucceedTask', taskId: 'c1' });
    apply(tasks, { type: 'SucceedTask', taskId: 'c3' });
    const third = apply(tasks, { type: 'SucceedTask', taskId: 'c2' });
    expect(third[1]).toEqual({ type: 'TaskProgressed', data: { taskId: 'b', progress: 75, message: '3 of 4 done' } });
    expect(tasks.b).toMatchObject({ state: 'running', progress: 75 });
    const last = apply(tasks, { type: 'FailTask', taskId: 'c4', error: { code: 'conflict', message: 'name taken', details: {} } });
    expect(last.map((e) => e.type)).toEqual(['TaskFailed', 'TaskProgressed', 'TaskFailed']);
    expect(tasks.b).toMatchObject({ state: 'failed', progress: 100, error: { message: '1 of 4 tasks failed', details: { failed: ['c4'] } } });
  });

  it('batch of 2 all succeeding succeeds with {total 2, succeeded 2}', () => {
    const tasks = taskDecider.initialState();
    apply(tasks, { type: 'CreateBatchTask', taskId: 'b', kind: 'vm.batch', children: [{ taskId: 'x', kind: 'k' }, { taskId: 'y', kind: 'k' }] });
    apply(tasks, { type: 'SucceedTask', taskId: 'y' });
    apply(tasks, { type: 'SucceedTask', taskId: 'x' });
    expect(tasks.b).toMatchObject({ state: 'succeeded', result: { total: 2, succeeded: 2, failed: [] } });
  });

  it('batchProgress: 1 of 3 = 33 %, 2 of 3 = 66 %, 0 of 0 = 100 %', () => {
    expect([batchProgress(1, 3), batchProgress(2, 3), batchProgress(0, 0)]).toEqual([33, 66, 100]);
  });
});

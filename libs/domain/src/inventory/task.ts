// Task model (API: 202 + task): {id, kind, state: queued|running|succeeded|failed, progress 0..100, result?, error?}.
//
// API: taskDecider: Decider<VrmTasks, TaskCommand, VrmTaskEvent>   (VrmTasks = Record<taskId, VrmTask>)
//   CreateTask {taskId, kind, target?}                    -> TaskCreated (queued)
//   CreateBatchTask {taskId, kind, children: [{taskId, kind, target?}]} -> TaskCreated for the batch and each child
//   ReportTaskProgress {taskId, progress, message?}       -> TaskProgressed (running) | [] when not ahead of the current value
//   SucceedTask {taskId, result?} / FailTask {taskId, error} -> TaskSucceeded / TaskFailed, and for a child of a
//                                                            batch also the batch's progress (n of m) and its end
//   batchProgress(done, total): number                    floor(100 * done / total)
//   toTaskResource(task): the API shape (no internal counters)
// Batch rule: a child that ends (either way) counts as done; the batch is at floor(100 n / m) percent; when all
// m are done it succeeds if none failed, else fails naming the failed children (their VMs stay as they ended:
// a batch is many independent creations, not one transaction).
// Refusals: task.exists, not-found, task.state (a finished task does not change), invalid progress.
import { conflict, invalid, notFound } from '@virtsim/contracts';
import type { VrmTaskError, VrmTaskEvent, VrmTaskRunState } from '@virtsim/contracts';
import type { Decider } from '../shared/decider.js';

export interface VrmTask {
  id: string;
  kind: string;
  target: string | null;
  state: VrmTaskRunState;
  progress: number;
  result: unknown;
  error: VrmTaskError | null;
  parentId: string | null;
  childIds: string[];
  childrenDone: number;
  childrenFailed: string[];
}
export type VrmTasks = Record<string, VrmTask>;

interface NewTask { taskId: string; kind: string; target?: string }
export type TaskCommand =
  | ({ type: 'CreateTask' } & NewTask)
  | { type: 'CreateBatchTask'; taskId: string; kind: string; children: NewTask[] }
  | { type: 'ReportTaskProgress'; taskId: string; progress: number; message?: string }
  | { type: 'SucceedTask'; taskId: string; result?: unknown }
  | { type: 'FailTask'; taskId: string; error: VrmTaskError };

export const batchProgress = (done: number, total: number): number => (total === 0 ? 100 : Math.floor((100 * done) / total));

export const taskDecider: Decider<VrmTasks, TaskCommand, VrmTaskEvent> = {
  initialState: () => ({}),
  evolve: evolveTasks,
  decide: (command, tasks) => {
    switch (command.type) {
      case 'CreateTask': return [created(tasks, command, null, [])];
      case 'CreateBatchTask': {
        const childIds = command.children.map((c) => c.taskId);
        if (new Set(childIds).size !== childIds.length) throw invalid(`batch ${command.taskId} lists a task twice`, [{ path: 'children', message: 'duplicate task id' }]);
        return [created(tasks, command, null, childIds), ...command.children.map((c) => created(tasks, c, command.taskId, []))];
      }
      case 'ReportTaskProgress': return reportProgress(open(tasks, command.taskId), command.progress, command.message ?? null);
      case 'SucceedTask': return finish(tasks, open(tasks, command.taskId), { type: 'TaskSucceeded', data: { taskId: command.taskId, result: command.result ?? null } });
      case 'FailTask': return finish(tasks, open(tasks, command.taskId), { type: 'TaskFailed', data: { taskId: command.taskId, error: command.error } });
    }
  },
};

function created(tasks: VrmTasks, t: NewTask, parentId: string | null, childIds: string[]): VrmTaskEvent {
  if (tasks[t.taskId]) throw conflict('task.exists', `task ${t.taskId} already exists`, { taskId: t.taskId });
  return { type: 'TaskCreated', data: { taskId: t.taskId, kind: t.kind, target: t.target ?? null, parentId, childIds } };
}

function open(tasks: VrmTasks, taskId: string): VrmTask {
  const task = tasks[taskId];
  if (!task) throw notFound('task', taskId);
  if (task.state === 'succeeded' || task.state === 'failed') {
    throw conflict('task.state', `task ${taskId} (${task.kind}) already ${task.state}`, { taskId, state: task.state });
  }
  return task;
}

function reportProgress(task: VrmTask, progress: number, message: string | null): VrmTaskEvent[] {
  if (!Number.isFinite(progress) || progress < 0 || progress > 100) {
    throw invalid(`task ${task.id}: progress must be within 0..100`, [{ path: 'progress', message: `got ${progress}` }]);
  }
  const rounded = Math.round(progress);
  if (rounded <= task.progress && task.state === 'running') return [];
  return [{ type: 'TaskProgressed', data: { taskId: task.id, progress: rounded, message } }];
}

function finish(tasks: VrmTasks, task: VrmTask, end: VrmTaskEvent): VrmTaskEvent[] {
  const parent = task.parentId === null ? undefined : tasks[task.parentId];
  if (!parent || parent.state === 'succeeded' || parent.state === 'failed') return [end];
  const total = parent.childIds.length;
  const done = parent.childrenDone + 1;
  const events: VrmTaskEvent[] = [end, { type: 'TaskProgressed', data: { taskId: parent.id, progress: batchProgress(done, total), message: `${done} of ${total} done` } }];
  if (done < total) return events;
  const failed = end.type === 'TaskFailed' ? [...parent.childrenFailed, task.id] : parent.childrenFailed;
  if (failed.length === 0) {
    events.push({ type: 'TaskSucceeded', data: { taskId: parent.id, result: { total, succeeded: total, failed: [] } } });
  } else {
    const sorted = [...failed].sort();
    events.push({ type: 'TaskFailed', data: { taskId: parent.id, error: {
      code: 'unprocessable', message: `${sorted.length} of ${total} tasks failed`, details: { rule: 'task.batch', failed: sorted, succeeded: total - sorted.length },
    } } });
  }
  return events;
}

/** In place, O(1) per event (see view.ts for why). */
export function evolveTasks(tasks: VrmTasks, event: { type: string; data: unknown }): VrmTasks {
  const e = event as VrmTaskEvent;
  const task = e.type === 'TaskCreated' ? undefined : tasks[e.data.taskId];
  switch (e.type) {
    case 'TaskCreated':
      tasks[e.data.taskId] = { id: e.data.taskId, kind: e.data.kind, target: e.data.target, state: 'queued', progress: 0, result: null,
        error: null, parentId: e.data.parentId, childIds: e.data.childIds, childrenDone: 0, childrenFailed: [] };
      break;
    case 'TaskProgressed': if (task) { task.state = 'running'; task.progress = e.data.progress; } break;
    case 'TaskSucceeded': if (task) { task.state = 'succeeded'; task.progress = 100; task.result = e.data.result; childDone(tasks, task, false); } break;
    case 'TaskFailed': if (task) { task.state = 'failed'; task.error = e.data.error; childDone(tasks, task, true); } break;
    default: break;
  }
  return tasks;
}

function childDone(tasks: VrmTasks, task: VrmTask, failed: boolean): void {
  const parent = task.parentId === null ? undefined : tasks[task.parentId];
  if (!parent) return;
  parent.childrenDone++;
  if (failed) parent.childrenFailed.push(task.id);
}

export function toTaskResource(task: VrmTask) {
  const { id, kind, state, progress, result, error } = task;
  return { id, kind, state, progress, ...(result !== null ? { result } : {}), ...(error !== null ? { error } : {}) };
}

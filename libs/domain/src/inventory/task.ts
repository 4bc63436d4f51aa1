// Task model (API: 202 + task): {id, kind, state: queued|running|succeeded|failed, progress 0..100, result?, error?}.
//
// API: taskDecider: Decider<VrmTasks, TaskCommand, VrmTaskEvent>   (VrmTasks = Record<taskId, VrmTask>)
//   CreateTask {taskId, kind, target?}                    -> TaskCreated (queued)
//   CreateBatchTask {taskId, kind, children: [{taskId, kind, target?}]} -> TaskCreated for the batch and each child
//   ReportTaskProgress {taskId, progress, message?}       -> TaskProgressed (running) | [] when not ahead of the current value
//   SucceedTask {taskId, result?} / FailTask {taskId, error} -> TaskSucceeded / TaskFailed (the task's own end only)
//   EndBatchTask {taskId}                                 -> the batch's TaskSucceeded / TaskFailed once all its
//                                                            children ended; [] while some are open
//   batchProgress(done, total): number                    floor(100 * done / total)
//   progressTask(task, progress)                          derived progress (evolve only): running, never backwards
//   toTaskResource(task): the API shape (no internal counters)
// Batch rule: a child that ends (either way) counts as done; the batch is at floor(100 n / m) percent, derived by
// evolve from the children's ends (no event: it is a function of them); when all m are done, EndBatchTask ends it:
// succeeded if none failed, else failed naming the failed children (their VMs stay as they ended: a batch is many
// independent creations, not one transaction). A child's end does not decide the batch's: siblings ending in one
// group commit are decided against the same state, so none of them could know it is the last one.
// Logs before this rule also hold a TaskProgressed of the batch per child end and the batch's end beside the last
// child's; they fold to the same state (the recorded progress equals the derived one).
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
  | { type: 'FailTask'; taskId: string; error: VrmTaskError }
  | { type: 'EndBatchTask'; taskId: string };

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
      case 'SucceedTask': open(tasks, command.taskId); return [{ type: 'TaskSucceeded', data: { taskId: command.taskId, result: command.result ?? null } }];
      case 'FailTask': open(tasks, command.taskId); return [{ type: 'TaskFailed', data: { taskId: command.taskId, error: command.error } }];
      case 'EndBatchTask': return endBatch(open(tasks, command.taskId));
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

function endBatch(batch: VrmTask): VrmTaskEvent[] {
  const total = batch.childIds.length;
  if (batch.childrenDone < total) return [];
  if (batch.childrenFailed.length === 0) {
    return [{ type: 'TaskSucceeded', data: { taskId: batch.id, result: { total, succeeded: total, failed: [] } } }];
  }
  const sorted = [...batch.childrenFailed].sort();
  return [{ type: 'TaskFailed', data: { taskId: batch.id, error: {
    code: 'unprocessable', message: `${sorted.length} of ${total} tasks failed`, details: { rule: 'task.batch', failed: sorted, succeeded: total - sorted.length },
  } } }];
}

/** a batch whose children have all ended and that is still open: EndBatchTask ends it */
export const batchAwaitingEnd = (task: VrmTask | undefined): boolean =>
  task !== undefined && task.childIds.length > 0 && task.childrenDone >= task.childIds.length && (task.state === 'queued' || task.state === 'running');

/** Progress that follows from other records (a batch's children, a creation saga's steps): evolve only. An open
 *  task runs from its first progress on and never goes backwards, as ReportTaskProgress decides. */
export function progressTask(task: VrmTask | undefined, progress: number): void {
  if (!task || (task.state !== 'queued' && task.state !== 'running')) return;
  if (task.state === 'running' && progress <= task.progress) return;
  task.state = 'running';
  task.progress = progress;
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
  progressTask(parent, batchProgress(parent.childrenDone, parent.childIds.length));
}

export function toTaskResource(task: VrmTask) {
  const { id, kind, state, progress, result, error } = task;
  return { id, kind, state, progress, ...(result !== null ? { result } : {}), ...(error !== null ? { error } : {}) };
}

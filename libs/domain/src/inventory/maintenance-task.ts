// Entering maintenance is a task (vSphere's "entering maintenance mode"): it runs while the host's VMs leave,
// its progress is the share of them gone, it succeeds when the last one has left and fails if the host leaves
// maintenance first.
//   maintenanceTaskCommand(task, host, total): the task command the host's state calls for now, or null
import type { HostView } from './view.js';
import { batchProgress, type TaskCommand, type VrmTask } from './task.js';

export const MAINTENANCE_TASK = 'host.maintenance';

/** `total`: how many VMs the evacuation had to move (at least the host's VMs now) */
export function maintenanceTaskCommand(task: VrmTask, host: HostView | undefined, total: number): TaskCommand | null {
  const hostId = task.target ?? '';
  if (!host || !host.maintenance) {
    return { type: 'FailTask', taskId: task.id, error: { code: 'conflict', message: `host ${hostId} left maintenance before its last VM had left`, details: { rule: 'host.maintenance', hostId } } };
  }
  if (host.vmCount === 0) return { type: 'SucceedTask', taskId: task.id, result: { hostId, state: 'maintenance' } };
  const of = Math.max(total, host.vmCount);
  const progress = batchProgress(of - host.vmCount, of);
  return progress > task.progress ? { type: 'ReportTaskProgress', taskId: task.id, progress, message: `${of - host.vmCount} of ${of} VMs evacuated` } : null;
}

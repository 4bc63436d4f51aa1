import { maintenanceTaskCommand } from './maintenance-task.js';
import { needsSimulatedTime } from './sim-clock.js';
import type { VrmTask } from './task.js';
import type { HostView } from './view.js';

const task = (progress = 0): VrmTask => ({ id: 't9', kind: 'host.maintenance', target: 'h1', state: 'running', progress, result: null, error: null, parentId: null, childIds: [], childrenDone: 0, childrenFailed: [] });
const host = (vmCount: number, maintenance = true) => ({ id: 'h1', clusterId: 'c1', maintenance, vmCount }) as unknown as HostView;

describe('entering maintenance as a task (issue 19)', () => {
  it('progress follows the VMs evacuated, never backwards', () => {
    expect(maintenanceTaskCommand(task(), host(3), 4)).toEqual({ type: 'ReportTaskProgress', taskId: 't9', progress: 25, message: '1 of 4 VMs evacuated' });
    expect(maintenanceTaskCommand(task(25), host(3), 4)).toBeNull();
    expect(maintenanceTaskCommand(task(25), host(1), 4)).toMatchObject({ progress: 75 });
  });
  it('succeeds when the last VM has left, fails when the host left maintenance first', () => {
    expect(maintenanceTaskCommand(task(75), host(0), 4)).toEqual({ type: 'SucceedTask', taskId: 't9', result: { hostId: 'h1', state: 'maintenance' } });
    expect(maintenanceTaskCommand(task(), host(2, false), 4)).toMatchObject({ type: 'FailTask', error: { code: 'conflict', details: { rule: 'host.maintenance', hostId: 'h1' } } });
  });
  it('waits for simulated time (the VMs leave by migration)', () => expect(needsSimulatedTime('host.maintenance')).toBe(true));
});

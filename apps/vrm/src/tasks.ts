// Tasks of long operations. VM creations end with their saga; migrations are followed from the
// migration service (`migration.status`) whenever time advances or someone reads the task.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { notFound, protocol, VirtsimError } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import { effectiveClockMode } from './clock-mode.js';
import { nextId, streams } from './state.js';
import { askPersistently } from './step-retry.js';
import { Vrm } from './vrm.service.js';

export interface MigrationStatus {
  migrationId: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  progress: number;
  result?: unknown;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

const FINISHED = new Set(['succeeded', 'failed']);
/** tasks the vrm follows until they end: migrations (asked of the migration service), maintenance (the host's VMs) */
const FOLLOWED = new Set(['vm.migrate', inventory.MAINTENANCE_TASK]);

@Injectable()
export class Tasks {
  /** maintenance task -> how many VMs its evacuation moves (after a restart, the host's VMs left stand for it) */
  private readonly evacuating = new Map<string, number>();

  constructor(private readonly vrm: Vrm) {}

  resource(taskId: string) {
    const task = Object.hasOwn(this.vrm.state.tasks, taskId) ? this.vrm.state.tasks[taskId] : undefined;
    if (!task) throw notFound('task', taskId);
    // `target` (the VM or migration the task works on) extends the contract's task shape
    return { ...inventory.toTaskResource(task), target: task.target };
  }

  list() {
    return Object.values(this.vrm.state.tasks).filter((t) => t.parentId === null);
  }

  async waitFor(taskId: string, timeoutMs = 120_000) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      await this.sync(taskId);
      const task = this.resource(taskId);
      if (FINISHED.has(task.state)) return task;
      // waiting for ticks nobody will run would only end in the timeout: say how to get time moving
      if (inventory.needsSimulatedTime(task.kind) && effectiveClockMode(this.vrm).mode === 'manual') return { ...task, hint: inventory.CLOCK_STOPPED_HINT };
      if (performance.now() > deadline) return task;
      await new Promise((r) => setTimeout(r, task.kind === 'vm.migrate' ? 200 : 20));
    }
  }

  async startMigration(vmId: string, body: { targetHostId?: string; targetClusterId?: string; live: boolean }): Promise<{ taskId: string }> {
    // one key for every attempt: a start whose answer was lost is answered again (the same migration), not started twice
    const { migrationId } = await askPersistently(this.vrm, protocol.migration.start, { vmId, ...body, reason: 'operator', requestedBy: 'api', idempotencyKey: `migrate:${vmId}:${randomUUID()}` }, { vmId });
    return this.vrm.run((s) => {
      const taskId = nextId(s, 't');
      const events = inventory.taskDecider.decide({ type: 'CreateTask', taskId, kind: 'vm.migrate', target: migrationId }, s.tasks);
      return { appends: [{ streamId: streams.task(taskId), events }], result: { taskId } };
    });
  }

  /** Guest Tools on a running VM (F1, I3): io installs them (its PV drivers bind the NICs that had none), then
   *  the task is recorded, created and succeeded at once with io's answer. A refusal (the VM is not running,
   *  unknown, has no devices) writes nothing and is the call's error. */
  async installTools(vmId: string): Promise<{ taskId: string }> {
    inventory.checkToolsInstall(this.vrm.state.inventory, vmId);
    const answer = await this.vrm.ctx.call(protocol['io-backend'].installTools, { vmId });
    return this.vrm.run((s) => {
      inventory.checkToolsInstall(s.inventory, vmId);
      const taskId = nextId(s, 't');
      const created = inventory.taskDecider.decide({ type: 'CreateTask', taskId, kind: 'vm.tools.install', target: vmId }, s.tasks);
      const task = inventory.evolveTasks({ ...s.tasks }, created[0]); // a copy: evolveTasks adds to it in place
      const done = inventory.taskDecider.decide({ type: 'SucceedTask', taskId, result: answer }, task);
      return { appends: [{ streamId: streams.task(taskId), events: [...created, ...done] }], result: { taskId } };
    });
  }

  /** a host entering maintenance, while `total` VMs leave it: the task runs until the last one has left */
  async startMaintenance(hostId: string, total: number): Promise<{ taskId: string }> {
    const r = await this.vrm.run((s) => {
      const taskId = nextId(s, 't');
      const events = inventory.taskDecider.decide({ type: 'CreateTask', taskId, kind: inventory.MAINTENANCE_TASK, target: hostId }, s.tasks);
      return { appends: [{ streamId: streams.task(taskId), events }], result: { taskId } };
    });
    this.evacuating.set(r.taskId, total);
    await this.sync(r.taskId);
    return r;
  }

  /** brings every open migration and maintenance task up to date (after a clock advance) */
  async syncMigrations(): Promise<void> {
    const open = Object.values(this.vrm.state.tasks).filter((t) => FOLLOWED.has(t.kind) && !FINISHED.has(t.state));
    for (const t of open) await this.sync(t.id).catch((err) => this.vrm.ctx.log.warn({ err, taskId: t.id }, 'migration task sync failed'));
  }

  /** ends a host's open maintenance task at once when the host left maintenance (no tick needed for that) */
  async syncMaintenanceOf(hostId: string): Promise<void> {
    const open = Object.values(this.vrm.state.tasks).filter((t) => t.kind === inventory.MAINTENANCE_TASK && t.target === hostId && !FINISHED.has(t.state));
    for (const t of open) await this.syncMaintenance(t);
  }

  private async sync(taskId: string): Promise<void> {
    const task = this.vrm.state.tasks[taskId];
    if (!task || !FOLLOWED.has(task.kind) || FINISHED.has(task.state) || !task.target) return;
    if (task.kind === inventory.MAINTENANCE_TASK) return this.syncMaintenance(task);
    const status = await this.vrm.ctx.call(protocol.migration.status, { migrationId: task.target });
    const command: inventory.TaskCommand | null =
      status.state === 'succeeded' ? { type: 'SucceedTask', taskId, result: status.result ?? null }
        : status.state === 'failed' || status.state === 'cancelled'
          ? { type: 'FailTask', taskId, error: { code: status.error?.code ?? 'conflict', message: status.error?.message ?? `migration ${status.state}`, details: { ...status.error?.details, result: status.result ?? null } } }
          : status.progress > task.progress ? { type: 'ReportTaskProgress', taskId, progress: status.progress } : null;
    if (!command) return;
    await this.record(command);
  }

  private async syncMaintenance(task: inventory.VrmTask): Promise<void> {
    const host = Object.hasOwn(this.vrm.state.inventory.hosts, task.target!) ? this.vrm.state.inventory.hosts[task.target!] : undefined;
    const command = inventory.maintenanceTaskCommand(task, host, this.evacuating.get(task.id) ?? 0);
    if (command) await this.record(command);
    if (command && command.type !== 'ReportTaskProgress') this.evacuating.delete(task.id);
  }

  private async record(command: inventory.TaskCommand): Promise<void> {
    await this.vrm.run((s) => ({ appends: [{ streamId: streams.task(command.taskId), events: inventory.taskDecider.decide(command, s.tasks) }], result: {} }))
      .catch((err) => { if (VirtsimError.from(err).details.rule !== 'task.state') throw err; });
  }
}

// The leader's watchdog: tasks always end. Every few seconds it resumes any creation saga that no drive
// loop is running (one stopped by a database or broker fault, a lost reply, an append that failed), asks
// the migration service again about open migration tasks (every 10 s), and ends a creation task whose saga is over but
// whose end was never recorded, and a batch whose children have all ended but whose own end was never recorded. Asking again is safe: steps carry their idempotency keys.
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { VirtsimError } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import { endBatch, SagaRunner } from './saga-runner.js';
import { streams } from './state.js';
import { Tasks } from './tasks.js';
import { Vrm } from './vrm.service.js';

const EVERY_MS = 2_000;
/** open migration tasks are followed at every tick and every read; the watchdog covers a lost one, every 5th pass */
const MIGRATIONS_EVERY = 5;
/** how long a creation task may stay open with neither a saga nor a VM in creation before it is ended */
const ORPHAN_AFTER_MS = 30_000;

@Injectable()
export class Watchdog implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private passes = 0;
  /** open creation tasks without a saga, and since when */
  private readonly orphans = new Map<string, number>();

  constructor(private readonly vrm: Vrm, private readonly sagas: SagaRunner, private readonly tasks: Tasks) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pass(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** one round (public for tests) */
  async pass(now = performance.now()): Promise<void> {
    if (this.busy || !this.vrm.leader.isLeader) return;
    this.busy = true;
    try {
      // when the runner holds as many as there are sagas, none is orphaned (a batch of thousands waits in it)
      const sagaIds = Object.keys(this.vrm.state.sagas);
      if (this.sagas.inFlight < sagaIds.length) for (const vmId of sagaIds) this.sagas.start(vmId); // a running one is left alone
      await this.endOrphans(now);
      if (++this.passes % MIGRATIONS_EVERY === 0) await this.tasks.syncMigrations();
    } catch (err) {
      this.vrm.ctx.log.warn({ err }, 'watchdog pass failed; next one in a moment');
    } finally {
      this.busy = false;
    }
  }

  private async endOrphans(now: number): Promise<void> {
    const open = new Set<string>();
    for (const task of Object.values(this.vrm.state.tasks)) {
      if (inventory.batchAwaitingEnd(task)) await endBatch(this.vrm, task.id);
      if (task.kind !== 'vm.create' || !task.target || (task.state !== 'queued' && task.state !== 'running')) continue;
      if (this.vrm.state.sagas[task.target]) continue;
      open.add(task.id);
      const since = this.orphans.get(task.id) ?? now;
      this.orphans.set(task.id, since);
      if (now - since >= ORPHAN_AFTER_MS) await this.end(task);
    }
    for (const id of this.orphans.keys()) if (!open.has(id)) this.orphans.delete(id);
  }

  /** the VM tells how the creation ended: it exists (created), or it does not (failed, or never requested) */
  private async end(task: inventory.VrmTask): Promise<void> {
    const vm = this.vrm.state.inventory.vms[task.target!];
    const command: inventory.TaskCommand = vm && vm.state !== 'creating'
      ? { type: 'SucceedTask', taskId: task.id, result: { vmId: vm.id, hostId: vm.hostId } }
      : { type: 'FailTask', taskId: task.id, error: { code: 'internal', message: `VM creation of ${task.target} ended without an outcome`, details: { rule: 'vm.creation', vmId: task.target } } };
    this.vrm.ctx.log.warn({ taskId: task.id, vmId: task.target, end: command.type }, 'watchdog ends a creation task left open');
    await this.vrm.run((s) => {
      const events = inventory.taskDecider.decide(command, s.tasks);
      return { appends: events.map((e) => ({ streamId: streams.task(e.data.taskId), events: [e] })), result: {} };
    }).catch((err) => { if (VirtsimError.from(err).details.rule !== 'task.state') throw err; });
  }
}

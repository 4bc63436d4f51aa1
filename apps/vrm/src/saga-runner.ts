// Drives VM creation sagas (F13): asks the pure process manager what to do next, records it, does it,
// records the outcome. A restarted vrm resumes every saga in its state (requested steps are retried with
// the same idempotency key, then compensated). Sagas run concurrently, up to a bound.
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { CREATION_STEP_SUBJECTS, VirtsimError, type EventOf, type ReplyOf, type SagaStepRpc } from '@virtsim/contracts';
import { isTransient } from '@virtsim/messaging';
import { inventory } from '@virtsim/domain';
import { addHealthReport } from '@virtsim/service-kit';
import { streams } from './state.js';
import { PowerOn } from './power-on.js';
import { StepBatcher } from './step-batcher.js';
import { persistently, stepAttemptMs } from './step-retry.js';
import { Vrm, type Append } from './vrm.service.js';

// Sagas in flight. Their records share the vrm's appends (group commit) and their steps share the owners'
// requests (StepBatcher), so the more wait at a step, the less each costs: measured on 2 cores, 64 in flight gave
// steps of ~1.5 VMs and ~6 ms CPU per VM, 1,024 gave ~10 VMs per step and ~3.3 ms.
const CONCURRENCY = 1024;

@Injectable()
export class SagaRunner implements OnApplicationBootstrap {
  private readonly active = new Map<string, Promise<void>>();
  /** in start order (a Set: ten clusters' batches queue 80,000 sagas, and each start asks whether it is queued) */
  private readonly waiting = new Set<string>();
  /** the typed error of a failed step, so the task error keeps its rule and details (e.g. placement filters) */
  private readonly errors = new Map<string, VirtsimError>();
  private running = 0;

  constructor(private readonly vrm: Vrm, private readonly powerOn: PowerOn, private readonly steps: StepBatcher) {}

  onApplicationBootstrap(): void {
    // /health: degraded while a saga's compensation has not completed (something reserved is not released yet)
    addHealthReport(this.vrm.ctx.runtime, 'compensations', () => {
      const pending = inventory.pendingCompensations(this.vrm.state.sagas);
      return Promise.resolve(pending.length === 0
        ? { up: true, details: { pending: 0 } }
        : { up: false, details: { pending: pending.length, sagas: pending.slice(0, 20), message: `degraded: ${pending.length} saga(s) being undone; waiting for ${[...new Set(pending.flatMap((p) => p.services))].join(', ')}` } });
    });
    // resume what a previous vrm (or leader) left unfinished, whenever this one leads
    this.vrm.leader.on('elected', () => void this.resumeAll());
    if (this.vrm.leader.isLeader) void this.resumeAll();
  }

  async resumeAll(): Promise<void> {
    await this.vrm.ctx.projection.catchUp();
    for (const vmId of Object.keys(this.vrm.state.sagas).sort(byNumber)) this.start(vmId);
  }

  start(vmId: string): void {
    if (this.active.has(vmId) || this.waiting.has(vmId)) return;
    this.waiting.add(vmId);
    this.pump();
  }

  get inFlight(): number { return this.running + this.waiting.size; }

  private pump(): void {
    while (this.running < CONCURRENCY && this.waiting.size > 0) {
      const vmId = this.waiting.values().next().value!;
      this.waiting.delete(vmId);
      this.running++;
      const p = this.drive(vmId)
        .catch((err) => this.vrm.ctx.log.error({ err, vmId }, 'saga stopped; it resumes at the next start'))
        .finally(() => { this.running--; this.active.delete(vmId); this.pump(); });
      this.active.set(vmId, p);
    }
  }

  /** An outcome is appended together with whatever it leads to (the next step's request record, the task's
   *  progress or end), so a step costs one append; a request is still always recorded before it is sent. A
   *  crash between an answer and that append leaves the step requested without outcome: it is retried with its
   *  idempotency key and the owner answers the first outcome again. */
  private async drive(vmId: string): Promise<void> {
    let pending: EventOf[] = [];
    for (;;) {
      if (!this.vrm.leader.isLeader) return; // the next leader resumes it
      const saga = this.withPending(vmId, pending);
      const action = inventory.nextSagaAction(saga);
      switch (action.kind) {
        case 'none':
          if (pending.length) await this.record(vmId, pending);
          return;
        case 'complete':
        case 'fail':
          await this.finish(vmId, saga!, [...pending, ...action.events], action.kind === 'fail');
          return;
        case 'give-up':
          pending = [...pending, ...action.record];
          break;
        case 'execute': {
          // a request to another service is recorded (with the outcome before it) before it is sent; a local check
          // has no request record, so its outcome waits with the one before it for the next record
          // (the task's progress follows from these records, inventory.evolveCreationTask: nothing more to append)
          if (action.record.length > 0) {
            await this.record(vmId, [...pending, ...action.record]);
            pending = [];
          }
          const outcome = await this.execute(vmId, action.step, action.idempotencyKey);
          pending = [...pending, outcome];
          break;
        }
        case 'compensate': {
          await this.record(vmId, [...pending, ...action.record]);
          pending = [];
          const left = await this.compensate(vmId, action.step, action.idempotencyKey);
          if (left === null) pending = [{ type: 'VmCreationStepCompensated', data: { vmId, clusterId: saga!.clusterId, step: action.step } }];
          else {
            // tasks always end: past its window the task fails, saying what is still pending; this loop (or, if it
            // stops, the watchdog) keeps asking for the compensation in the background
            await this.failWithCompensationPending(vmId, saga!, action.step, left);
            await sleep(500);
          }
          break;
        }
      }
    }
  }

  /** the saga as it will be once `pending` is appended (a copy: the live state changes only from the log) */
  private withPending(vmId: string, pending: EventOf[]): inventory.CreationSaga | undefined {
    const live = this.vrm.state.sagas[vmId];
    if (!live || pending.length === 0) return live;
    const sagas: inventory.CreationSagas = { [vmId]: structuredClone(live) };
    for (const e of pending) inventory.evolveCreationSagas(sagas, e);
    return sagas[vmId] ?? live;
  }

  private async execute(vmId: string, step: inventory.CreationSaga['steps'][number], idempotencyKey: string): Promise<EventOf> {
    const saga = this.vrm.state.sagas[vmId]!;
    const base = { vmId, clusterId: saga.clusterId, step };
    try {
      let hostId: string | null = null;
      switch (step) {
        case 'validate': {
          const vm = this.vrm.state.inventory.vms[vmId];
          inventory.validateVmCreation(this.vrm.state.inventory, vmId, vm.spec);
          break;
        }
        // the step goes with the other sagas waiting at it (StepBatcher); each step's request record, and the
        // outcome of the step before, are applied here, so the owner needs nothing past this vrm's position
        // (a fault is asked again with the same key until the retry window ends; see step-retry.ts)
        case 'place': hostId = (await this.ask(CREATION_STEP_SUBJECTS.place.step, vmId, idempotencyKey)).hostId; break;
        case 'reserve-memory': await this.ask(CREATION_STEP_SUBJECTS['reserve-memory'].step, vmId, idempotencyKey); break;
        case 'attach-devices': await this.ask(CREATION_STEP_SUBJECTS['attach-devices'].step, vmId, idempotencyKey); break;
        case 'power-on':
          inventory.assertHostTakesPowerOn(this.vrm.state.inventory, saga.hostId!, vmId);
          await this.powerOn.check(vmId, saga.hostId!, 'after-own');
          break;
        // a step added to VmCreationStep without a case here fails the typecheck (docs/architecture.md checklist)
        default: return unhandledStep(step);
      }
      return { type: 'VmCreationStepCompleted', data: { ...base, hostId } };
    } catch (err) {
      const e = VirtsimError.from(err);
      this.errors.set(vmId, e);
      // no answer within the retry window: the step may or may not have happened, so it is compensated too
      if (isTransient(e)) {
        return { type: 'VmCreationStepFailed', data: { ...base, reason: e.message, uncertain: true } };
      }
      return { type: 'VmCreationStepFailed', data: { ...base, reason: e.message, uncertain: false } };
    }
  }

  private ask<R extends SagaStepRpc>(step: R, vmId: string, idempotencyKey: string): Promise<ReplyOf<R>> {
    const subject = step.subject;
    return persistently(this.vrm, subject.slice(0, subject.indexOf('.')), () => this.steps.call(step, { vmId, idempotencyKey }), { vmId, subject });
  }

  /** null once undone; else the fault that outlasted the retry window */
  private async compensate(vmId: string, step: inventory.CreationSaga['steps'][number], idempotencyKey: string): Promise<VirtsimError | null> {
    const target = inventory.STEP_TARGETS[step];
    if (step === 'validate' || step === 'power-on') return null; // validate and power-on leave nothing behind before VmCreated
    const { compensation } = CREATION_STEP_SUBJECTS[step];
    const subject = compensation.subject;
    try {
      await persistently(this.vrm, target.target, () => this.vrm.ctx.call(compensation, { vmId, idempotencyKey }, stepAttemptMs(this.vrm)), { vmId, subject });
      return null;
    } catch (err) {
      // undoing is the only way out: past the window it is requested again (a new attempt on the record)
      this.vrm.ctx.log.warn({ err, vmId, step }, 'compensation failed; retrying');
      const e = VirtsimError.from(err);
      return new VirtsimError(e.code, e.message, { ...e.details, service: e.details.service ?? target.target });
    }
  }

  /** the task ends failed, naming the service that did not answer and the compensation still pending (once) */
  private async failWithCompensationPending(vmId: string, saga: inventory.CreationSaga, step: inventory.CreationSaga['steps'][number], fault: VirtsimError): Promise<void> {
    if (!this.taskOf(vmId)) return;
    const service = String(fault.details.service);
    const failure = lastFailure(saga, this.errors.get(vmId));
    const error = {
      code: 'unavailable' as const,
      message: `${failure.message}; the compensation of ${step} is still pending: ${service} did not answer (it is asked again in the background)`,
      details: { ...failure.details, service, compensationPending: step },
    };
    this.vrm.ctx.log.warn({ vmId, step, service }, 'compensation past its window: the task fails, the compensation goes on');
    await this.vrm.run((state) => {
      const task = this.taskOf(vmId);
      if (!task) return { appends: [], result: {} };
      const events = inventory.taskDecider.decide({ type: 'FailTask', taskId: task.id, error }, state.tasks);
      return { appends: events.map((e) => ({ streamId: streams.task(e.data.taskId), events: [e] })), result: {}, metadata: { correlationId: vmId } };
    }).catch((err) => { if (VirtsimError.from(err).details.rule !== 'task.state') throw err; });
    const parentId = this.vrm.state.tasks[this.vrm.state.vmTasks[vmId] ?? '']?.parentId ?? null;
    if (parentId !== null) await endBatch(this.vrm, parentId);
  }

  private record(vmId: string, events: EventOf[], extra: Append[] = []): Promise<unknown> {
    // the saga's own VM stream and child task only: it may share an append with other sagas' steps
    return this.vrm.run(() => ({ appends: [{ streamId: streams.vm(vmId), events }, ...extra], result: {}, metadata: { correlationId: vmId } }), { group: true });
  }

  private async finish(vmId: string, saga: inventory.CreationSaga, events: EventOf[], failed: boolean): Promise<void> {
    const parentId = this.taskOf(vmId)?.parentId ?? null;
    await this.vrm.run((state) => {
      const task = this.taskOf(vmId);
      const appends = [{ streamId: streams.vm(vmId), events }];
      if (task) {
        const failure = lastFailure(saga, this.errors.get(vmId));
        const end: inventory.TaskCommand = failed
          ? { type: 'FailTask', taskId: task.id, error: failure }
          : { type: 'SucceedTask', taskId: task.id, result: { vmId, hostId: saga.hostId } };
        appends.push({ streamId: streams.task(task.id), events: inventory.taskDecider.decide(end, state.tasks) });
      }
      return { appends, result: {}, metadata: { correlationId: vmId } };
    }, { group: true }); // its VM stream and its own task only: siblings of a batch finish in the same append
    this.errors.delete(vmId); // after: a grouped decision may be decided again
    if (parentId !== null) await endBatch(this.vrm, parentId);
  }

  private taskOf(vmId: string): inventory.VrmTask | undefined {
    const task = this.vrm.state.tasks[this.vrm.state.vmTasks[vmId] ?? ''];
    return task && (task.state === 'queued' || task.state === 'running') ? task : undefined;
  }
}

/** A batch whose children have all ended ends too (its progress is derived from theirs). Called after each child's
 *  end; the watchdog ends one left open by a vrm that stopped in between. Siblings asking together: the first
 *  appends the end, the others decide nothing. */
export async function endBatch(vrm: Vrm, taskId: string): Promise<void> {
  if (!inventory.batchAwaitingEnd(vrm.state.tasks[taskId])) return;
  await vrm.run((state) => {
    const events = inventory.batchAwaitingEnd(state.tasks[taskId]) ? inventory.taskDecider.decide({ type: 'EndBatchTask', taskId }, state.tasks) : [];
    return { appends: [{ streamId: streams.task(taskId), events }], result: {} };
  }, { group: true });
}

function lastFailure(saga: inventory.CreationSaga, error: VirtsimError | undefined) {
  const f = saga.failure ?? { step: 'validate', reason: 'unknown failure' };
  return {
    code: error?.code ?? 'unprocessable',
    message: `VM creation failed at ${f.step}: ${f.reason}`,
    details: { rule: 'vm.creation', ...error?.details, step: f.step },
  };
}

/** `step` is `never` once every step has its case: a new step without one does not compile */
function unhandledStep(step: never): never {
  throw new VirtsimError('internal', `saga step ${String(step)} has no handler in the vrm`);
}

const byNumber = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

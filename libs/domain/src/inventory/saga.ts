// VM creation saga (F13) as a pure process manager: validate -> place -> reserve memory -> attach devices ->
// power on (when spec.powerOn) -> done; on failure, compensate the completed steps in reverse order, then fail.
// A VM imported with its saved state (C3) is never powered on: it ends suspended.
//
// API:
//   creationSagas: {initialState, evolve}          projection of in-flight sagas, Record<vmId, CreationSaga>
//   evolveCreationSagas(sagas, event: VrmEvent)     in place, like evolveInventory; finished sagas are dropped
//   nextSagaAction(saga): SagaAction               what to do next; the app appends `record` BEFORE acting
//   creationProgress(saga): number                 percent for the creation task
// SagaAction:
//   {kind:'execute', step, attempt, target, record}        send the step's request (target: which service)
//   {kind:'give-up', step, record}                          a step requested MAX_STEP_ATTEMPTS times with no outcome
//   {kind:'compensate', step, compensation, attempt, target, record}   send the undo request
//   {kind:'complete', events} / {kind:'fail', events}       append these inventory events: the saga ends
//   {kind:'none'}
// The app reports outcomes as VmCreationStepCompleted {hostId after 'place'} / VmCreationStepFailed and
// VmCreationStepCompensated. The 'validate' step runs in the vrm: validateVmCreation (vm.ts).
//
// Steps the vrm runs itself (validate, power-on: checks that change nothing) record only their outcome: their
// `execute` action has an empty `record`, and the outcome goes with the next record (the next step's request, or
// the completion). A request record tells a restarted vrm that something may have happened elsewhere; a local
// check leaves nothing behind, so after a crash it is simply run again, and the audit keeps its outcome. (Logs
// before this also hold a VmCreationStepRequested for them; it folds as before.)
//
// Crash recovery (the choice): every request to another service is recorded (…Requested) before it is sent, and every request
// carries the idempotency key `${vmId}:${step}`. After a restart, a step that was requested but has no outcome
// is RETRIED with the same key (the owner answers a repeat with its first outcome), up to MAX_STEP_ATTEMPTS
// requests in all; then the saga gives up on it: it is recorded failed with `uncertain: true` and compensated
// like a completed step, since it may have taken effect. Compensations must be idempotent too and are retried
// without limit: undoing is the only safe way out, and a release of something never reserved is a no-op.
import type { VmCreationSagaEvent, VmCreationStep, VrmEvent, InventoryEvent } from '@virtsim/contracts';
import { progressTask, type VrmTasks } from './task.js';

export const CREATION_STEPS: readonly VmCreationStep[] = ['validate', 'place', 'reserve-memory', 'attach-devices', 'power-on'];
export const MAX_STEP_ATTEMPTS = 3;
/** steps the vrm runs itself, with nothing to undo before VmCreated: no request record (see above) */
export const LOCAL_STEPS: ReadonlySet<VmCreationStep> = new Set(['validate', 'power-on']);

/** Who executes each step, and how it is undone (validate changes nothing). */
export const STEP_TARGETS: Readonly<Record<VmCreationStep, { target: string; compensation: string | null }>> = Object.freeze({
  validate: { target: 'vrm', compensation: null },
  place: { target: 'scheduler', compensation: 'release-placement' },
  'reserve-memory': { target: 'memory-manager', compensation: 'release-memory' },
  'attach-devices': { target: 'io-backend', compensation: 'release-devices' },
  'power-on': { target: 'vrm', compensation: 'power-off' },
});

export type StepStatus = 'requested' | 'completed' | 'failed' | 'uncertain' | 'compensating' | 'compensated';
export interface SagaStep { status: StepStatus; attempts: number; compensationAttempts: number }

export interface CreationSaga {
  vmId: string;
  clusterId: string;
  steps: VmCreationStep[];
  progress: Partial<Record<VmCreationStep, SagaStep>>;
  hostId: string | null;
  status: 'running' | 'compensating';
  /** a VM imported suspended (C3): created into its saved state */
  restore: boolean;
  failure: { step: VmCreationStep; reason: string } | null;
}

type Record_ = VmCreationSagaEvent;
export type SagaAction =
  | { kind: 'execute'; step: VmCreationStep; attempt: number; target: string; idempotencyKey: string; record: Record_[] }
  | { kind: 'give-up'; step: VmCreationStep; record: Record_[] }
  | { kind: 'compensate'; step: VmCreationStep; compensation: string; attempt: number; target: string; idempotencyKey: string; record: Record_[] }
  | { kind: 'complete'; events: InventoryEvent[] }
  | { kind: 'fail'; events: InventoryEvent[] }
  | { kind: 'none' };

export type CreationSagas = Record<string, CreationSaga>;

export function evolveCreationSagas(sagas: CreationSagas, event: { type: string; data: unknown }): CreationSagas {
  const e = event as VrmEvent;
  if (e.type === 'VmCreationRequested') {
    const { vmId, spec, saved } = e.data;
    sagas[vmId] = {
      vmId, clusterId: spec.clusterId, steps: CREATION_STEPS.filter((s) => s !== 'power-on' || (spec.powerOn && !saved)),
      progress: {}, hostId: null, status: 'running', restore: Boolean(saved), failure: null,
    };
    return sagas;
  }
  if (e.type === 'VmCreated' || e.type === 'VmCreationFailed') {
    delete sagas[e.data.vmId];
    return sagas;
  }
  const saga = 'vmId' in (e.data as object) ? sagas[(e.data as { vmId: string }).vmId] : undefined;
  if (saga) applyStepEvent(saga, e);
  return sagas;
}

export const creationSagas = { initialState: (): CreationSagas => ({}), evolve: evolveCreationSagas };

function applyStepEvent(saga: CreationSaga, e: VrmEvent): void {
  const step = (name: VmCreationStep): SagaStep => (saga.progress[name] ??= { status: 'requested', attempts: 0, compensationAttempts: 0 });
  switch (e.type) {
    case 'VmCreationStepRequested': { const s = step(e.data.step); s.status = 'requested'; s.attempts++; break; }
    case 'VmCreationStepCompleted':
      step(e.data.step).status = 'completed';
      if (e.data.hostId !== null) saga.hostId = e.data.hostId;
      break;
    case 'VmCreationStepFailed':
      step(e.data.step).status = e.data.uncertain ? 'uncertain' : 'failed';
      saga.status = 'compensating';
      saga.failure ??= { step: e.data.step, reason: e.data.reason };
      break;
    case 'VmCreationCompensationRequested': { const s = step(e.data.step); s.status = 'compensating'; s.compensationAttempts++; break; }
    case 'VmCreationStepCompensated': step(e.data.step).status = 'compensated'; break;
    case 'VmPlaced': saga.hostId = e.data.hostId; break;
    default: break;
  }
}

/** Percent of the creation task: completed steps of the saga's steps. */
export function creationProgress(saga: CreationSaga): number {
  const done = saga.steps.filter((s) => saga.progress[s]?.status === 'completed').length;
  return Math.floor((100 * done) / saga.steps.length);
}

/** A saga being undone: the steps whose compensation has not completed yet (the last first), and the services
 *  that must undo them. */
export interface PendingCompensation { vmId: string; failedStep: VmCreationStep | null; steps: VmCreationStep[]; services: string[] }

/** The sagas whose compensation has not completed, by VM id (what /health reports while any is pending). */
export function pendingCompensations(sagas: CreationSagas): PendingCompensation[] {
  return Object.keys(sagas).sort().flatMap((vmId) => {
    const saga = sagas[vmId]!;
    if (saga.status !== 'compensating') return [];
    const steps = [...saga.steps].reverse().filter((st) => {
      const p = saga.progress[st];
      return p !== undefined && STEP_TARGETS[st].compensation !== null && p.status !== 'compensated';
    });
    return [{ vmId, failedStep: saga.failure?.step ?? null, steps, services: [...new Set(steps.map((st) => STEP_TARGETS[st].target))] }];
  });
}

/** The creation task's progress follows from its saga's step records, so it is derived here rather than recorded
 *  (logs before this also hold a TaskProgressed beside each step request, with the same value): after
 *  `evolveCreationSagas` applied `event`, a step requested or completed sets the VM's open task running at
 *  creationProgress. `taskOf` names the VM's creation task. */
export function evolveCreationTask(tasks: VrmTasks, sagas: CreationSagas, taskOf: (vmId: string) => string | undefined, event: { type: string; data: unknown }): void {
  if (event.type !== 'VmCreationStepRequested' && event.type !== 'VmCreationStepCompleted') return;
  const vmId = (event.data as { vmId: string }).vmId;
  const saga = sagas[vmId];
  const taskId = taskOf(vmId);
  if (saga && taskId !== undefined) progressTask(tasks[taskId], creationProgress(saga));
}

export function nextSagaAction(saga: CreationSaga | undefined): SagaAction {
  if (!saga) return { kind: 'none' };
  return saga.status === 'running' ? nextForward(saga) : nextCompensation(saga);
}

function nextForward(saga: CreationSaga): SagaAction {
  const { vmId, clusterId } = saga;
  const step = saga.steps.find((s) => saga.progress[s]?.status !== 'completed');
  if (step === undefined && saga.hostId !== null) return { kind: 'complete', events: completionEvents(saga, saga.hostId) };
  if (step === undefined) {
    const reason = 'placement completed without naming a host';
    return { kind: 'give-up', step: 'place', record: [{ type: 'VmCreationStepFailed', data: { vmId, clusterId, step: 'place', reason, uncertain: true } }] };
  }
  const attempts = saga.progress[step]?.attempts ?? 0;
  if (LOCAL_STEPS.has(step)) {
    return { kind: 'execute', step, attempt: attempts + 1, target: STEP_TARGETS[step].target, idempotencyKey: `${vmId}:${step}`, record: [] };
  }
  if (attempts >= MAX_STEP_ATTEMPTS) {
    const reason = `no outcome after ${attempts} requests`;
    return { kind: 'give-up', step, record: [{ type: 'VmCreationStepFailed', data: { vmId, clusterId, step, reason, uncertain: true } }] };
  }
  return {
    kind: 'execute', step, attempt: attempts + 1, target: STEP_TARGETS[step].target, idempotencyKey: `${vmId}:${step}`,
    record: [{ type: 'VmCreationStepRequested', data: { vmId, clusterId, step, attempt: attempts + 1 } }],
  };
}

function nextCompensation(saga: CreationSaga): SagaAction {
  const { vmId, clusterId } = saga;
  const toUndo = [...saga.steps].reverse().find((s) => {
    const status = saga.progress[s]?.status;
    return STEP_TARGETS[s].compensation !== null && (status === 'completed' || status === 'uncertain' || status === 'compensating');
  });
  if (toUndo === undefined) {
    const failure = saga.failure ?? { step: 'validate', reason: 'unknown' };
    return { kind: 'fail', events: [{ type: 'VmCreationFailed', data: { vmId, clusterId, reason: failure.reason, step: failure.step } }] };
  }
  const attempt = (saga.progress[toUndo]?.compensationAttempts ?? 0) + 1;
  return {
    kind: 'compensate', step: toUndo, compensation: STEP_TARGETS[toUndo].compensation!, attempt,
    target: STEP_TARGETS[toUndo].target, idempotencyKey: `${vmId}:${toUndo}:undo`,
    record: [{ type: 'VmCreationCompensationRequested', data: { vmId, clusterId, step: toUndo, attempt } }],
  };
}

/** The VM exists once every step is done: created (stopped), then running when it was powered on; a VM imported
 *  suspended goes from creating to suspended. */
function completionEvents(saga: CreationSaga, hostId: string): InventoryEvent[] {
  const { vmId, clusterId } = saga;
  const base = { vmId, clusterId, hostId };
  const events: InventoryEvent[] = [
    { type: 'VmCreated', data: { vmId, clusterId, hostId } },
    saga.restore
      ? { type: 'VmStateChanged', data: { ...base, from: 'creating', to: 'suspended', reason: 'imported with its saved state' } }
      : { type: 'VmStateChanged', data: { ...base, from: 'creating', to: 'stopped', reason: 'created' } },
  ];
  if (saga.steps.includes('power-on')) {
    events.push(
      { type: 'VmStateChanged', data: { ...base, from: 'stopped', to: 'starting', reason: 'power on at creation' } },
      { type: 'VmStateChanged', data: { ...base, from: 'starting', to: 'running', reason: 'power on at creation' } },
    );
  }
  return events;
}

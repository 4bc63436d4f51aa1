// The service protocol: every request-reply between the services, one file per receiving service.
// `protocol.<service>.<subject>` is what `ctx.call` sends and `@Handle` answers.
import type { VmCreationStep } from '../events/inventory.js';
import { stateSubjects } from './common.js';
import { haMonitor } from './ha-monitor.js';
import { ioBackend } from './io-backend.js';
import { memoryManager } from './memory-manager.js';
import { migration } from './migration.js';
import { scheduler } from './scheduler.js';

export const protocol = {
  vrm: stateSubjects('vrm'),
  scheduler,
  'memory-manager': memoryManager,
  'io-backend': ioBackend,
  'ha-monitor': haMonitor,
  migration,
} as const;
export type Protocol = typeof protocol;
export type ProtocolService = keyof Protocol;

/** the VM creation saga's steps another service takes, with the subject that undoes each */
export const CREATION_STEP_SUBJECTS = {
  place: { step: scheduler.place, compensation: scheduler.releasePlacement },
  'reserve-memory': { step: memoryManager.reserveMemory, compensation: memoryManager.releaseMemory },
  'attach-devices': { step: ioBackend.attachDevices, compensation: ioBackend.releaseDevices },
} as const satisfies Partial<Record<VmCreationStep, unknown>>;

/** the services whose view of a VM or host GET /vms/:id and /hosts/:id join */
export const VIEW_SERVICES = ['scheduler', 'memory-manager', 'io-backend', 'ha-monitor', 'migration'] as const;
/** the services the clock drives, in phase order each tick */
export const TICK_PHASES = ['ha-monitor', 'migration', 'memory-manager', 'scheduler', 'io-backend'] as const;

export * from './rpc.js';
export * from './common.js';
export * from './scheduler.js';
export * from './memory-manager.js';
export * from './io-backend.js';
export * from './ha-monitor.js';
export * from './migration.js';

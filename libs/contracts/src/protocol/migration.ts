// The migration service's subjects: start (operator, DRS, HA), evacuate (maintenance, DPM), cancel, status, the tick.
import { z } from 'zod';
import { Id } from '../specs.js';
import { idempotent, stateSubjects, TickRequest, trace, viewSubjects } from './common.js';
import { reply, rpc } from './rpc.js';

export const PreCopyOptionsInput = z.strictObject({
  downtimeTargetMs: z.number().positive().max(60_000).optional(),
  maxRounds: z.number().int().min(1).max(1000).optional(),
  maxSentFactor: z.number().min(1).max(100).optional(),
  autoConverge: z.boolean().optional(),
  resumeMs: z.number().min(0).max(60_000).optional(),
  writableWorkingSetMiB: z.number().positive().nullable().optional(),
});

export const MigrationStartRequest = z.object({
  vmId: Id,
  targetHostId: Id.optional(),
  targetClusterId: Id.optional(),
  live: z.boolean().default(true),
  reason: z.enum(['operator', 'drs', 'dpm', 'maintenance']).default('operator'),
  requestedBy: z.string().min(1).max(200).optional(),
  options: PreCopyOptionsInput.optional(),
  ...idempotent,
});
export type MigrationStartRequest = z.infer<typeof MigrationStartRequest>;
export interface MigrationStartAnswer {
  migrationId: string; vmId: string; kind: 'live' | 'cold'; sourceHostId: string; targetHostId: string; state: 'queued' | 'running'; repeated?: boolean;
}

export const EvacuateRequest = z.object({
  hostId: Id,
  reason: z.enum(['maintenance', 'dpm']).default('maintenance'),
  dryRun: z.boolean().default(false),
  ...idempotent,
});
export type EvacuateRequest = z.infer<typeof EvacuateRequest>;
export interface EvacuateAnswer {
  hostId: string;
  dryRun: boolean;
  moves: { vmId: string; migrationId?: string; targetHostId: string; live: boolean; state?: 'queued' | 'running' }[];
  /** VMs already migrating off the host (not planned again) */
  alreadyMoving: string[];
  repeated?: boolean;
}

const MigrationId = z.string().min(1).max(64);
export const CancelMigrationRequest = z.object({ migrationId: MigrationId, reason: z.string().min(1).max(200).optional(), ...trace });
export type CancelMigrationRequest = z.infer<typeof CancelMigrationRequest>;
export interface CancelMigrationAnswer { migrationId: string; vmId: string; state: 'cancelled'; rolledBack: boolean }

export const MigrationStatusRequest = z.object({ migrationId: MigrationId, ...trace });
export type MigrationStatusRequest = z.infer<typeof MigrationStatusRequest>;
export interface MigrationStatusAnswer {
  migrationId: string;
  vmId: string;
  kind: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** 0..100 */
  progress: number;
  sourceHostId: string;
  targetHostId: string;
  requestedAt: number;
  startedAt: number | null;
  reason: string | null;
  phase?: string;
  round?: number;
  rounds?: unknown[];
  endedAt?: number;
  result?: unknown;
  error?: { code: string; message: string; details: Record<string, unknown> };
}

export interface MigrationTickAnswer { events: number }

export const migration = {
  start: rpc('migration.start', MigrationStartRequest, { reply: reply<MigrationStartAnswer>(), errors: ['not-found', 'conflict', 'unprocessable'], idempotent: true }),
  evacuate: rpc('migration.evacuate', EvacuateRequest, { reply: reply<EvacuateAnswer>(), errors: ['not-found', 'conflict', 'unprocessable'], idempotent: true }),
  cancel: rpc('migration.cancel', CancelMigrationRequest, { reply: reply<CancelMigrationAnswer>(), errors: ['not-found', 'conflict'] }),
  status: rpc('migration.status', MigrationStatusRequest, { reply: reply<MigrationStatusAnswer>(), errors: ['not-found'], idempotent: true }),
  tick: rpc('migration.tick', TickRequest, { reply: reply<MigrationTickAnswer>(), idempotent: true }),
  ...viewSubjects('migration'),
  ...stateSubjects('migration'),
} as const;

// Payloads of the migration subjects (docs/service-kit.md contract table), validated with zod at the boundary.
// Objects strip unknown keys: callers are other services (vrm, scheduler), and a field added on their side must
// not break a migration.
import { Id } from '@virtsim/contracts';
import { z } from 'zod';

const trace = {
  correlationId: z.string().min(1).max(200).optional(),
  causationId: z.string().min(1).max(200).optional(),
};

export const PreCopyOptionsInput = z.strictObject({
  downtimeTargetMs: z.number().positive().max(60_000).optional(),
  maxRounds: z.number().int().min(1).max(1000).optional(),
  maxSentFactor: z.number().min(1).max(100).optional(),
  autoConverge: z.boolean().optional(),
  resumeMs: z.number().min(0).max(60_000).optional(),
  writableWorkingSetMiB: z.number().positive().nullable().optional(),
});

export const StartRequest = z.object({
  vmId: Id,
  targetHostId: Id.optional(),
  targetClusterId: Id.optional(),
  live: z.boolean().default(true),
  reason: z.enum(['operator', 'drs', 'dpm', 'maintenance']).default('operator'),
  requestedBy: z.string().min(1).max(200).optional(),
  options: PreCopyOptionsInput.optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  ...trace,
});
export type StartRequest = z.infer<typeof StartRequest>;

export const EvacuateRequest = z.object({
  hostId: Id,
  reason: z.enum(['maintenance', 'dpm']).default('maintenance'),
  dryRun: z.boolean().default(false),
  idempotencyKey: z.string().min(1).max(200).optional(),
  ...trace,
});
export type EvacuateRequest = z.infer<typeof EvacuateRequest>;

export const CancelRequest = z.object({ migrationId: z.string().min(1).max(64), reason: z.string().min(1).max(200).optional(), ...trace });
export type CancelRequest = z.infer<typeof CancelRequest>;

export const StatusRequest = z.object({ migrationId: z.string().min(1).max(64), ...trace });
export type StatusRequest = z.infer<typeof StatusRequest>;

export const TickRequest = z.object({
  tick: z.number().int().min(0), simTime: z.number().min(0).finite(), tickSeconds: z.number().positive().finite(), ...trace,
});
export type TickRequest = z.infer<typeof TickRequest>;

export const VmQuery = z.object({ vmId: Id, ...trace });
export type VmQuery = z.infer<typeof VmQuery>;
export const HostQuery = z.object({ hostId: Id, ...trace });
export type HostQuery = z.infer<typeof HostQuery>;

// Payloads of the memory-manager's subjects (docs/service-kit.md, contract table). Objects strip unknown keys:
// callers are other services, and a field added on their side must not break a saga step.
import { Id } from '@virtsim/contracts';
import { z } from 'zod';

const trace = { correlationId: z.string().min(1).optional(), causationId: z.string().min(1).optional() };

export const ReserveRequest = z.object({ vmId: Id, idempotencyKey: z.string().min(1).optional(), ...trace });
export type ReserveRequest = z.infer<typeof ReserveRequest>;

export const ReleaseRequest = z.object({ vmId: Id, idempotencyKey: z.string().min(1).optional(), reason: z.string().min(1).optional(), ...trace });
export type ReleaseRequest = z.infer<typeof ReleaseRequest>;

export const CheckPowerOnRequest = z.object({ vmId: Id, hostId: Id, ...trace });
export type CheckPowerOnRequest = z.infer<typeof CheckPowerOnRequest>;

export const GrowRequest = z.object({ vmId: Id, memoryMiB: z.number().int().min(16), ...trace });
export type GrowRequest = z.infer<typeof GrowRequest>;

export const TickRequest = z.object({ tick: z.number().int().min(0), simTime: z.number().min(0), tickSeconds: z.number().positive(), ...trace });
export type TickRequest = z.infer<typeof TickRequest>;

/** gva: hex, canonical lower half (below 2^47); flushTlb: start from an empty TLB (forces a full walk) */
export const TranslateRequest = z.object({
  vmId: Id,
  gva: z.string().regex(/^0x[0-9a-fA-F]{1,16}$/, 'a hex guest virtual address like 0x7f001000'),
  flushTlb: z.boolean().optional(),
});
export type TranslateRequest = z.infer<typeof TranslateRequest>;

export const VmRequest = z.object({ vmId: Id });
export const HostRequest = z.object({ hostId: Id });

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

/** Most addresses in one translate request: the reply (about 1 KB per walk on a TLB miss, packed) must stay under
 *  NATS's 1 MiB message limit, so longer lists come in several requests. */
export const TRANSLATE_BATCH_MAX = 512;

const GVA_LIMIT = 2 ** 47;
const parseGva = (gva: string): number => Number.parseInt(gva.slice(2), 16);
const Gva = z.string().regex(/^0x[0-9a-fA-F]{1,16}$/, { message: 'a hex guest virtual address like 0x7f001000', abort: true })
  .refine((gva) => parseGva(gva) < GVA_LIMIT, 'a canonical lower-half address, below 0x800000000000');

/** gva: hex, canonical lower half (below 2^47), answered with its walk's view; or gvas: a list translated in
 *  order, the TLB carried from one address to the next, answered packed (memory.PackedTranslations: the caller
 *  shows them with memory.unpackTranslations); flushTlb: start from an empty TLB (forces a full walk) */
export const TranslateRequest = z.object({
  vmId: Id,
  gva: Gva.optional(),
  gvas: z.array(Gva).min(1).max(TRANSLATE_BATCH_MAX).optional(),
  flushTlb: z.boolean().optional(),
}).refine((r) => (r.gva === undefined) !== (r.gvas === undefined), { message: 'give exactly one of gva and gvas', path: ['gva'] });
export type TranslateRequest = z.infer<typeof TranslateRequest>;

export const VmRequest = z.object({ vmId: Id });
export const HostRequest = z.object({ hostId: Id });

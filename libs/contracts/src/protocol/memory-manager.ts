// The memory-manager's subjects: the reserve-memory saga step and its release, the power-on check, online
// memory add, address translation, the tick.
import { z } from 'zod';
import type { NumaPlacement } from '../events/inventory.js';
import { Id } from '../specs.js';
import { CheckPowerOnRequest, idempotent, stateSubjects, TickRequest, trace, viewSubjects, type PowerOnCheck, type ViewAnswer } from './common.js';
import { reply, rpc, sagaStep } from './rpc.js';

export const ReserveMemoryRequest = z.object({ vmId: Id, ...idempotent });
export type ReserveMemoryRequest = z.infer<typeof ReserveMemoryRequest>;
export interface ReserveMemoryAnswer {
  vmId: string; hostId: string | null; clusterId: string; memoryMiB: number; reservationMiB: number; overheadMiB: number;
  hugeBacked: boolean; numa: NumaPlacement | null; backedMiB: number; alreadyReserved: boolean;
}

export const ReleaseMemoryRequest = z.object({ vmId: Id, reason: z.string().min(1).max(200).optional(), ...idempotent });
export type ReleaseMemoryRequest = z.infer<typeof ReleaseMemoryRequest>;
export interface ReleaseMemoryAnswer { vmId: string; released: boolean; hostId: string | null; freedMiB: number }

export const GrowMemoryRequest = z.object({ vmId: Id, memoryMiB: z.number().int().min(16), ...idempotent });
export type GrowMemoryRequest = z.infer<typeof GrowMemoryRequest>;
export interface GrowMemoryAnswer { ok: boolean; vmId: string; hostId: string | null; fromMiB: number; toMiB: number; online: boolean; changed: boolean }

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
  ...trace,
}).refine((r) => (r.gva === undefined) !== (r.gvas === undefined), { message: 'give exactly one of gva and gvas', path: ['gva'] });
export type TranslateRequest = z.infer<typeof TranslateRequest>;

export interface MemoryTickAnswer { events: number; position: number }

export const memoryManager = {
  reserveMemory: sagaStep('memory-manager.reserve-memory', ReserveMemoryRequest, { reply: reply<ReserveMemoryAnswer>(), errors: ['not-found', 'conflict', 'unprocessable'] }),
  releaseMemory: rpc('memory-manager.release-memory', ReleaseMemoryRequest, { reply: reply<ReleaseMemoryAnswer>(), idempotent: true }),
  checkPowerOn: rpc('memory-manager.check-power-on', CheckPowerOnRequest, { reply: reply<PowerOnCheck>(), errors: ['not-found', 'unprocessable'], idempotent: true }),
  grow: rpc('memory-manager.grow', GrowMemoryRequest, { reply: reply<GrowMemoryAnswer>(), errors: ['not-found', 'conflict', 'unprocessable'] }),
  /** a view for one address, or memory.PackedTranslations for a list (the TLB carries over: not idempotent) */
  translate: rpc('memory-manager.translate', TranslateRequest, { reply: reply<ViewAnswer>(), errors: ['not-found', 'conflict', 'unprocessable'] }),
  tick: rpc('memory-manager.tick', TickRequest, { reply: reply<MemoryTickAnswer>(), idempotent: true }),
  ...viewSubjects('memory-manager'),
  ...stateSubjects('memory-manager'),
} as const;

// Saga steps for many VMs at once: `<service>.<step>-many` takes the items the vrm has waiting at that step
// and answers one outcome per item, in order. Each item is decided exactly as the one-VM subject would decide
// it (later items see the earlier ones' effects); one item's refusal does not refuse the others.
import { z } from 'zod';
import { VirtsimError, type ErrorCode, type ErrorDetails } from './errors.js';
import { Id } from './specs.js';

export const STEP_BATCH_MAX = 256;

export const StepItem = z.object({ vmId: Id, idempotencyKey: z.string().min(1).optional() });
export type StepItem = z.infer<typeof StepItem>;

export const StepBatchRequest = z.object({
  items: z.array(StepItem).min(1).max(STEP_BATCH_MAX),
  correlationId: z.string().min(1).optional(),
  causationId: z.string().min(1).optional(),
});
export type StepBatchRequest = z.infer<typeof StepBatchRequest>;

export type StepOutcome<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string; details: ErrorDetails } };

export interface StepBatchAnswer<T> { outcomes: StepOutcome<T>[] }

/** the outcome of one item: its value, or its refusal as data */
export function stepOutcome<T>(decide: () => T): StepOutcome<T> {
  try {
    return { ok: true, value: decide() };
  } catch (err) {
    const e = VirtsimError.from(err);
    return { ok: false, error: { code: e.code, message: e.message, details: e.details } };
  }
}

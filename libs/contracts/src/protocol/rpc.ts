// One request-reply of the service protocol, declared once: its subject (without the installation's prefix),
// the zod schema its receiver validates, the reply type, the error codes it may answer, and whether asking it
// again with the same idempotency key is safe. Senders (`ctx.call`) and handlers (`@Handle`) are typed from it,
// so a change on one side that breaks the other fails to compile.
import { z } from 'zod';
import type { ErrorCode } from '../errors.js';
import { StepBatchRequest, type StepBatchAnswer } from '../saga-steps.js';

export interface Rpc<Req extends z.ZodType = z.ZodType, Rep = unknown, S extends string = string> {
  readonly subject: S;
  readonly request: Req;
  /** the reply's type; replies are built by the receiver's own typed code, so they are not parsed again */
  readonly reply: z.ZodType<Rep>;
  readonly errors: readonly ErrorCode[];
  /** asked again with the same idempotency key, it answers the first outcome (a saga step, a query) */
  readonly idempotent: boolean;
}

/** a saga step: the one-VM subject, and `many`, how the vrm carries the step for the VMs waiting at it */
export interface SagaStepRpc<Req extends z.ZodType = z.ZodType, Rep = unknown, S extends string = string> extends Rpc<Req, Rep, S> {
  readonly many: Rpc<typeof StepBatchRequest, StepBatchAnswer<Rep>, `${S}-many`>;
}

/** what a sender gives (defaults not yet applied) */
export type RequestOf<R extends Rpc> = z.input<R['request']>;
/** what a handler receives (validated, defaults applied) */
export type PayloadOf<R extends Rpc> = z.output<R['request']>;
export type ReplyOf<R extends Rpc> = R extends Rpc<z.ZodType, infer P> ? P : never;

/** a reply type without a runtime check (see Rpc.reply) */
export const reply = <T>(): z.ZodType<T> => z.custom<T>(() => true);

interface RpcOptions<Rep> { reply: z.ZodType<Rep>; errors?: readonly ErrorCode[]; idempotent?: boolean }

/** every request may fail for want of a receiver or with a bug: those two codes go with every subject */
const ALWAYS: readonly ErrorCode[] = ['invalid', 'unavailable', 'internal'];

export function rpc<S extends string, Req extends z.ZodType, Rep>(subject: S, request: Req, o: RpcOptions<Rep>): Rpc<Req, Rep, S> {
  return Object.freeze({ subject, request, reply: o.reply, errors: [...ALWAYS, ...(o.errors ?? [])], idempotent: o.idempotent ?? false });
}

export function sagaStep<S extends string, Req extends z.ZodType, Rep>(subject: S, request: Req, o: Omit<RpcOptions<Rep>, 'idempotent'>): SagaStepRpc<Req, Rep, S> {
  const many = rpc(`${subject}-many` as `${S}-many`, StepBatchRequest, { reply: reply<StepBatchAnswer<Rep>>(), errors: o.errors, idempotent: true });
  return Object.freeze({ ...rpc(subject, request, { ...o, idempotent: true }), many });
}

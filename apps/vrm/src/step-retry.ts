// How the vrm asks a service during a long operation (saga steps, compensations, power-on checks, clock
// phases, migration follow-up, and every operator call: maintenance evacuation, DRS apply, faults, migrations):
// a fault is asked again, same request and key, for VIRTSIM_STEP_RETRY_SECONDS; a deposed vrm stops asking (the
// next leader resumes). Only a domain refusal (not-found, conflict, unprocessable...) ends it at once.
import type { ReplyOf, RequestOf, Rpc } from '@virtsim/contracts';
import { notDelivered, withRetry, type RetryPolicy } from '@virtsim/messaging';
import type { Vrm } from './vrm.service.js';

/** one attempt's wait for an answer: a request lost with a restarting service is asked again well inside the window */
export const stepAttemptMs = (vrm: Vrm): number => Math.min(vrm.ctx.config.VIRTSIM_REQUEST_TIMEOUT_MS, 10_000);

export function stepPolicy(vrm: Vrm, service: string, context: Record<string, unknown> = {}): RetryPolicy {
  return {
    windowMs: vrm.ctx.config.VIRTSIM_STEP_RETRY_SECONDS * 1000,
    service,
    abandon: () => !vrm.leader.isLeader,
    onRetry: (err, attempt) => { if (attempt === 1 || attempt % 10 === 0) vrm.ctx.log.warn({ ...context, service, attempt, err: err.message }, 'no answer; asking again'); },
  };
}

/** `attempt` asked of `service` until it answers, refuses, or the window ends */
export const persistently = <T>(vrm: Vrm, service: string, attempt: () => Promise<T>, context?: Record<string, unknown>): Promise<T> =>
  withRetry(attempt, stepPolicy(vrm, service, context));

/** the service that answers `rpc` (`migration.evacuate` -> `migration`) */
export const serviceOf = (rpc: Rpc): string => rpc.subject.slice(0, rpc.subject.indexOf('.'));

/** One operator call that rides through a restarting peer: every attempt carries the same request (and so the
 *  same idempotency key, when the caller gives one). A subject declared idempotent is asked again after any
 *  fault; one that is not, only when nobody received it (asking again cannot do it twice). */
export function askPersistently<R extends Rpc>(vrm: Vrm, rpc: R, data: RequestOf<R>, context: Record<string, unknown> = {}): Promise<ReplyOf<R>> {
  const policy = stepPolicy(vrm, serviceOf(rpc), { ...context, subject: rpc.subject });
  return withRetry(() => vrm.ctx.call(rpc, data, stepAttemptMs(vrm)), rpc.idempotent ? policy : { ...policy, retryable: notDelivered });
}

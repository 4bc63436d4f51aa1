// How the vrm asks a service during a long operation (saga steps, compensations, power-on checks, clock
// phases, migration follow-up): a fault is asked again, same request and key, for VIRTSIM_STEP_RETRY_SECONDS;
// a deposed vrm stops asking (the next leader resumes).
import { withRetry, type RetryPolicy } from '@virtsim/messaging';
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

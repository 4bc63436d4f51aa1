// Riding through restarts: a request that times out, finds no responder, or meets a transport or
// database error is asked again (with the same idempotency key, so a repeat is answered from the first
// outcome) with backoff, for a window. A domain refusal (invalid, not-found, conflict, unprocessable...)
// is an answer, not a fault: it ends the retries at once.
import { randomInt } from 'node:crypto';
import { VirtsimError } from '@virtsim/contracts';

export interface RetryPolicy {
  /** how long to keep asking, from the first attempt */
  windowMs: number;
  /** the first pause; each next one doubles up to maxDelayMs */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** who is asked, for the error past the window (e.g. `memory-manager`) */
  service?: string;
  /** told of each fault that is retried */
  onRetry?: (err: VirtsimError, attempt: number) => void;
  /** stop retrying early (e.g. this vrm is no longer the leader): the last fault is thrown */
  abandon?: () => boolean;
  /** which faults are asked again (default isTransient); a request that is not idempotent retries only notDelivered */
  retryable?: (err: VirtsimError) => boolean;
}

/** No answer (unavailable), a transport or database error (internal), or an append that met its own
 *  stream ahead of its state (the owner catches up when asked again). */
export function isTransient(err: VirtsimError): boolean {
  return err.code === 'unavailable' || err.code === 'internal' || (err.code === 'conflict' && err.details.rule === 'concurrency');
}

/** nobody received the request (no responder subscribed): asking again cannot do it twice */
export function notDelivered(err: VirtsimError): boolean {
  return err.code === 'unavailable' && err.message.startsWith('no service answers');
}

/** `attempt` until it answers or refuses; past the window, `unavailable` naming the service that did not answer */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const started = performance.now();
  let delay = policy.firstDelayMs ?? 100;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const e = VirtsimError.from(err);
      if (!(policy.retryable ?? isTransient)(e)) throw e;
      const elapsed = performance.now() - started;
      if (policy.abandon?.()) throw e;
      if (elapsed + delay > policy.windowMs) throw pastWindow(e, policy, elapsed, n);
      policy.onRetry?.(e, n);
      // jitter: the sagas waiting on one restarting service do not all come back in the same millisecond
      await new Promise((r) => setTimeout(r, delay / 2 + randomInt(Math.max(1, Math.ceil(delay / 2)))));
      delay = Math.min(delay * 2, policy.maxDelayMs ?? 1000);
    }
  }
}

function pastWindow(last: VirtsimError, policy: RetryPolicy, elapsedMs: number, attempts: number): VirtsimError {
  const who = policy.service ?? String(last.details.pattern ?? 'a service');
  return new VirtsimError('unavailable', `${who} did not answer for ${Math.round(elapsedMs / 1000)} s (${attempts} attempts): ${last.message}`,
    { ...last.details, rule: 'retry.window', service: who, attempts, lastError: last.code });
}

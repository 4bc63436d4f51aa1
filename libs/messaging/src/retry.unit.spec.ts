// withRetry: faults are asked again within the window, refusals end it at once, past the window the
// error names the service that did not answer.
import { conflict, VirtsimError } from '@virtsim/contracts';
import { isTransient, notDelivered, withRetry } from '@virtsim/messaging';

const noAnswer = () => new VirtsimError('unavailable', 'no service answers memory-manager.reserve-memory', { pattern: 'memory-manager.reserve-memory' });

/** fails with `faults` in turn, then answers `value` */
function flaky<T>(faults: unknown[], value: T) {
  const calls: number[] = [];
  const attempt = async () => {
    calls.push(calls.length + 1);
    const next = faults.shift();
    if (next) throw next;
    return value;
  };
  return { attempt, calls };
}

describe('withRetry', () => {
  it('asks again through no-responder, timeout, transport and stale-stream faults until the answer', async () => {
    const faults = [noAnswer(), new VirtsimError('unavailable', 'x did not answer within 10 ms'), new Error('Connection terminated unexpectedly'),
      new VirtsimError('conflict', 'stream io-c1 is at version 3, expected 2', { rule: 'concurrency' })];
    const { attempt, calls } = flaky(faults, 'placed');
    await expect(withRetry(attempt, { windowMs: 60_000, firstDelayMs: 1, maxDelayMs: 2 })).resolves.toBe('placed');
    expect(calls).toHaveLength(5);
  });

  it('a domain refusal ends it at once', async () => {
    const { attempt, calls } = flaky([conflict('placement.capacity', 'no host fits')], 'never');
    await expect(withRetry(attempt, { windowMs: 60_000, firstDelayMs: 1 })).rejects.toMatchObject({ code: 'conflict', details: { rule: 'placement.capacity' } });
    expect(calls).toHaveLength(1);
  });

  it('past the window: unavailable, naming the service that did not answer', async () => {
    const attempt = async () => { throw noAnswer(); };
    const err = await withRetry(attempt, { windowMs: 20, firstDelayMs: 5, maxDelayMs: 5, service: 'memory-manager' }).catch((e: VirtsimError) => e);
    expect(err).toMatchObject({ code: 'unavailable', details: { rule: 'retry.window', service: 'memory-manager' } });
    expect(err.message).toMatch(/^memory-manager did not answer for \d+ s/);
  });

  it('abandon stops it with the last fault', async () => {
    const { attempt, calls } = flaky([noAnswer(), noAnswer()], 'x');
    await expect(withRetry(attempt, { windowMs: 60_000, firstDelayMs: 1, abandon: () => true })).rejects.toMatchObject({ message: /^no service answers/ });
    expect(calls).toHaveLength(1);
  });

  it('a request that is not idempotent is asked again only when nobody received it', async () => {
    const timedOut = new VirtsimError('unavailable', 'scheduler.tick did not answer within 100 ms');
    expect(isTransient(timedOut) && !notDelivered(timedOut)).toBe(true);
    const { attempt, calls } = flaky([noAnswer(), timedOut], 'x');
    await expect(withRetry(attempt, { windowMs: 60_000, firstDelayMs: 1, retryable: notDelivered })).rejects.toBe(timedOut);
    expect(calls).toHaveLength(2);
  });
});

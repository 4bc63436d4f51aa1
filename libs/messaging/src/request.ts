// The one way to ask another service: typed errors carried across, a timeout on every request.
import type { ClientProxy } from '@nestjs/microservices';
import { VirtsimError } from '@virtsim/contracts';
import { lastValueFrom, timeout, TimeoutError } from 'rxjs';

export const DEFAULT_TIMEOUT_MS = 30_000;

export async function request<T>(client: ClientProxy, pattern: string, data: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  try {
    return await lastValueFrom(client.send<T>(pattern, data).pipe(timeout(timeoutMs)));
  } catch (err) {
    if (err instanceof TimeoutError) throw new VirtsimError('unavailable', `${pattern} did not answer within ${timeoutMs} ms`, { pattern });
    const msg = (err as { message?: string })?.message ?? String(err);
    if (/no subscribers|Empty response/i.test(msg)) throw new VirtsimError('unavailable', `no service answers ${pattern}`, { pattern });
    throw VirtsimError.from(err);
  }
}

// The one way to ask another service: typed errors carried across, a timeout on every request.
import type { ClientProxy } from '@nestjs/microservices';
import { VirtsimError, type ReplyOf, type RequestOf, type Rpc } from '@virtsim/contracts';
import { lastValueFrom, timeout, TimeoutError } from 'rxjs';
import { withCausalPosition } from './causality.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface RequestOptions {
  /** the log position the answer must reflect at least (see causality.ts); without it the receiver reads the head */
  after?: number;
}

export async function request<T>(client: ClientProxy, pattern: string, data: unknown, timeoutMs = DEFAULT_TIMEOUT_MS, options: RequestOptions = {}): Promise<T> {
  try {
    return await lastValueFrom(client.send<T>(pattern, withCausalPosition(data, options.after)).pipe(timeout(timeoutMs)));
  } catch (err) {
    if (err instanceof TimeoutError) throw new VirtsimError('unavailable', `${pattern} did not answer within ${timeoutMs} ms`, { pattern });
    const msg = (err as { message?: string })?.message ?? String(err);
    if (/no subscribers|Empty response/i.test(msg)) throw new VirtsimError('unavailable', `no service answers ${pattern}`, { pattern });
    throw VirtsimError.from(err);
  }
}

/** ask one subject of the protocol (libs/contracts/src/protocol): the payload and the reply typed from it */
export function call<R extends Rpc>(client: ClientProxy, rpc: R, data: RequestOf<R>, timeoutMs = DEFAULT_TIMEOUT_MS, options: RequestOptions = {}): Promise<ReplyOf<R>> {
  return request<ReplyOf<R>>(client, rpc.subject, data, timeoutMs, options);
}

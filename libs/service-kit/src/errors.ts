// One error family (VirtsimError), one filter: RPC handlers answer {code, message, details};
// HTTP answers application/problem+json. Nothing else leaks.
import { Catch, type ArgumentsHost, type ExceptionFilter, HttpException, PayloadTooLargeException } from '@nestjs/common';
import { HTTP_STATUS, VirtsimError, type ErrorCode } from '@virtsim/contracts';
import { randomUUID } from 'node:crypto';
import { throwError } from 'rxjs';
import type { Response } from 'express';
import { REQUEST_ID_HEADER } from '@virtsim/messaging';
import { rootLogger } from './logger.js';

export function toVirtsimError(err: unknown): VirtsimError {
  if (err instanceof VirtsimError) return err;
  if (err instanceof PayloadTooLargeException) return new VirtsimError('too-large', 'request body is too large');
  const parser = bodyParserError(err);
  if (parser) return parser;
  if (err instanceof HttpException) {
    const degraded = healthDegraded(err.getResponse());
    if (degraded) return degraded;
    const status = err.getStatus();
    const code = (Object.entries(HTTP_STATUS).find(([, s]) => s === status)?.[0] ?? 'internal') as ErrorCode;
    return new VirtsimError(code, err.message);
  }
  return VirtsimError.from(err);
}

/** a failed health check (terminus: {status: 'error', error, details}): 503 naming what is down, every check's status in `checks` */
function healthDegraded(body: unknown): VirtsimError | null {
  const b = body as { status?: unknown; error?: Record<string, { message?: unknown }>; details?: Record<string, unknown> } | null;
  if (!b || typeof b !== 'object' || b.status !== 'error' || !b.error || !b.details) return null;
  const why = Object.entries(b.error).map(([name, v]) => `${name}: ${typeof v?.message === 'string' ? v.message : 'down'}`);
  return new VirtsimError('unavailable', `degraded: ${why.join('; ')}`, { rule: 'health.degraded', checks: b.details });
}

/** body-parser's refusals (http-errors with a `type`): client errors by their own status, never a 500 */
function bodyParserError(err: unknown): VirtsimError | null {
  const e = err as { type?: unknown; status?: unknown; limit?: unknown; message?: unknown } | null;
  if (!e || typeof e.type !== 'string' || typeof e.status !== 'number' || e.status >= 500) return null;
  switch (e.type) {
    case 'entity.too.large': return new VirtsimError('too-large', `request body exceeds this route's limit of ${typeof e.limit === 'number' ? e.limit : '?'} bytes`, { limit: e.limit });
    case 'entity.parse.failed': return new VirtsimError('invalid', 'request body is not valid JSON');
    case 'charset.unsupported': case 'encoding.unsupported': return new VirtsimError('unsupported', String(e.message));
    default: return new VirtsimError(e.status === 415 ? 'unsupported' : e.status === 413 ? 'too-large' : 'invalid', String(e.message));
  }
}

const TITLES: Record<ErrorCode, string> = {
  invalid: 'Bad request', unauthorized: 'Unauthorized', forbidden: 'Forbidden', 'not-found': 'Not found', conflict: 'Conflict',
  'too-large': 'Payload too large', unsupported: 'Unsupported media type', unprocessable: 'Unprocessable request', unavailable: 'Service unavailable', internal: 'Internal error',
};

export function problem(e: VirtsimError) {
  const { errors, ...rest } = e.details;
  return {
    type: `https://virtsim.dev/problems/${e.code}${e.details.rule ? '/' + e.details.rule : ''}`,
    title: TITLES[e.code],
    status: HTTP_STATUS[e.code],
    detail: e.message,
    ...(errors ? { errors } : {}),
    ...rest,
  };
}

@Catch()
export class VirtsimErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost) {
    const e = toVirtsimError(exception);
    if (host.getType() === 'rpc') {
      if (e.code === 'internal') rootLogger().error({ err: exception }, 'internal error');
      return throwError(() => e.toJSON());
    }
    const res = host.switchToHttp().getResponse<Response>();
    res.status(HTTP_STATUS[e.code]).type('application/problem+json').send(JSON.stringify(problem(e.code === 'internal' ? masked(exception, res) : e)));
  }
}

/** what an internal error says to an HTTP client: its request id (the one the access log and X-Request-Id carry) to
 *  quote; its text stays in the log under that id */
function masked(exception: unknown, res: Response): VirtsimError {
  const answered = res.getHeader?.(REQUEST_ID_HEADER);
  const requestId = typeof answered === 'string' ? answered : randomUUID();
  rootLogger().error({ err: exception, requestId }, 'internal error');
  return new VirtsimError('internal', `internal error (request id ${requestId})`, { requestId });
}

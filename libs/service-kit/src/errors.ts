// One error family (VirtsimError), one filter: RPC handlers answer {code, message, details};
// HTTP answers application/problem+json. Nothing else leaks.
import { Catch, type ArgumentsHost, type ExceptionFilter, HttpException, PayloadTooLargeException } from '@nestjs/common';
import { HTTP_STATUS, VirtsimError, type ErrorCode } from '@virtsim/contracts';
import { throwError } from 'rxjs';
import type { Response } from 'express';
import { rootLogger } from './logger.js';

export function toVirtsimError(err: unknown): VirtsimError {
  if (err instanceof VirtsimError) return err;
  if (err instanceof PayloadTooLargeException || (err as { type?: string })?.type === 'entity.too.large') {
    return new VirtsimError('too-large', 'request body exceeds the 1 MiB limit');
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const code = (Object.entries(HTTP_STATUS).find(([, s]) => s === status)?.[0] ?? 'internal') as ErrorCode;
    return new VirtsimError(code, err.message);
  }
  if ((err as { type?: string; status?: number })?.status === 400 && (err as { type?: string })?.type === 'entity.parse.failed') {
    return new VirtsimError('invalid', 'request body is not valid JSON');
  }
  return VirtsimError.from(err);
}

const TITLES: Record<ErrorCode, string> = {
  invalid: 'Bad request', unauthorized: 'Unauthorized', forbidden: 'Forbidden', 'not-found': 'Not found', conflict: 'Conflict',
  'too-large': 'Payload too large', unprocessable: 'Unprocessable request', unavailable: 'Service unavailable', internal: 'Internal error',
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
    if (e.code === 'internal') rootLogger().error({ err: exception }, 'internal error');
    if (host.getType() === 'rpc') return throwError(() => e.toJSON());
    const res = host.switchToHttp().getResponse<Response>();
    res.status(HTTP_STATUS[e.code]).type('application/problem+json').send(JSON.stringify(problem(e)));
  }
}

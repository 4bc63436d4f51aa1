// The one error family. Domain, services and transports throw VirtsimError; HTTP maps `code` to a status,
// NATS carries {code, message, details} unchanged (RpcException payload).
export type ErrorCode =
  | 'invalid' | 'unauthorized' | 'forbidden' | 'not-found' | 'conflict'
  | 'too-large' | 'unsupported' | 'unprocessable' | 'unavailable' | 'internal';

export interface FieldError { path: string; message: string }

export interface ErrorDetails {
  /** the rule, policy or limit that refused the command, e.g. `cluster.maxHosts` */
  rule?: string;
  /** field-by-field errors for `invalid` */
  errors?: FieldError[];
  [key: string]: unknown;
}

export class VirtsimError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details: ErrorDetails = {}) {
    super(message);
    this.name = 'VirtsimError';
  }
  toJSON() { return { code: this.code, message: this.message, details: this.details }; }
  static from(value: unknown): VirtsimError {
    if (value instanceof VirtsimError) return value;
    const v = value as { code?: ErrorCode; message?: string; details?: ErrorDetails } | undefined;
    if (v && typeof v === 'object' && typeof v.code === 'string' && typeof v.message === 'string' && Object.hasOwn(HTTP_STATUS, v.code)) {
      return new VirtsimError(v.code, v.message, v.details ?? {});
    }
    return new VirtsimError('internal', value instanceof Error ? value.message : String(value));
  }
}

/** Optimistic concurrency failure on append: the stream moved since it was read. */
export class ConcurrencyError extends VirtsimError {
  constructor(readonly streamId: string, readonly expected: number, readonly actual: number) {
    super('conflict', `stream ${streamId} is at version ${actual}, expected ${expected}`, { rule: 'concurrency', streamId, expected, actual });
    this.name = 'ConcurrencyError';
  }
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid: 400, unauthorized: 401, forbidden: 403, 'not-found': 404, conflict: 409,
  'too-large': 413, unsupported: 415, unprocessable: 422, unavailable: 503, internal: 500,
};

export const invalid = (message: string, errors: FieldError[] = []) => new VirtsimError('invalid', message, { errors });
export const notFound = (what: string, id: string) => new VirtsimError('not-found', `${what} ${id} not found`, { [what]: id });
export const conflict = (rule: string, message: string, details: ErrorDetails = {}) => new VirtsimError('conflict', message, { rule, ...details });
export const unprocessable = (rule: string, message: string, details: ErrorDetails = {}) => new VirtsimError('unprocessable', message, { rule, ...details });

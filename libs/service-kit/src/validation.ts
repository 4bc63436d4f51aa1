// zod validation at every boundary: HTTP bodies and queries, NATS payloads. Field-by-field errors, at most
// MAX_LISTED_ERRORS of them listed (a hostile body can hold 10^5 bad fields: the answer stays small).
import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { invalid, unstorableText, type FieldError } from '@virtsim/contracts';
import type { z } from 'zod';

export const MAX_LISTED_ERRORS = 20;
/** deeper JSON is refused before zod walks it (zod recurses; a 1 MiB body can nest 500,000 levels) */
export const MAX_DEPTH = 32;
const MAX_LISTED_KEYS = 10;

/** what was validated: a query's top-level fields are its parameters, named one by one */
export type Validated = 'body' | 'query';

export function fieldErrors(error: z.ZodError, validated: Validated = 'body'): FieldError[] {
  return allFieldErrors(error, validated).slice(0, MAX_LISTED_ERRORS);
}

function allFieldErrors(error: z.ZodError, validated: Validated): FieldError[] {
  return error.issues.flatMap((i): FieldError[] => {
    const path = i.path.map(String).join('.');
    if (validated === 'query' && !path && i.code === 'unrecognized_keys') {
      return (i as { keys: string[] }).keys.map((key) => ({ path: key, message: 'unknown query parameter' }));
    }
    return [{ path: path || `(${validated})`, message: i.code === 'unrecognized_keys' ? unknownKeys((i as { keys: string[] }).keys) : i.message }];
  });
}

function unknownKeys(keys: string[]): string {
  const more = keys.length > MAX_LISTED_KEYS ? ` and ${keys.length - MAX_LISTED_KEYS} more` : '';
  return `unknown field(s): ${keys.slice(0, MAX_LISTED_KEYS).join(', ')}${more}`;
}

/** every string (values and keys) PostgreSQL can store, nesting bounded, no raw bytes where JSON is expected */
export function unstorableFields(value: unknown): FieldError[] {
  if (value instanceof Uint8Array) return [{ path: '(body)', message: 'expected a JSON body (Content-Type: application/json)' }];
  const errors: FieldError[] = [];
  const stack: { v: unknown; path: string[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0 && errors.length < MAX_LISTED_ERRORS) {
    const { v, path } = stack.pop()!;
    const at = path.join('.') || '(body)';
    if (typeof v === 'string') {
      const why = unstorableText(v);
      if (why) errors.push({ path: at, message: why });
    } else if (v !== null && typeof v === 'object') {
      if (path.length >= MAX_DEPTH) { errors.push({ path: at, message: `nested deeper than ${MAX_DEPTH} levels` }); continue; }
      for (const [k, child] of Object.entries(v)) {
        const why = unstorableText(k);
        if (why) errors.push({ path: at, message: `a field name ${why}` });
        else stack.push({ v: child, path: [...path, k] });
      }
    }
  }
  return errors;
}

export function parse<T extends z.ZodType>(schema: T, value: unknown, what = 'request', validated: Validated = 'body'): z.infer<T> {
  const bad = unstorableFields(value);
  if (bad.length > 0) throw refused(what, bad, bad.length);
  const r = schema.safeParse(value);
  if (!r.success) {
    const errors = allFieldErrors(r.error, validated);
    throw refused(what, errors.slice(0, MAX_LISTED_ERRORS), errors.length);
  }
  return r.data;
}

function refused(what: string, errors: FieldError[], total: number) {
  const more = total > errors.length ? ` (and ${total - errors.length} more)` : '';
  const e = invalid(`${what} is invalid: ${errors.map((x) => `${x.path}: ${x.message}`).join('; ')}${more}`, errors);
  if (total > errors.length) e.details.errorCount = total;
  return e;
}

export class ZodPipe<T extends z.ZodType> implements PipeTransform {
  constructor(private readonly schema: T, private readonly what = 'request') {}
  transform(value: unknown, metadata?: ArgumentMetadata): z.infer<T> {
    return parse(this.schema, value, this.what, metadata?.type === 'query' ? 'query' : 'body');
  }
}

export const zodPipe = <T extends z.ZodType>(schema: T, what?: string) => new ZodPipe(schema, what);

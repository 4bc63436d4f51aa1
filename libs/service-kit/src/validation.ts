// zod validation at every boundary: HTTP bodies and queries, NATS payloads. Field-by-field errors.
import type { PipeTransform } from '@nestjs/common';
import { invalid, type FieldError } from '@virtsim/contracts';
import type { z } from 'zod';

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(body)',
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${(i as { keys: string[] }).keys.join(', ')}` : i.message,
  }));
}

export function parse<T extends z.ZodType>(schema: T, value: unknown, what = 'request'): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const errors = fieldErrors(r.error);
    throw invalid(`${what} is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  }
  return r.data;
}

export class ZodPipe<T extends z.ZodType> implements PipeTransform {
  constructor(private readonly schema: T, private readonly what = 'request') {}
  transform(value: unknown): z.infer<T> {
    return parse(this.schema, value, this.what);
  }
}

export const zodPipe = <T extends z.ZodType>(schema: T, what?: string) => new ZodPipe(schema, what);

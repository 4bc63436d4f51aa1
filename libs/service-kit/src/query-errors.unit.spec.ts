// A bad query parameter is named (issue 19: an unknown one was reported as "(body)").
import { VirtsimError } from '@virtsim/contracts';
import { z } from 'zod';
import { zodPipe } from './validation.js';

const ListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).optional(), cursor: z.string().optional() });
const refusal = (fn: () => unknown) => {
  try { fn(); } catch (err) { return err as VirtsimError; }
  throw new Error('not refused');
};

describe('query validation errors', () => {
  it('an unknown query parameter is named, one error each', () => {
    const e = refusal(() => zodPipe(ListQuery).transform({ limt: '5', foo: 'x' }, { type: 'query' }));
    expect(e.details.errors).toEqual([{ path: 'limt', message: 'unknown query parameter' }, { path: 'foo', message: 'unknown query parameter' }]);
    expect(e.message).toContain('limt: unknown query parameter');
  });

  it('a bad value names its parameter', () => {
    const e = refusal(() => zodPipe(ListQuery).transform({ limit: 'abc' }, { type: 'query' }));
    expect(e.details.errors).toEqual([{ path: 'limit', message: expect.any(String) }]);
  });

  it('a body keeps its unknown-fields entry', () => {
    const e = refusal(() => zodPipe(ListQuery).transform({ foo: 1 }, { type: 'body' }));
    expect(e.details.errors).toEqual([{ path: '(body)', message: 'unknown field(s): foo' }]);
  });
});

import { autoColumns, countBy, formatCell, formatObject, formatTable, pick, shortHash } from './format.js';

describe('formatCell', () => {
  it('renders scalars, nulls and lists readably', () => {
    expect(formatCell(null)).toBe('-');
    expect(formatCell(true)).toBe('yes');
    expect(formatCell(2.345)).toBe('2.35');
    expect(formatCell(['a', 'b'])).toBe('a,b');
    expect(formatCell({ a: 1 })).toBe('{"a":1}');
  });
});

describe('formatTable', () => {
  it('aligns columns under upper-case headers', () => {
    const t = formatTable(
      [{ id: 'vm-1', state: 'running', mem: 4096 }, { id: 'vm-10', state: null, mem: 512 }],
      [{ header: 'id', key: 'id' }, { header: 'state', key: 'state' }, { header: 'mem', key: 'mem', align: 'right' }],
    );
    expect(t.split('\n')).toEqual([
      'ID     STATE     MEM',
      'vm-1   running  4096',
      'vm-10  -         512',
    ]);
  });
  it('reads dotted keys and computed columns, truncating long cells', () => {
    const t = formatTable([{ drs: { enabled: true } }], [
      { header: 'drs', key: 'drs.enabled' },
      { header: 'x', get: () => 'abcdefghij', maxWidth: 5 },
    ]);
    expect(t.split('\n')[1]).toBe('yes  abcd…');
  });
});

describe('autoColumns', () => {
  it('keeps the preferred keys present in the items, in order', () => {
    const cols = autoColumns([{ name: 'a', id: '1', x: { y: 2 } }], ['id', 'name', 'x.y', 'missing']);
    expect(cols.map((c) => c.key)).toEqual(['id', 'name', 'x.y']);
  });
  it('falls back to the scalar keys of the first item', () => {
    expect(autoColumns([{ foo: 1, bar: { z: 1 }, baz: 'q' }], ['id']).map((c) => c.key)).toEqual(['foo', 'baz']);
  });
});

it('formatObject flattens nested objects', () => {
  expect(formatObject({ id: 'c1', drs: { enabled: true, threshold: 3 }, tags: [] })).toBe(
    ['id             c1', 'drs.enabled    yes', 'drs.threshold  3', 'tags           -'].join('\n'),
  );
});

it('pick, shortHash and countBy', () => {
  expect(pick({ a: { b: 1 } }, 'a.b')).toBe(1);
  expect(pick({ a: 1 }, 'a.b')).toBeUndefined();
  expect(shortHash('0123456789abcdef0123')).toBe('0123456789abcdef');
  expect(countBy(['b', 'a', 'b'], (x) => x)).toEqual({ a: 1, b: 2 });
  expect(Object.keys(countBy(['b', 'a'], (x) => x))).toEqual(['a', 'b']);
});

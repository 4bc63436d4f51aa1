import { cowRecord, own } from './record.js';

describe('cowRecord: a copy-on-write view that behaves as { ...base }', () => {
  const base = () => ({ vm1: { n: 1 }, vm2: { n: 2 }, vm3: { n: 3 } });

  it('reads fall through; writes and deletes stay in the view; base is never touched', () => {
    const b = base();
    const before = structuredClone(b);
    const v = cowRecord(b);
    v.vm4 = { n: 4 };
    v.vm2 = { n: 20 };
    delete v.vm1;
    expect(v.vm3).toBe(b.vm3);
    expect([v.vm1, v.vm2, v.vm4]).toEqual([undefined, { n: 20 }, { n: 4 }]);
    expect(b).toEqual(before);
  });

  it('keys, in, Object.hasOwn, own(), spread and JSON equal those of the spread copy after the same writes', () => {
    const v = cowRecord(base());
    const copy: Record<string, { n: number }> = { ...base() };
    for (const r of [v, copy]) { r.vm4 = { n: 4 }; r.vm2 = { n: 20 }; delete r.vm1; r.vm1 = { n: 10 }; delete r.vm3; }
    expect(Object.keys(v)).toEqual(Object.keys(copy));
    expect(JSON.stringify(v)).toBe(JSON.stringify(copy));
    expect({ ...v }).toEqual(copy);
    const forIn: string[] = [];
    for (const k in v) forIn.push(k);
    expect(forIn).toEqual(Object.keys(copy));
    expect(['vm1', 'vm3', 'toString'].map((k) => [k in v, Object.hasOwn(v, k), own(v, k)])).toEqual(
      ['vm1', 'vm3', 'toString'].map((k) => [k in copy, Object.hasOwn(copy, k), own(copy, k)]));
    expect(Object.values(v)).toEqual(Object.values(copy));
  });
});

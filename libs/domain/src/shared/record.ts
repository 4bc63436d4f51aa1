// Id- and name-keyed records are plain objects: a key that comes from outside ("constructor", "toString",
// "__proto__") would read Object.prototype's member as if the record held it. Every such lookup goes through own().
export const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** A copy-on-write view of a large record, made in O(1): reads fall through to `base` until a key is written or
 *  deleted here; `base` is never touched. It behaves as the spread copy `{ ...base }` would (reads, `in`,
 *  Object.hasOwn, Object.keys / for-in / JSON in the same key order), so a decision that sees its own earlier
 *  events (an overlay) costs O(keys it writes) instead of O(every key) per decision. Enumerating it is O(keys). */
export function cowRecord<T>(base: Readonly<Record<string, T>>): Record<string, T> {
  const written = new Map<string, T>();
  /** base keys deleted here (a key set again after it is enumerated last, as in a plain object) */
  const deleted = new Set<string>();
  const hasKey = (k: string) => written.has(k) || (!deleted.has(k) && Object.hasOwn(base, k));
  const valueOf = (k: string) => (written.has(k) ? written.get(k) : base[k]);
  const proto = Object.prototype as Record<PropertyKey, unknown>;
  return new Proxy({} as Record<string, T>, {
    get: (_t, k) => (typeof k === 'string' && hasKey(k) ? valueOf(k) : proto[k]),
    set: (_t, k, v: T) => { written.set(String(k), v); return true; },
    defineProperty: (_t, k, d) => { written.set(String(k), d.value as T); return true; },
    deleteProperty: (_t, k) => {
      const key = String(k);
      written.delete(key);
      if (Object.hasOwn(base, key)) deleted.add(key);
      return true;
    },
    has: (_t, k) => (typeof k === 'string' && hasKey(k)) || k in proto,
    ownKeys: () => [
      ...Object.keys(base).filter((k) => !deleted.has(k)),
      ...[...written.keys()].filter((k) => deleted.has(k) || !Object.hasOwn(base, k)),
    ],
    getOwnPropertyDescriptor: (_t, k) => (typeof k === 'string' && hasKey(k)
      ? { value: valueOf(k), writable: true, enumerable: true, configurable: true }
      : undefined),
  });
}

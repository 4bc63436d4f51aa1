// What a string from outside may hold. PostgreSQL's jsonb refuses NUL (\u0000) and unpaired UTF-16 surrogates, so
// such a string must be refused at the boundary, naming its field, before anything is written. An id is also a key
// of plain-object records: one named after an Object.prototype member ("constructor", "__proto__") is never an id.

const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** why this string cannot be stored, or null */
export const unstorableText = (s: string): string | null =>
  UNSTORABLE.test(s) ? (s.includes('\0') ? 'contains NUL (\\u0000)' : 'contains an unpaired UTF-16 surrogate') : null;

export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

export const isPrototypeKey = (s: string): boolean => PROTOTYPE_KEYS.has(s);

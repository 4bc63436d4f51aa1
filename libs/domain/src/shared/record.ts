// Id- and name-keyed records are plain objects: a key that comes from outside ("constructor", "toString",
// "__proto__") would read Object.prototype's member as if the record held it. Every such lookup goes through own().
export const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

// Lookups by a key that came from a file: a name like `constructor` or `__proto__` must not reach Object.prototype.

/** `record[key]` when `key` is the record's own property, else undefined. */
export const own = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

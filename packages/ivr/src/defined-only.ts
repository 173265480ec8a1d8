// Drops undefined fields, so a partial update or an insert with omitted fields never writes `undefined`.
export function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

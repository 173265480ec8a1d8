// Parameter helpers shared by the IVR adapters.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that cannot be a uuid cannot name a row: answered as "not found" without a query. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** jsonb parameters go as JSON text: `pg` would send a JS array as a Postgres array. SQL NULL stays NULL. */
export function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

// Positions in the newest-first list of a user's keys. Postgres keeps microseconds and a JS Date only milliseconds,
// and a keyset must compare the stored value, so a position carries `YYYY-MM-DDTHH:MM:SS.ffffffZ` text.
import type { KeyPosition, PositionedKey } from "./repository.js";
import type { ApiKeyRecord } from "./types.js";
import { isUuid } from "./validation.js";

const EXACT = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A Date as exact UTC text (its microseconds are zero). */
export function exactTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, -1)}000Z`;
}

/** Whether a value is a position a list gave: exact UTC text Postgres can hold (years 1-9999) and a UUID. */
export function isKeyPosition(value: KeyPosition): boolean {
  return EXACT.test(value.created_at) && !Number.isNaN(Date.parse(value.created_at)) && isUuid(value.id);
}

/**
 * A page of `keys` in memory, newest first (ties: the greater id first, as Postgres orders them): the fallback for
 * repositories without `listApiKeysPage`. Positions compare as text: exact timestamps of one length sort in time order.
 */
export function pageInMemory(
  keys: readonly ApiKeyRecord[],
  limit: number,
  after?: KeyPosition,
  identityId?: string,
): PositionedKey[] {
  return keys
    .filter((key) => identityId === undefined || key.identity_id === identityId)
    .map((key) => ({ key, position: { created_at: exactTimestamp(key.created_at), id: key.id } }))
    .sort((a, b) => (isBefore(a.position, b.position) ? 1 : -1))
    .filter(({ position }) => !after || isBefore(position, after))
    .slice(0, limit);
}

/** Whether `a` comes before `b` in time, ties broken by id: `a` is later in the newest-first list. */
function isBefore(a: KeyPosition, b: KeyPosition): boolean {
  return a.created_at < b.created_at || (a.created_at === b.created_at && a.id < b.id);
}

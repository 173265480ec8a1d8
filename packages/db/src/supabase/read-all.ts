// Reads of any length through PostgREST. It answers at most its `max_rows` rows per request (Supabase: 1000, and a
// project may lower it) and does not say it cut an answer short, so a list read in one request silently loses the
// rest. These read page after page on a keyset (the rows after the last one read), never by offset: a row added
// or deleted meanwhile cannot shift a page and make another row repeat or go missing.
import { data, type Response } from "./postgrest.js";

/** Rows per request: Supabase's default `max_rows`. A project with a lower one still reads everything, in more pages. */
export const PAGE_ROWS = 1000;

/**
 * Every row, or the first `limit`. `page(last, want)` builds the request for at most `want` rows after `last` (none:
 * from the start) in an order on a unique key, `afterRow` giving its filter. Reading stops at `limit` or at an empty
 * page: a short page may be one that `max_rows` cut, so only an empty one proves the end.
 */
export async function readAll<R>(
  page: (last: R | undefined, want: number) => PromiseLike<Response>,
  limit = Number.POSITIVE_INFINITY,
): Promise<R[]> {
  const rows: R[] = [];
  while (rows.length < limit) {
    const chunk = await data<R[]>(page(rows.at(-1), Math.min(PAGE_ROWS, limit - rows.length)));
    if (chunk.length === 0) break;
    rows.push(...chunk);
  }
  return rows;
}

/** One column of a keyset order and the last row's value in it. */
export interface KeysetColumn {
  column: string;
  value: string;
  descending?: boolean;
}

/** A column of an ascending keyset, valued from the last row read. */
export function ascending(column: string, last: object): KeysetColumn {
  return { column, value: String((last as Record<string, unknown>)[column]) };
}

/** A column of a descending keyset, valued from the last row read. */
export function descending(column: string, last: object): KeysetColumn {
  return { column, value: String((last as Record<string, unknown>)[column]), descending: true };
}

/**
 * The `or=()` filter for the rows after a row in a two-column order whose second column breaks ties:
 * `a.gt.x,and(a.eq.x,b.gt.y)` (`lt` for a descending column).
 */
export function afterRow(first: KeysetColumn, second: KeysetColumn): string {
  const past = (c: KeysetColumn) => `${c.column}.${c.descending ? "lt" : "gt"}.${quoted(c.value)}`;
  return `${past(first)},and(${first.column}.eq.${quoted(first.value)},${past(second)})`;
}

/** A value inside or=()/and(): double-quoted, `"` and `\` escaped, so commas, dots and parentheses stay data. */
export function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

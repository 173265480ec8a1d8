/**
 * The one list convention: `?limit=` (default 50, max 100) and an opaque `?cursor=`, answered with
 * `{ data, next_cursor }`. Keyset pagination on (created_at, id) so concurrent inserts never shift a page.
 */
import { z } from "zod";
import { ApiError } from "../errors.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** Spread into a route's querystring schema: `querystring: paginationQuery.extend({ enabled: … })`. */
export const paginationQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe(`Page size, 1-${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`),
  cursor: z.string().min(1).max(512).optional().describe("`next_cursor` of the previous page"),
});

export type PaginationQuery = z.output<typeof paginationQuery>;

/** The response schema of a list endpoint: `page(webhookSchema)`. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    next_cursor: z.string().nullable().describe("Pass as `?cursor=` for the next page; null on the last page"),
  });
}

/**
 * Position after the last row of a page. `created_at` should be the exact Postgres text (`created_at::text`
 * or an ISO string with microseconds): a JS Date keeps milliseconds only, and rows sharing a millisecond
 * would be skipped or repeated.
 */
export const keysetCursor = z.object({ created_at: z.string().min(1), id: z.string().uuid() });
export type KeysetCursor = z.output<typeof keysetCursor>;

export function encodeCursor(position: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
}

/** Decodes a cursor made by `encodeCursor`; anything else is a 400 `invalid_cursor`, never a 500. */
export function decodeCursor<T extends z.ZodType = typeof keysetCursor>(
  cursor: string,
  schema: T = keysetCursor as unknown as T,
): z.output<T> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new ApiError("invalid_cursor", "The cursor is not one this API issued");
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError("invalid_cursor", "The cursor is not one this API issued");
  return parsed.data;
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only says that another page exists.
 * `positionOf` gives the cursor fields of a row (e.g. `(row) => ({ created_at: row.created_at, id: row.id })`).
 */
export function toPage<T>(
  rows: readonly T[],
  limit: number,
  positionOf: (row: T) => Record<string, unknown>,
): { data: T[]; next_cursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  const next_cursor = rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null;
  return { data, next_cursor };
}

// The list convention: ?limit= and ?cursor= → { data, next_cursor }, stable while rows are being inserted.
import { describeDatabases } from "@vx/db/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { RoutePlugin } from "../src/route-kit.js";
import { decodeCursor, encodeCursor, keysetCursor, page, paginationQuery, toPage } from "../src/route-kit.js";
import { createTestApp, type TestApp } from "../src/testing.js";

describe("cursors", () => {
  it("round-trip any position", () => {
    fc.assert(
      fc.property(fc.record({ created_at: fc.string({ minLength: 1 }), id: fc.uuid() }), (position) => {
        expect(decodeCursor(encodeCursor(position))).toEqual(position);
      }),
    );
  });

  it("refuse anything that is not a cursor as invalid_cursor", () => {
    fc.assert(
      fc.property(fc.string(), (garbage) => {
        const parsed = keysetCursor.safeParse(safeJson(Buffer.from(garbage, "base64url").toString("utf8")));
        if (parsed.success) return;
        expect(() => decodeCursor(garbage)).toThrow(expect.objectContaining({ code: "invalid_cursor" }));
      }),
    );
  });

  it("make a page from limit + 1 rows: the extra row only signals a next page", () => {
    const rows = [1, 2, 3].map((n) => ({ id: `id-${n}`, created_at: `t${n}` }));
    const first = toPage(rows, 2, (r) => ({ created_at: r.created_at, id: r.id }));
    expect(first.data).toEqual(rows.slice(0, 2));
    expect(decodeCursor(first.next_cursor!, z.object({ id: z.string(), created_at: z.string() }))).toEqual({
      id: "id-2",
      created_at: "t2",
    });
    expect(toPage(rows.slice(0, 2), 2, (r) => r)).toEqual({ data: rows.slice(0, 2), next_cursor: null });
  });

  it("accept limit 1-100 with default 50", () => {
    expect(paginationQuery.parse({})).toEqual({ limit: 50 });
    expect(paginationQuery.parse({ limit: "100", cursor: "c" })).toEqual({ limit: 100, cursor: "c" });
    for (const limit of ["0", "101", "-1", "1.5", "ten"])
      expect(paginationQuery.safeParse({ limit }).success).toBe(false);
  });
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const item = z.object({ id: z.uuid(), created_at: z.string() });

/** A list endpoint written the way ROUTES.md tells route authors to. */
const itemRoutes: RoutePlugin = async (app, ctx) => {
  app.get("/items", { schema: { querystring: paginationQuery, response: { 200: page(item) } } }, async (request) => {
    const { limit, cursor } = request.query;
    const after = cursor ? decodeCursor(cursor) : undefined;
    const { rows } = await ctx.db.query<{ id: string; created_at: string }>(
      `SELECT id, created_at::text AS created_at FROM test_items
       WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [after?.created_at ?? null, after?.id ?? null, limit + 1],
    );
    return toPage(rows, limit, (row) => ({ created_at: row.created_at, id: row.id }));
  });
};

describeDatabases("cursor pagination", ({ db }) => {
  let t: TestApp;
  beforeAll(async () => {
    await db().query(
      "CREATE TABLE test_items (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz NOT NULL DEFAULT now())",
    );
    t = await createTestApp({ db: db(), routes: [itemRoutes] });
  });
  afterAll(() => t.app.close());

  it("walks every row exactly once while new rows are inserted between pages", async () => {
    // 25 rows in the past, three per microsecond, so ordering must fall back to the id; new rows are newer.
    await db().query(
      "INSERT INTO test_items (created_at) SELECT '2020-01-01T00:00:00Z'::timestamptz + (g / 3) * interval '1 microsecond' FROM generate_series(1, 25) g",
    );
    const before = (await db().query<{ id: string }>("SELECT id FROM test_items")).rows.map((r) => r.id).sort();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/items?limit=4${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await t.app.inject({ url });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { data: Array<{ id: string }>; next_cursor: string | null };
      expect(body.data.length).toBeLessThanOrEqual(4);
      seen.push(...body.data.map((r) => r.id));
      cursor = body.next_cursor;
      await db().query("INSERT INTO test_items DEFAULT VALUES");
      pages++;
    } while (cursor);
    expect(pages).toBe(7);
    expect(seen).toHaveLength(25);
    expect([...seen].sort()).toEqual(before);
  });

  it("defaults to 50 rows and refuses limits over 100", async () => {
    const res = await t.app.inject({ url: "/v1/items" });
    expect(res.json().data.length).toBeLessThanOrEqual(50);
    const tooMany = await t.app.inject({ url: "/v1/items?limit=101" });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors[0].field).toBe("querystring.limit");
  });
});

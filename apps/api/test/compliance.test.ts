// /v1/audit-logs, /v1/me/export, DELETE /v1/me and /v1/me/consents end to end, on PGlite and Postgres.
import { randomUUID } from "node:crypto";
import { subjectSha256 } from "@vx/compliance";
import { describeDatabases } from "@vx/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import apiKeyRoutes from "../src/routes/api-keys/index.js";
import complianceRoutes from "../src/routes/compliance/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";

const NOW = new Date("2030-01-01T12:00:00Z");
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describeDatabases("compliance routes", ({ db }) => {
  let t: TestApp;
  const as = async (userId: string) => bearer(await t.token(userId));

  beforeAll(async () => {
    t = await createTestApp({
      db: db(),
      now: () => NOW,
      routes: [apiKeyRoutes, complianceRoutes],
      config: { rateLimit: { max: 100_000, windowMs: 60_000 } },
    });
  });
  afterAll(async () => {
    await t.app.close();
  });

  async function createKey(userId: string, scopes: string[]) {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: await as(userId),
      payload: { name: `key ${scopes.join(" ")}`, scopes },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { api_key: { id: string }; plain_key: string };
  }

  it("lists the caller's audit trail newest first, page by page, and nobody else's", async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    const keys = [];
    for (let i = 0; i < 3; i++) keys.push((await createKey(alice, ["*"])).api_key.id);
    await createKey(bob, ["*"]);

    const seen: { action: string; resource_id: string; actor_id: string }[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/audit-logs?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await t.app.inject({
        url,
        headers: await as(alice),
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { data: typeof seen; next_cursor: string | null };
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data);
      cursor = body.next_cursor;
    } while (cursor);

    expect(seen.map((e) => [e.action, e.resource_id, e.actor_id])).toEqual(
      [...keys].reverse().map((id) => ["api_key.created", id, alice]),
    );
  });

  it("refuses a tampered cursor, a missing token, and an API key without audit_logs:read", async () => {
    const alice = randomUUID();
    const tampered = await t.app.inject({ url: "/v1/audit-logs?cursor=bm90LWEtY3Vyc29y", headers: await as(alice) });
    expect(tampered.statusCode).toBe(400);
    expect(tampered.json()).toMatchObject({ code: "invalid_cursor" });
    for (const created_at of ["yesterday", "0000-01-01T00:00:00.000000Z"]) {
      // Year 0000 is a date to JS and none to Postgres: still the cursor's problem, not the database's.
      const forged = Buffer.from(JSON.stringify({ created_at, id: randomUUID() })).toString("base64url");
      const response = await t.app.inject({ url: `/v1/audit-logs?cursor=${forged}`, headers: await as(alice) });
      expect(response.statusCode, created_at).toBe(400);
      expect(response.json(), created_at).toMatchObject({ code: "invalid_cursor" });
    }

    expect((await t.app.inject({ url: "/v1/audit-logs" })).statusCode).toBe(401);
    const narrow = await createKey(alice, ["webhooks:read"]);
    const refused = await t.app.inject({ url: "/v1/audit-logs", headers: bearer(narrow.plain_key) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: "insufficient_scope" });
    const reader = await createKey(alice, ["audit_logs:read"]);
    expect((await t.app.inject({ url: "/v1/audit-logs", headers: bearer(reader.plain_key) })).statusCode).toBe(200);
  });

  it("exports everything about the caller as one JSON download, without key hashes, and audits it", async () => {
    const alice = randomUUID();
    const { api_key, plain_key } = await createKey(alice, ["*"]);
    await t.app.inject({
      method: "PUT",
      url: "/v1/me/consents",
      headers: await as(alice),
      payload: { consents: [{ purpose: "marketing_email", granted: true }] },
    });

    const res = await t.app.inject({ url: "/v1/me/export", headers: await as(alice) });

    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="vx-export-${alice}.json"`);
    const doc = res.json();
    expect(doc).toMatchObject({ format: "vx.user-data-export.v1", user_id: alice, exported_at: NOW.toISOString() });
    expect(doc.tables.api_keys).toEqual([expect.objectContaining({ id: api_key.id, user_id: alice })]);
    expect(doc.tables.consents).toEqual([expect.objectContaining({ purpose: "marketing_email", granted: true })]);
    expect(doc.tables.audit_logs.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(["api_key.created", "consent.granted"]),
    );
    expect(res.body).not.toContain("key_hash");
    expect(res.body).not.toContain(plain_key);

    const trail = await t.app.inject({ url: "/v1/audit-logs?limit=1", headers: await as(alice) });
    expect(trail.json().data[0]).toMatchObject({ action: "user_data.exported", actor_id: alice });

    const keyWithoutScope = await createKey(alice, ["audit_logs:read"]);
    expect((await t.app.inject({ url: "/v1/me/export", headers: bearer(keyWithoutScope.plain_key) })).statusCode).toBe(
      403,
    );
  });

  it("erases the caller's data on DELETE /v1/me (204), records it without the user id, and refuses API keys", async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    const { plain_key } = await createKey(alice, ["*"]);
    await createKey(bob, ["*"]);

    const byKey = await t.app.inject({ method: "DELETE", url: "/v1/me", headers: bearer(plain_key) });
    expect(byKey.statusCode).toBe(403);

    const erased = await t.app.inject({ method: "DELETE", url: "/v1/me", headers: await as(alice) });
    expect(erased.statusCode, erased.body).toBe(204);
    expect(erased.body).toBe("");

    const after = (await t.app.inject({ url: "/v1/me/export", headers: await as(alice) })).json();
    for (const [table, rows] of Object.entries(after.tables)) expect(rows, table).toEqual([]);
    const bobs = (await t.app.inject({ url: "/v1/me/export", headers: await as(bob) })).json();
    expect(bobs.tables.api_keys).toHaveLength(1);
    const { rows } = await db().query<{ user_id: string | null; metadata: string }>(
      "SELECT user_id, metadata::text FROM audit_logs WHERE action = 'user_data.erased' AND metadata ->> 'subject_sha256' = $1",
      [subjectSha256(alice)],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.user_id).toBeNull();
    expect(rows[0]!.metadata).not.toContain(alice);
  });

  it("grants, withdraws and lists the caller's consents", async () => {
    const alice = randomUUID();
    const put = (consents: unknown) =>
      as(alice).then((headers) =>
        t.app.inject({ method: "PUT", url: "/v1/me/consents", headers, payload: { consents } }),
      );

    const granted = await put([
      { purpose: "marketing_email", granted: true },
      { purpose: "call_recording", granted: false },
    ]);
    expect(granted.statusCode, granted.body).toBe(200);
    expect(granted.json().data).toEqual([
      {
        purpose: "call_recording",
        granted: false,
        granted_at: null,
        withdrawn_at: NOW.toISOString(),
        updated_at: NOW.toISOString(),
      },
      {
        purpose: "marketing_email",
        granted: true,
        granted_at: NOW.toISOString(),
        withdrawn_at: null,
        updated_at: NOW.toISOString(),
      },
    ]);
    await put([{ purpose: "marketing_email", granted: false }]);
    const listed = await t.app.inject({ url: "/v1/me/consents", headers: await as(alice) });
    expect(listed.json().data.map((c: { purpose: string; granted: boolean }) => [c.purpose, c.granted])).toEqual([
      ["call_recording", false],
      ["marketing_email", false],
    ]);
    expect((await t.app.inject({ url: "/v1/me/consents", headers: await as(randomUUID()) })).json()).toEqual({
      data: [],
    });

    const badPurpose = await put([{ purpose: "Marketing Email", granted: true }]);
    expect(badPurpose.statusCode).toBe(400);
    expect(badPurpose.json()).toMatchObject({ code: "validation_failed" });
    const twice = await put([
      { purpose: "a", granted: true },
      { purpose: "a", granted: false },
    ]);
    expect(twice.statusCode).toBe(422);
    expect(twice.json()).toMatchObject({ code: "invalid_consent" });
  });

  it("documents every compliance route in the OpenAPI document, as needing credentials", async () => {
    const doc = (await t.app.inject({ url: "/openapi.json" })).json() as {
      paths: Record<string, Record<string, { tags?: string[]; security?: unknown[] }>>;
      components: { schemas: Record<string, unknown> };
    };
    const operations = [
      ["/v1/audit-logs", "get"],
      ["/v1/me/export", "get"],
      ["/v1/me", "delete"],
      ["/v1/me/consents", "get"],
      ["/v1/me/consents", "put"],
    ] as const;
    for (const [path, method] of operations) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toMatchObject({ tags: ["compliance"] });
      expect(operation?.security?.length, `${method} ${path}`).toBeGreaterThan(0);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["AuditLogEntry", "UserDataExport", "Consent", "Consents"]),
    );
  });
});

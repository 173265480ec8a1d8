// API keys on the webhook routes: webhooks:read lists (messages too), webhooks:write changes (and replays),
// events:write triggers; nothing more.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import apiKeyRoutes from "../src/routes/api-keys/index.js";
import { createWebhookRoutes, type WebhookSettings } from "../src/routes/webhooks/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";

const LOCAL: WebhookSettings = { allowHttp: true, allowPrivateUrls: true, maxPayloadBytes: 4096, timeoutMs: 2000 };

describeDatabases("webhook routes under API-key scopes", ({ db }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ db: db(), routes: [apiKeyRoutes, createWebhookRoutes(LOCAL)] });
  });
  afterAll(() => t.close());

  async function keyWith(userId: string, scopes: string[]): Promise<Record<string, string>> {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: await t.authHeaders(userId),
      payload: { name: scopes.join(" "), scopes },
    });
    expect(res.statusCode, res.body).toBe(201);
    return { "x-api-key": res.json().plain_key };
  }

  it("grants each route only to its scope and answers 403 insufficient_scope otherwise", async () => {
    const user = randomUUID();
    const read = await keyWith(user, ["webhooks:read"]);
    const write = await keyWith(user, ["webhooks:write"]);
    const events = await keyWith(user, ["events:write"]);
    const webhook = { url: "http://127.0.0.1:9/hook", events: ["call.started"] };
    const trigger = { event: "call.started", payload: { callId: "call_1" } };
    const send = (headers: Record<string, string>, method: "GET" | "POST", url: string, payload?: object) =>
      t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

    const created = await send(write, "POST", "/v1/webhooks", webhook);
    expect(created.statusCode, created.body).toBe(201);
    expect((await send(read, "GET", "/v1/webhooks")).statusCode).toBe(200);
    expect((await send(read, "GET", `/v1/webhooks/${created.json().id}/logs`)).statusCode).toBe(200);
    expect((await send(events, "POST", "/v1/events", trigger)).statusCode).toBe(202);
    const messages = `/v1/webhooks/${created.json().id}/messages`;
    const listed = await send(read, "GET", messages);
    expect(listed.statusCode).toBe(200);
    const message = `${messages}/${listed.json().data[0].id}`;
    expect((await send(read, "GET", message)).statusCode).toBe(200);
    expect((await send(write, "POST", `${message}/replay`)).statusCode).toBe(202);

    for (const [headers, method, url, payload] of [
      [read, "POST", "/v1/webhooks", webhook],
      [read, "POST", "/v1/events", trigger],
      [events, "GET", "/v1/webhooks", undefined],
      [write, "POST", "/v1/events", trigger],
      [read, "POST", `${message}/replay`, undefined],
      [write, "GET", messages, undefined],
      [events, "GET", message, undefined],
    ] as const) {
      const refused = await send(headers, method, url, payload);
      expect(refused.statusCode, `${method} ${url}`).toBe(403);
      expect(refused.json()).toMatchObject({ code: "insufficient_scope" });
    }
    const webhooks = await send(read, "GET", "/v1/webhooks");
    expect(webhooks.json().data).toHaveLength(1);
  });

  it("gives signing material only to webhooks:write: a read-only key sees no secret anywhere", async () => {
    const user = randomUUID();
    const read = await keyWith(user, ["webhooks:read"]);
    const write = await keyWith(user, ["webhooks:read", "webhooks:write"]);
    const get = (headers: Record<string, string>, url: string) => t.app.inject({ method: "GET", url, headers });
    const created = await t.app.inject({
      method: "POST",
      url: "/v1/webhooks",
      headers: write,
      payload: { url: "http://127.0.0.1:9/hook", events: ["call.started"] },
    });
    const { id, secret } = created.json();
    const secretUrl = `/v1/webhooks/${id}/secret`;
    expect((await get(read, secretUrl)).statusCode).toBe(403);
    expect((await get(write, secretUrl)).json()).toEqual({ secret });
    for (const url of ["/v1/webhooks", `/v1/webhooks/${id}`, `/v1/webhooks/${id}/logs`]) {
      const listed = await get(read, url);
      expect(listed.statusCode, url).toBe(200);
      expect(listed.body).not.toContain(secret.slice(6));
      expect(listed.body).not.toContain("whsec_");
    }
  });
});

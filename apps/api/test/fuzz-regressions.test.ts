// What the fuzzer found, pinned as plain examples: text Postgres cannot store and malformed Twilio form fields are
// a 400 naming the field (they were 500s), deep JSON is a 400 naming the limit, and errors the router raises before
// any route (bad percent-encoding, long parameters) are problem+json. On PGlite, and on Postgres when configured.
import { describeDatabases } from "@vx/db/testing";
import { type Receiver, startReceiver } from "@vx/webhooks/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../src/http/nul-guard.js";
import { createTestApp, type TestApp } from "../src/testing.js";
import { settingsFromEnv } from "./support/env.js";
import { seedTenant, type Tenant } from "./support/tenant.js";

describeDatabases("input the fuzzer found", ({ db }) => {
  let t: TestApp;
  let receiver: Receiver;
  let user: Tenant;

  beforeAll(async () => {
    // No TWILIO_AUTH_TOKEN: unsigned Twilio requests reach validation, as they do in development.
    const config = settingsFromEnv({ WEBHOOK_ALLOW_HTTP: "true", WEBHOOK_ALLOW_PRIVATE_URLS: "true" });
    receiver = await startReceiver();
    t = await createTestApp({ db: db(), config });
    user = await seedTenant(t, receiver.url);
  });
  afterAll(async () => {
    await t.app.close();
    await receiver.close();
  });

  const send = (method: "GET" | "POST" | "PATCH", url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.jwt, ...(payload ? { payload } : {}) });

  it.each([
    ["GET", "/v1/ivr/sessions/%00", undefined, "params.session_id"],
    ["POST", "/v1/ivr/sessions/a%00b/back", undefined, "params.session_id"],
    ["POST", "/v1/api-keys", { name: "ci\u0000key" }, "body.name"],
    ["POST", "/v1/ivr/menus", { name: "Main", prompt: "Press\u0000 1" }, "body.prompt"],
    ["POST", "/v1/ivr/sessions", { session_id: "CA\u0000", menu_id: "" }, "body.session_id"],
    ["POST", "/v1/events", { event: "call.started", payload: { note: ["ok", "a\u0000"] } }, "body.payload.note.1"],
    ["POST", "/v1/events", { event: "call.started", payload: { "key\u0000": 1 } }, "body.payload.key\u0000"],
    ["GET", "/v1/audit-logs?cursor=%00", undefined, "querystring.cursor"],
  ] as const)(
    "refuses U+0000 (%s %s) with a 400 naming %s, never a database error",
    async (method, url, payload, field) => {
      const response = await send(method, url, payload);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({
        code: "validation_failed",
        errors: [{ field, message: "must not contain the NUL character (U+0000)" }],
      });
    },
  );

  it("refuses a message cursor whose date Postgres cannot hold with a 400 invalid_cursor (it was a 500)", async () => {
    const forged = Buffer.from(
      JSON.stringify({ created_at: "-004713-11-23T23:59:59.999Z", id: "f2a8c55b-0820-46ff-aee2-d5888fca6b64" }),
    ).toString("base64url");
    const response = await send("GET", `/v1/webhooks/${user.webhook.id}/messages?cursor=${forged}`);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({ code: "invalid_cursor" });
  });

  it.each([
    ["GET", "/v1/api-keys/:key/stats?to=0000-01-01T00%3A00%3A00Z", undefined, "querystring.to"],
    ["PATCH", "/v1/api-keys/:key", { expires_at: "0000-01-01T00:00:00Z" }, "body.expires_at"],
    ["POST", "/v1/webhooks/:webhook/recover", { since: "0000-01-01T00:00:00Z" }, "body.since"],
  ] as const)(
    "refuses a year Postgres cannot hold (%s %s) with a 400 naming %s (it was a 500)",
    async (method, route, payload, field) => {
      const url = route.replace(":key", user.apiKey.id).replace(":webhook", user.webhook.id);
      const response = await send(method, url, payload);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({
        code: "validation_failed",
        errors: [{ field, message: "must be a date between the years 0001 and 9999" }],
      });
    },
  );

  it("still stores the same text without the NUL", async () => {
    const response = await send("POST", "/v1/events", { event: "call.started", payload: { note: "a\\u0000 as text" } });
    expect(response.statusCode).toBe(202);
  });

  it("answers malformed percent-encoding in a path with a problem+json 400 carrying the request id", async () => {
    const response = await send("GET", "/v1/webhooks/%zz");
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      status: 400,
      code: "bad_request",
      request_id: response.headers["x-request-id"],
    });
  });

  it("lets a call id as long as the schema allows (255) reach its route", async () => {
    const response = await send("GET", `/v1/ivr/sessions/${"C".repeat(255)}`);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: "session_not_found" });
  });

  it("answers a path parameter longer than any route accepts with problem+json, not the router's own JSON", async () => {
    const response = await send("GET", `/v1/ivr/sessions/${"C".repeat(600)}`);
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 400, code: "bad_request" });
  });

  const twilio = (form: string) =>
    t.app.inject({
      method: "POST",
      url: `/v1/ivr/twilio/voice/${user.menus.main}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: form,
    });

  it.each([
    ["body.CallSid", "CallSid=+"],
    ["body.CallSid", "CallSid=%20"],
    ["body.CallSid", "CallSid=%2B"],
    ["body.CallSid", "CallSid="],
    ["body.Digits", "CallSid=CA1&Digits=1a"],
    ["body.Digits", "CallSid=CA1&Digits=1%0A"],
    ["body.CallStatus", "CallSid=CA1&CallStatus=%20"],
    ["body.From", "CallSid=CA1&From=%2B1555%0D%0A"],
    ["body.To", `CallSid=CA1&To=${"9".repeat(300)}`],
    ["body.AccountSid", "CallSid=CA1&AccountSid=AC+1"],
    ["body.CallSid", "Digits=1"],
  ])("refuses a bad %s in Twilio's form (%j) with a 400 naming it (a CallSid of + was a 500)", async (field, form) => {
    const response = await twilio(form);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      code: "validation_failed",
      errors: [{ field, message: expect.any(String) }],
    });
  });

  it("still answers a well-formed Twilio request with TwiML", async () => {
    const response = await twilio("CallSid=CA0123456789abcdef0123456789abcdef&From=%2B15005550006&To=client%3Aalice");
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).toMatch(/<Response>/);
  });

  it(`refuses an event payload nested deeper than ${MAX_JSON_DEPTH} levels with a 400 naming the limit (it overflowed the stack)`, async () => {
    const depth = 20_000;
    const payload = `{"event":"call.started","payload":{"deep":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
    const response = await t.app.inject({
      method: "POST",
      url: "/v1/events",
      headers: { ...user.jwt, "content-type": "application/json" },
      payload,
    });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(400);
    expect(response.json()).toMatchObject({
      code: "validation_failed",
      errors: [{ message: `must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep` }],
    });
    expect(response.json().errors[0].field).toMatch(/^body\.payload\.deep(\.0)+$/);
  });
});

// A call walked through the IVR over HTTP becomes webhook events for the menu's owner: started, transferred, ended.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../src/testing.js";
import { settingsFromEnv } from "./support/env.js";

describeDatabases("IVR sessions emit webhook events", ({ db }) => {
  let t: TestApp;
  beforeAll(async () => {
    // The subscription points at a local URL nobody delivers to here: no worker runs in this app.
    const config = settingsFromEnv({ WEBHOOK_ALLOW_HTTP: "true", WEBHOOK_ALLOW_PRIVATE_URLS: "true" });
    t = await createTestApp({ db: db(), config });
  });
  afterAll(async () => {
    await t.close();
  });

  it("enqueues ivr.session.started, call.transferred and ivr.session.ended for a transferred call", async () => {
    const user = randomUUID();
    const headers = await t.authHeaders(user);
    const post = (url: string, payload: object) => t.app.inject({ method: "POST", url, headers, payload });
    const hook = await post("/v1/webhooks", {
      url: "http://127.0.0.1:9/hook",
      events: ["ivr.session.started", "call.transferred", "ivr.session.ended"],
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const menu = await post("/v1/ivr/menus", {
      name: "Main",
      prompt: "Press 3 for billing",
      items: [{ digit: "3", label: "Billing", action: "transfer", target: "+1234567890" }],
    });
    expect(menu.statusCode, menu.body).toBe(201);
    const sessionId = `CA${randomUUID()}`;
    expect((await post("/v1/ivr/sessions", { session_id: sessionId, menu_id: menu.json().id })).statusCode).toBe(201);
    expect((await post(`/v1/ivr/sessions/${sessionId}/input`, { digits: "3" })).statusCode).toBe(200);

    const { rows } = await db().query<{ event: string }>(
      "SELECT event FROM webhook_messages WHERE webhook_id = $1 ORDER BY created_at, event",
      [hook.json().id],
    );
    expect(rows.map((r) => r.event).sort()).toEqual(["call.transferred", "ivr.session.ended", "ivr.session.started"]);
  });
});

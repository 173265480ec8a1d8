// /v1/ivr/sessions end to end: a call walked through the example menu over HTTP, persisted at every step.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIvrRoutes } from "../src/routes/ivr/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";

describeDatabases("/v1/ivr/sessions", ({ db }) => {
  let t: TestApp;
  let current = Date.parse("2031-05-01T10:00:00Z");
  const events: { event: string; payload: Record<string, unknown>; userId: string }[] = [];
  beforeAll(async () => {
    t = await createTestApp({
      db: db(),
      now: () => new Date(current),
      routes: [createIvrRoutes({ emit: (event, payload, { userId }) => void events.push({ event, payload, userId }) })],
    });
  });
  afterAll(() => t.close());

  async function caller(userId: string) {
    const headers = await t.authHeaders(userId);
    return async (method: "GET" | "POST", url: string, payload?: object) => {
      const response = await t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      return { status: response.statusCode, body: response.json() };
    };
  }

  async function setup() {
    const user = randomUUID();
    const call = await caller(user);
    const sales = await call("POST", "/v1/ivr/menus", {
      name: "Sales",
      prompt: "Press 1 for new orders",
      items: [{ digit: "1", action: "agent", target: "sales-new" }],
    });
    const main = await call("POST", "/v1/ivr/menus", {
      name: "Main Menu",
      prompt: "Press 1 for sales, 2 for support, 3 for billing",
      items: [
        { digit: "1", label: "Sales", action: "submenu", target: sales.body.id },
        { digit: "2", label: "Support", action: "agent", target: "support-queue" },
        { digit: "3", label: "Billing", action: "transfer", target: "+1234567890" },
      ],
      timeout: 30000,
      max_retries: 3,
    });
    return {
      user,
      call,
      mainId: main.body.id as string,
      salesId: sales.body.id as string,
      sessionId: `CA${randomUUID()}`,
    };
  }

  it("walks a call from the prompt to a transfer, the session persisted at every step", async () => {
    const { call, mainId, salesId, sessionId } = await setup();
    const started = await call("POST", "/v1/ivr/sessions", { session_id: sessionId, menu_id: mainId });
    expect(started.status).toBe(201);
    expect(started.body.actions).toEqual([
      { type: "say", text: "Press 1 for sales, 2 for support, 3 for billing" },
      { type: "gather", num_digits: 1, timeout_ms: 30000, finish_on_key: "#" },
    ]);
    expect(started.body.session).toMatchObject({ session_id: sessionId, status: "active", menu_stack: [mainId] });

    current += 5_000;
    const toSales = await call("POST", `/v1/ivr/sessions/${sessionId}/input`, { digits: "1" });
    expect(toSales.body.session).toMatchObject({ current_menu_id: salesId, menu_stack: [mainId, salesId] });
    expect(toSales.body.actions[0]).toEqual({ type: "say", text: "Press 1 for new orders" });

    const back = await call("POST", `/v1/ivr/sessions/${sessionId}/back`);
    expect(back.body.session.menu_stack).toEqual([mainId]);
    const silence = await call("POST", `/v1/ivr/sessions/${sessionId}/timeout`);
    expect(silence.body.actions[0]).toEqual({ type: "say", text: "Sorry, we did not receive your selection." });
    expect(silence.body.session).toMatchObject({ retry_count: 1, state: { timeout_count: 1 } });

    current += 2_000;
    const billed = await call("POST", `/v1/ivr/sessions/${sessionId}/input`, { digits: "3" });
    expect(billed.body.actions).toEqual([{ type: "transfer", target: "+1234567890" }]);
    expect(billed.body.session).toMatchObject({
      status: "completed",
      end_reason: "transfer",
      ended_at: new Date(current).toISOString(),
      version: 4,
    });

    const fetched = await call("GET", `/v1/ivr/sessions/${sessionId}`);
    expect(fetched).toEqual({ status: 200, body: billed.body.session });
  });

  it("emits started, transferred and ended events for the owner", async () => {
    const { user, call, mainId, sessionId } = await setup();
    await call("POST", "/v1/ivr/sessions", { session_id: sessionId, menu_id: mainId });
    await call("POST", `/v1/ivr/sessions/${sessionId}/input`, { digits: "2" });
    const mine = events.filter((e) => e.payload.session_id === sessionId);
    expect(mine.map((e) => e.event)).toEqual(["ivr.session.started", "call.transferred", "ivr.session.ended"]);
    expect(mine.every((e) => e.userId === user)).toBe(true);
    const metrics = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(/vx_ivr_sessions_ended_total\{status="completed"\} [1-9]/);
  });

  it("ends a session when the caller hangs up; later input is refused with 409", async () => {
    const { call, mainId, sessionId } = await setup();
    await call("POST", "/v1/ivr/sessions", { session_id: sessionId, menu_id: mainId });
    const ended = await call("POST", `/v1/ivr/sessions/${sessionId}/end`);
    expect(ended.body).toMatchObject({ session: { status: "abandoned", end_reason: "caller_hangup" }, actions: [] });
    expect((await call("POST", `/v1/ivr/sessions/${sessionId}/end`)).status).toBe(200);
    const late = await call("POST", `/v1/ivr/sessions/${sessionId}/input`, { digits: "1" });
    expect(late).toMatchObject({ status: 409, body: { code: "session_ended" } });
  });

  it("refuses a second session for one call, and bad digits", async () => {
    const { call, mainId, sessionId } = await setup();
    await call("POST", "/v1/ivr/sessions", { session_id: sessionId, menu_id: mainId });
    const again = await call("POST", "/v1/ivr/sessions", { session_id: sessionId, menu_id: mainId });
    expect(again).toMatchObject({ status: 409, body: { code: "session_exists" } });
    const bad = await call("POST", `/v1/ivr/sessions/${sessionId}/input`, { digits: "1a" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe("body.digits");
  });

  describe("another user", () => {
    it("cannot start a session on a menu, drive or read a session that is not theirs", async () => {
      const { call, mainId, sessionId } = await setup();
      await call("POST", "/v1/ivr/sessions", { session_id: sessionId, menu_id: mainId });
      const stranger = await caller(randomUUID());
      const start = await stranger("POST", "/v1/ivr/sessions", { session_id: `CA${randomUUID()}`, menu_id: mainId });
      expect(start).toMatchObject({ status: 404, body: { code: "menu_not_found" } });
      for (const path of ["input", "back", "timeout", "end"]) {
        const response = await stranger(
          "POST",
          `/v1/ivr/sessions/${sessionId}/${path}`,
          path === "input" ? { digits: "2" } : undefined,
        );
        expect(response, path).toMatchObject({ status: 404, body: { code: "session_not_found" } });
      }
      expect((await stranger("GET", `/v1/ivr/sessions/${sessionId}`)).status).toBe(404);
      expect((await call("GET", `/v1/ivr/sessions/${sessionId}`)).body.status).toBe("active");
    });
  });
});

// The idle-session sweep worker closes calls that went silent, and only those.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createIvrRoutes, startIvrSweep } from "../src/routes/ivr/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";

describeDatabases("IVR idle sweep", ({ db }) => {
  let t: TestApp;
  let current = Date.parse("2032-01-01T00:00:00Z");
  beforeAll(async () => {
    t = await createTestApp({ db: db(), now: () => new Date(current), routes: [createIvrRoutes()] });
  });
  afterAll(() => t.close());

  it("closes sessions silent past their menu's timeout plus the grace, and reports them ended", async () => {
    const user = randomUUID();
    const headers = await t.authHeaders(user);
    const menu = await t.app.inject({
      method: "POST",
      url: "/v1/ivr/menus",
      headers,
      payload: {
        name: "Hours",
        prompt: "Open nine to five",
        timeout: 10_000,
        items: [{ digit: "1", action: "agent", target: "q" }],
      },
    });
    const start = (session_id: string) =>
      t.app.inject({
        method: "POST",
        url: "/v1/ivr/sessions",
        headers,
        payload: { session_id, menu_id: menu.json().id },
      });
    const [silent, talking] = [`CA${randomUUID()}`, `CA${randomUUID()}`];
    await start(silent);
    current += 10_000;
    await start(talking);

    const ended: string[] = [];
    const sweeper = startIvrSweep(t.ctx, {
      graceMs: 5_000,
      emit: (event, payload) => {
        if (event === "ivr.session.ended") ended.push(String(payload.session_id));
      },
    });
    try {
      current += 5_000;
      expect(await sweeper.runNow()).toBe(0);
      current += 1;
      expect(await sweeper.runNow()).toBe(1);
    } finally {
      await sweeper.stop();
    }
    const read = async (id: string) =>
      (await t.app.inject({ method: "GET", url: `/v1/ivr/sessions/${id}`, headers })).json();
    expect(await read(silent)).toMatchObject({ status: "timeout", end_reason: "idle" });
    expect(await read(talking)).toMatchObject({ status: "active" });
    expect(ended).toEqual([silent]);
  });
});

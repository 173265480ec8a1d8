// /v1/ivr/menus end to end: a user builds the specification's example menu, and the API refuses broken graphs.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIvrRoutes } from "../src/routes/ivr/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";

describeDatabases("/v1/ivr/menus", ({ db }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ db: db(), routes: [createIvrRoutes()] });
  });
  afterAll(() => t.close());

  async function as(userId: string) {
    const headers = await t.authHeaders(userId);
    return (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: object) =>
      t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  }

  async function exampleMenus(call: Awaited<ReturnType<typeof as>>) {
    const sales = await call("POST", "/v1/ivr/menus", {
      name: "Sales",
      prompt: "Press 1 for new orders, 2 for existing orders",
      items: [
        { digit: "1", label: "New orders", action: "agent", target: "sales-new" },
        { digit: "2", label: "Existing orders", action: "agent", target: "sales-existing" },
      ],
    });
    const main = await call("POST", "/v1/ivr/menus", {
      name: "Main Menu",
      prompt: "Press 1 for sales, 2 for support, 3 for billing",
      items: [
        { digit: "1", label: "Sales", action: "submenu", target: sales.json().id },
        { digit: "2", label: "Support", action: "agent", target: "support-queue" },
        { digit: "3", label: "Billing", action: "transfer", target: "+1234567890" },
      ],
      timeout: 30000,
      max_retries: 3,
    });
    return { sales, main };
  }

  it("creates the specification's example menu and its submenu, with the column defaults", async () => {
    const call = await as(randomUUID());
    const { sales, main } = await exampleMenus(call);
    expect(sales.statusCode).toBe(201);
    expect(main.statusCode).toBe(201);
    expect(main.json()).toMatchObject({
      name: "Main Menu",
      timeout: 30000,
      max_retries: 3,
      invalid_prompt: "Sorry, that is not a valid option.",
      back_key: "*",
      operator_key: "0",
      on_max_retries: null,
      warnings: [],
    });
    const fetched = await call("GET", `/v1/ivr/menus/${main.json().id}`);
    expect(fetched.json().items).toEqual(main.json().items);
    expect(fetched.json()).not.toHaveProperty("warnings");
  });

  it("lists only the caller's menus, newest first, a page at a time", async () => {
    const user = randomUUID();
    const call = await as(user);
    const { sales, main } = await exampleMenus(call);
    await exampleMenus(await as(randomUUID()));
    const first = await call("GET", "/v1/ivr/menus?limit=1");
    expect(first.json().data.map((m: { id: string }) => m.id)).toEqual([main.json().id]);
    const second = await call("GET", `/v1/ivr/menus?limit=1&cursor=${first.json().next_cursor}`);
    expect(second.json()).toEqual({ data: [expect.objectContaining({ id: sales.json().id })], next_cursor: null });
  });

  it("refuses a menu the engine cannot run with 422, naming the menu and each item", async () => {
    const call = await as(randomUUID());
    const response = await call("POST", "/v1/ivr/menus", {
      name: "Broken",
      prompt: "Hi",
      items: [
        { digit: "1", action: "transfer", target: "555-1234" },
        { digit: "1", action: "agent", target: "q" },
        { digit: "2", action: "submenu", target: randomUUID() },
      ],
    });
    expect(response.statusCode).toBe(422);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const { code, detail } = response.json();
    expect(code).toBe("invalid_menu");
    expect(detail).toContain('menu "Broken"');
    expect(detail).toContain('item "1": transfer target "555-1234" is not an E.164 number');
    expect(detail).toContain('item "1": is defined more than once');
    expect(detail).toContain('item "2": submenu');
  });

  it("refuses shapes the schema rules out with 400 field errors", async () => {
    const call = await as(randomUUID());
    const response = await call("POST", "/v1/ivr/menus", {
      name: "",
      prompt: "Hi",
      items: [{ digit: "1a", action: "voicemail", target: "x" }],
      surprise: true,
    });
    expect(response.statusCode).toBe(400);
    const fields = response.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["body.name", "body.items.0.digit", "body.items.0.action"]));
  });

  it("returns advice as warnings without refusing the menu", async () => {
    const call = await as(randomUUID());
    const items = ["1", "2", "3", "4", "5", "6"].map((digit) => ({ digit, action: "agent", target: "q" }));
    const response = await call("POST", "/v1/ivr/menus", { name: "Big", prompt: "Many", items });
    expect(response.statusCode).toBe(201);
    expect(response.json().warnings).toEqual([expect.objectContaining({ code: "too_many_options", menu_name: "Big" })]);
  });

  it("patches a menu, refusing a change that would trap callers in a cycle", async () => {
    const call = await as(randomUUID());
    const { sales, main } = await exampleMenus(call);
    const cycle = await call("PATCH", `/v1/ivr/menus/${sales.json().id}`, {
      items: [{ digit: "1", action: "submenu", target: main.json().id }],
    });
    expect(cycle.statusCode).toBe(200);
    // Main has agent and transfer items, so the loop back to it is a way out, not a trap.
    const trap = await call("PATCH", `/v1/ivr/menus/${main.json().id}`, {
      items: [{ digit: "1", action: "submenu", target: sales.json().id }],
    });
    expect(trap.statusCode).toBe(422);
    expect(trap.json().detail).toContain("submenu cycle");
    const renamed = await call("PATCH", `/v1/ivr/menus/${main.json().id}`, { name: "Main", max_retries: 1 });
    expect(renamed.json()).toMatchObject({ name: "Main", max_retries: 1, items: main.json().items });
  });

  it("deletes a menu, but not while another menu leads to it", async () => {
    const call = await as(randomUUID());
    const { sales, main } = await exampleMenus(call);
    const inUse = await call("DELETE", `/v1/ivr/menus/${sales.json().id}`);
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().code).toBe("menu_in_use");
    expect((await call("DELETE", `/v1/ivr/menus/${main.json().id}`)).statusCode).toBe(204);
    expect((await call("DELETE", `/v1/ivr/menus/${sales.json().id}`)).statusCode).toBe(204);
    expect((await call("GET", `/v1/ivr/menus/${sales.json().id}`)).statusCode).toBe(404);
  });

  describe("another user", () => {
    it("cannot see, change or delete a menu, and gets the same 404 as for a missing one", async () => {
      const { main } = await exampleMenus(await as(randomUUID()));
      const stranger = await as(randomUUID());
      for (const [method, payload] of [["GET"], ["PATCH", { name: "mine" }], ["DELETE"]] as const) {
        const response = await stranger(method, `/v1/ivr/menus/${main.json().id}`, payload);
        expect(response.statusCode, method).toBe(404);
        expect(response.json().code).toBe("menu_not_found");
      }
    });

    it("cannot use someone else's menu as a submenu", async () => {
      const { sales } = await exampleMenus(await as(randomUUID()));
      const response = await (await as(randomUUID()))("POST", "/v1/ivr/menus", {
        name: "Borrow",
        prompt: "Hi",
        items: [{ digit: "1", action: "submenu", target: sales.json().id }],
      });
      expect(response.statusCode).toBe(422);
    });
  });

  it("needs credentials and a well-formed id", async () => {
    expect((await t.app.inject({ method: "GET", url: "/v1/ivr/menus" })).statusCode).toBe(401);
    const call = await as(randomUUID());
    expect((await call("GET", "/v1/ivr/menus/not-a-uuid")).statusCode).toBe(400);
  });
});

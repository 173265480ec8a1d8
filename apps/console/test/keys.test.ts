// API keys in a real browser: create (the plain key shown once, copyable), named limits, credits and meta, edit (named
// limits, the credits refill and meta too, sending only what changed), the usage chart, rotate with a grace period,
// revoke; each checked against the API itself.
import type { Request } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectAccessible, expectFitsPhoneWidth } from "./support/accessibility.js";
import { type ConsoleEnv, describeInBrowser, startConsoleEnv } from "./support/console-env.js";

const USER = "0b6a7f1c-51a4-4f0e-9d8e-2f61c0a9b7d3";

interface StoredKey {
  id: string;
  name: string;
  ratelimits: unknown[];
  credits: unknown;
  meta: unknown;
  updated_at: string;
}

describeInBrowser("console API keys", () => {
  let env: ConsoleEnv;
  let plainKey = "";
  const verify = async (key: string) => {
    const response = await fetch(`${env.server.url}/v1/me`, { headers: { "x-api-key": key } });
    return response.status;
  };

  const storedKeys = async () => (await env.call<{ data: StoredKey[] }>(USER, "GET", "/v1/api-keys")).body.data;
  const storedKey = async (name: string) => (await storedKeys()).find((k) => k.name === name);

  /** A key made through the API, then the page reloaded and its Edit form opened. */
  const openEditOf = async (body: Record<string, unknown>) => {
    const created = await env.call<{ api_key: StoredKey }>(USER, "POST", "/v1/api-keys", body);
    expect(created.status).toBe(201);
    await env.page.reload();
    await env.page.getByRole("button", { name: `Edit ${body.name}` }).click();
    return { before: created.body.api_key, form: env.page.getByRole("form", { name: `Edit "${body.name}"` }) };
  };

  beforeAll(async () => {
    env = await startConsoleEnv();
    await env.context.grantPermissions(["clipboard-read", "clipboard-write"]);
    env.page.on("dialog", (dialog) => dialog.accept());
    await env.openAs(USER, "keys");
  });
  afterAll(() => env?.close());

  it("creates a key and shows the plain key once, with a copy button", async () => {
    const { page } = env;
    await page.getByLabel("Name").fill("billing script");
    await page.getByLabel(/^Scopes/).fill("ivr:read, webhooks:*");
    await page.getByLabel(/^Rate limit per hour/).fill("100");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByLabel('New key "billing script"');
    plainKey = await shown.inputValue();
    expect(plainKey).toMatch(/^vx_/);
    await page.getByRole("button", { name: "Copy" }).click();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(plainKey);
    expect(await verify(plainKey)).toBe(200);

    const row = page.getByRole("row", { name: /billing script/ });
    await expect(row.textContent()).resolves.toContain("ivr:read, webhooks:*");
    await page.reload();
    await page.getByRole("row", { name: /billing script/ }).waitFor();
    await expect(page.getByText(plainKey).count()).resolves.toBe(0);
    await expect(page.locator("input[readonly]").count()).resolves.toBe(0);
  });

  it("names the refused field when the API refuses a key", async () => {
    const { page } = env;
    await page.getByLabel("Name").fill("bad scopes");
    await page.getByLabel(/^Scopes/).fill("not a scope");
    await page.getByRole("button", { name: "Create key" }).click();
    const alert = page.getByRole("alert");
    await expect(alert.textContent()).resolves.toMatch(/^Validation failed: /);
    await expect(alert.locator("li code").first().textContent()).resolves.toMatch(/^body\.scopes/);
  });

  it("edits a key's name and limits", async () => {
    const { page } = env;
    await page.getByRole("button", { name: "Edit billing script" }).click();
    await page.getByLabel("Name", { exact: true }).last().fill("billing");
    await page.getByLabel("Rate limit per hour", { exact: true }).fill("250");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText('Saved "billing".').waitFor();
    const keys = await env.call<{ data: { name: string; rate_limit: number }[] }>(USER, "GET", "/v1/api-keys");
    expect(keys.body.data[0]).toMatchObject({ name: "billing", rate_limit: 250 });
  });

  it("creates a key with named limits, monthly credits and meta, stored as typed and shown on its details", async () => {
    const { page } = env;
    await page.getByLabel("Name", { exact: true }).fill("metered");
    // Still "not a scope" from the refusal above: a refused form keeps what was typed.
    await page.getByLabel(/^Scopes/).fill("");
    await page.getByRole("button", { name: "Add a limit" }).click();
    await page.getByLabel("Limit 1 name").fill("burst");
    await page.getByLabel("Limit 1 requests").fill("10");
    await page.getByRole("button", { name: "Add a limit" }).click();
    await page.getByLabel("Limit 2 name").fill("daily");
    await page.getByLabel("Limit 2 requests").fill("5000");
    await page.getByLabel("Limit 2 window unit").selectOption("d");
    await page.getByLabel("Limit 2 applies to every verification").uncheck();
    await page.getByRole("button", { name: "Add a limit" }).click();
    await page.getByRole("button", { name: "Remove limit 3" }).click();
    await page.getByLabel(/^Credits remaining/).fill("500");
    await page.getByLabel("Refill", { exact: true }).selectOption("monthly");
    await page.getByLabel("Refill to").fill("1000");
    await page.getByLabel(/^Refill on day of the month/).fill("15");
    await page.getByLabel(/^Meta/).fill('{"plan": "pro", "seats": 3}');
    await expectAccessible(page);
    await expectFitsPhoneWidth(page);
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByLabel('New key "metered"').waitFor();

    expect(await storedKey("metered")).toMatchObject({
      ratelimits: [
        { name: "burst", limit: 10, duration_ms: 1000, auto_apply: true },
        { name: "daily", limit: 5000, duration_ms: 86_400_000, auto_apply: false },
      ],
      credits: { remaining: 500, refill: { interval: "monthly", amount: 1000, refill_day: 15 } },
      meta: { plan: "pro", seats: 3 },
    });
    const row = page.getByRole("row", { name: /metered/ });
    await expect(row.textContent()).resolves.toContain("burst 10 / 1 s");
    await expect(row.textContent()).resolves.toContain("500 credits, refills to 1000 monthly on day 15");

    await page.getByRole("button", { name: "Details of metered" }).click();
    const details = page.getByRole("region", { name: 'Details of "metered"' });
    await expect(details.textContent()).resolves.toContain("burst 10 / 1 s");
    await expect(details.textContent()).resolves.toContain("daily 5000 / 1 d (only when a verification names it)");
    await expect(details.textContent()).resolves.toContain("500 remaining, refills to 1000 monthly on day 15");
    await expect(details.locator("pre").textContent()).resolves.toBe('{\n  "plan": "pro",\n  "seats": 3\n}');
    await expectAccessible(page);
    await expectFitsPhoneWidth(page);
  });

  it("adds to a key's credits from its details", async () => {
    const { page } = env;
    const details = page.getByRole("region", { name: 'Details of "metered"' });
    await details.getByLabel("Change", { exact: true }).selectOption("increment");
    await details.getByLabel("Credits", { exact: true }).fill("25");
    await details.getByRole("button", { name: "Change credits" }).click();
    await page.getByText('"metered" has 525 credits.').waitFor();
    expect(await storedKey("metered")).toMatchObject({ credits: { remaining: 525 } });
    await expect.poll(() => details.textContent()).toContain("525 remaining");
  });

  it("draws the key's hourly usage", async () => {
    const { page } = env;
    for (let i = 0; i < 3; i++) expect(await verify(plainKey)).toBe(200);
    await page.reload();
    await page.getByRole("button", { name: "Usage of billing" }).click();
    const facts = page.locator(".facts");
    await facts.waitFor();
    // One verification when created plus three here.
    await expect(facts.textContent()).resolves.toContain("Total requests4");
    await page.locator(".chart canvas").waitFor();
    await expect(page.getByRole("img", { name: /Line chart of hourly requests: 4 in 24 hours/ }).count()).resolves.toBe(
      1,
    );
    await expectAccessible(page);
    await env.screenshot("api-keys");
  });

  it("rotates a key: the replacement works and the old one keeps working through the grace period", async () => {
    const { page } = env;
    await page.getByRole("button", { name: "Rotate billing" }).click();
    await page.getByLabel(/^Grace period/).fill("2");
    await page.getByRole("button", { name: "Rotate key" }).click();
    const replacement = await page.getByLabel('Replacement for "billing"').inputValue();
    expect(replacement).toMatch(/^vx_/);
    expect(replacement).not.toBe(plainKey);
    expect(await verify(replacement)).toBe(200);
    expect(await verify(plainKey)).toBe(200);
    await page
      .getByText(/expires/)
      .first()
      .waitFor();
    plainKey = replacement;
  });

  it("fits a phone's width: nothing but the tables scrolls sideways", async () => {
    await expectFitsPhoneWidth(env.page);
  });

  it("revokes a key at once", async () => {
    const { page } = env;
    const rows = page.getByRole("row", { name: /billing/ });
    await expect.poll(() => rows.count()).toBe(2);
    const newest = rows.first();
    await newest.getByRole("button", { name: /^Revoke/ }).click();
    await page.getByText('Revoked "billing".').waitFor();
    await expect.poll(() => newest.getByText("revoked").count()).toBe(1);
    expect(await verify(plainKey)).toBe(401);
  });

  it("says beside the field that meta must be a JSON object, and creates nothing", async () => {
    const { page } = env;
    const before = (await storedKeys()).length;
    await page.getByLabel("Name", { exact: true }).fill("bad meta");
    const meta = page.getByLabel(/^Meta/);
    await meta.fill("[1,2]");
    await page.getByRole("button", { name: "Create key" }).click();
    await expect(page.locator("#create-meta-error").textContent()).resolves.toBe(
      'Meta must be a JSON object like {"plan": "pro"}, not an array',
    );
    await expect(meta.getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(meta.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    expect((await storedKeys()).length).toBe(before);
    await meta.fill("");
    await expect(page.locator("#create-meta-error").count()).resolves.toBe(0);
  });

  it("shows the API's refusal of a 0 ms window next to the form, naming the field, and creates nothing", async () => {
    const { page } = env;
    const before = (await storedKeys()).length;
    await page.getByLabel("Name", { exact: true }).fill("zero window");
    await page.getByRole("button", { name: "Add a limit" }).click();
    await page.getByLabel("Limit 1 name").fill("burst");
    await page.getByLabel("Limit 1 requests").fill("10");
    await page.getByLabel("Limit 1 window", { exact: true }).fill("0");
    await page.getByLabel("Limit 1 window unit").selectOption("ms");
    await page.getByRole("button", { name: "Create key" }).click();
    const alert = page.getByRole("form", { name: "Create a key" }).getByRole("alert");
    await expect(alert.textContent()).resolves.toMatch(/^Validation failed: body\.ratelimits\.0\.duration_ms: /);
    await expect(alert.locator("li code").textContent()).resolves.toBe("body.ratelimits.0.duration_ms");
    await expect(page.getByLabel("Limit 1 window", { exact: true }).getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(page.getByLabel("Limit 1 name").getAttribute("aria-invalid")).resolves.toBeNull();
    expect((await storedKeys()).length).toBe(before);
    expect(await storedKey("zero window")).toBeUndefined();
  });

  it("edits a key's named limits and meta, and sends nothing else", async () => {
    const { page } = env;
    const { before, form } = await openEditOf({
      name: "edited limits",
      ratelimits: [{ name: "burst", limit: 10, duration_ms: 60_000, auto_apply: true }],
      credits: { remaining: 40, refill: { interval: "daily", amount: 40 } },
      meta: { plan: "free" },
    });
    await expect(form.getByLabel("Limit 1 window", { exact: true }).inputValue()).resolves.toBe("1");
    await expect(form.getByLabel("Limit 1 window unit").inputValue()).resolves.toBe("min");
    await form.getByLabel("Limit 1 requests").fill("25");
    await form.getByRole("button", { name: "Add a limit" }).click();
    await form.getByLabel("Limit 2 name").fill("daily");
    await form.getByLabel("Limit 2 requests").fill("1000");
    await form.getByLabel("Limit 2 window unit").selectOption("d");
    await form.getByLabel("Limit 2 applies to every verification").uncheck();
    await form.getByLabel(/^Meta/).fill('{"plan": "pro", "seats": 5}');
    await expectAccessible(page);
    const patch = page.waitForRequest((r) => r.method() === "PATCH");
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByText('Saved "edited limits".').waitFor();
    expect(Object.keys((await patch).postDataJSON()).sort()).toEqual(["meta", "ratelimits"]);

    const after = await storedKey("edited limits");
    expect(after).toEqual({
      ...before,
      ratelimits: [
        { name: "burst", limit: 25, duration_ms: 60_000, auto_apply: true },
        { name: "daily", limit: 1000, duration_ms: 86_400_000, auto_apply: false },
      ],
      meta: { plan: "pro", seats: 5 },
      updated_at: after?.updated_at,
    });
    // The notice shows as soon as the PATCH answers; the table follows when its reload lands.
    await expect
      .poll(() => page.getByRole("row", { name: /edited limits/ }).textContent())
      .toContain("burst 25 / 1 min");
  });

  it("leaves limits, credits and meta as they were when the form is saved untouched or only renamed", async () => {
    const { page } = env;
    const { before, form } = await openEditOf({
      name: "untouched",
      ratelimits: [{ name: "burst", limit: 10, duration_ms: 1500, auto_apply: false }],
      credits: { remaining: 75, refill: { interval: "monthly", amount: 100, refill_day: 31 } },
      meta: { tier: "gold", nested: { a: [1, 2] } },
    });
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByText('Nothing changed in "untouched".').waitFor();
    expect(await storedKey("untouched")).toEqual(before);

    await page.getByRole("button", { name: "Edit untouched" }).click();
    await form.getByLabel("Name", { exact: true }).fill("renamed");
    const patch = page.waitForRequest((r) => r.method() === "PATCH");
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByText('Saved "renamed".').waitFor();
    expect((await patch).postDataJSON()).toEqual({ name: "renamed" });
    const after = await storedKey("renamed");
    expect(after).toEqual({ ...before, name: "renamed", updated_at: after?.updated_at });
  });

  it("changes a key's credit refill, and removes its meta when the text is emptied", async () => {
    const { page } = env;
    const { before, form } = await openEditOf({
      name: "refill change",
      credits: { remaining: 30, refill: { interval: "monthly", amount: 100, refill_day: 15 } },
      meta: { plan: "pro" },
    });
    await form.getByLabel("Refill", { exact: true }).selectOption("daily");
    await form.getByLabel("Refill to").fill("50");
    await form.getByLabel(/^Meta/).fill("");
    const patch = page.waitForRequest((r) => r.method() === "PATCH");
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByText('Saved "refill change".').waitFor();
    // The refill alone: the API keeps the credits left, so a use counted since the form opened is not undone.
    expect((await patch).postDataJSON()).toEqual({
      credits: { refill: { interval: "daily", amount: 50 } },
      meta: null,
    });
    const after = await storedKey("refill change");
    expect(after).toEqual({
      ...before,
      credits: { remaining: 30, refill: { interval: "daily", amount: 50 } },
      meta: null,
      updated_at: after?.updated_at,
    });
  });

  it("says beside the field that edited meta must be a JSON object, and changes nothing", async () => {
    const { page } = env;
    const { before, form } = await openEditOf({ name: "bad edit", meta: { plan: "pro" } });
    await form.getByRole("button", { name: "Add a limit" }).click();
    await form.getByLabel("Limit 1 name").fill("burst");
    await form.getByLabel("Limit 1 requests").fill("5");
    const meta = form.getByLabel(/^Meta/);
    await meta.fill('{"plan": pro}');
    let patched = false;
    const notePatch = (request: Request) => {
      if (request.method() === "PATCH") patched = true;
    };
    page.on("request", notePatch);
    await form.getByRole("button", { name: "Save" }).click();
    await expect(page.locator("#edit-meta-error").textContent()).resolves.toMatch(/^Meta is not valid JSON: /);
    await expect(meta.getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(meta.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await expectAccessible(page);
    expect(patched).toBe(false);
    expect(await storedKey("bad edit")).toEqual(before);
    await meta.fill("[1,2]");
    await expect(page.locator("#edit-meta-error").count()).resolves.toBe(0);
    await form.getByRole("button", { name: "Save" }).click();
    await expect(page.locator("#edit-meta-error").textContent()).resolves.toBe(
      'Meta must be a JSON object like {"plan": "pro"}, not an array',
    );
    page.off("request", notePatch);
    expect(patched).toBe(false);
    expect(await storedKey("bad edit")).toEqual(before);
  });

  // Last: it adds a page's worth of keys.
  it("lists every key, past the API's page of 100", async () => {
    const { page } = env;
    for (let i = 1; i <= 100; i++) {
      expect((await env.call(USER, "POST", "/v1/api-keys", { name: `bulk ${i}` })).status).toBe(201);
    }
    const stored = await env.call<{ data: unknown[]; next_cursor: string | null }>(
      USER,
      "GET",
      "/v1/api-keys?limit=100",
    );
    expect(stored.body.next_cursor).not.toBeNull(); // more than one page
    await page.reload();
    await expect.poll(() => page.getByRole("row", { name: /^bulk \d+ / }).count(), { timeout: 15_000 }).toBe(100);
    await expect(page.getByRole("row", { name: /^billing / }).count()).resolves.toBe(2); // the oldest, on page two
  });
});

// Identities in a real browser: create one with a shared limit, credits and meta; give it keys from the key forms
// (their verifications spend its credits, checked through the API itself); change its credits; edit it, sending only
// what changed; delete it, after which its keys keep working with their own limits.
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectAccessible, expectFitsPhoneWidth } from "./support/accessibility.js";
import { type ConsoleEnv, describeInBrowser, startConsoleEnv } from "./support/console-env.js";

const USER = "4c2d9e71-8b3a-4f5e-a6d7-1e2f3a4b5c6d";

interface StoredIdentity {
  id: string;
  external_id: string;
  ratelimits: unknown[];
  credits: unknown;
  meta: unknown;
  updated_at: string;
}

describeInBrowser("console identities", () => {
  let env: ConsoleEnv;
  let plainKey = "";
  const verify = async (key: string) =>
    (await fetch(`${env.server.url}/v1/me`, { headers: { "x-api-key": key } })).status;
  const identities = async () => (await env.call<{ data: StoredIdentity[] }>(USER, "GET", "/v1/identities")).body.data;
  const keyNamed = async (name: string) =>
    (
      await env.call<{ data: { name: string; identity_id: string | null }[] }>(USER, "GET", "/v1/api-keys")
    ).body.data.find((k) => k.name === name);

  beforeAll(async () => {
    env = await startConsoleEnv();
    env.page.on("dialog", (dialog) => dialog.accept());
    await env.openAs(USER, "identities");
  });
  afterAll(() => env?.close());

  it("creates an identity with a shared limit, credits and meta, stored as typed", async () => {
    const { page } = env;
    await page.getByText("No identities yet.").waitFor();
    await page.getByLabel(/^External id/).fill("acme");
    await page.getByRole("button", { name: "Add a limit" }).click();
    await page.getByLabel("Limit 1 name").fill("burst");
    await page.getByLabel("Limit 1 requests").fill("50");
    await page.getByLabel(/^Credits remaining/).fill("3");
    await page.getByLabel(/^Meta/).fill('{"plan": "team"}');
    await expectAccessible(page);
    await expectFitsPhoneWidth(page);
    await page.getByRole("button", { name: "Create identity" }).click();
    await page.getByText('Created "acme".', { exact: false }).waitFor();
    expect(await identities()).toMatchObject([
      {
        external_id: "acme",
        ratelimits: [{ name: "burst", limit: 50, duration_ms: 1000, auto_apply: true }],
        credits: { remaining: 3 },
        meta: { plan: "team" },
      },
    ]);
    const row = page.getByRole("row", { name: /acme/ });
    await expect(row.textContent()).resolves.toContain("burst 50 / 1 s");
    await expect(row.textContent()).resolves.toContain("3 remaining");
  });

  it("gives a new key to the identity: its verifications spend the identity's credits", async () => {
    const { page } = env;
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Name", { exact: true }).fill("acme server");
    await page.getByLabel(/^Identity/).selectOption({ label: "acme" });
    await page.getByRole("button", { name: "Create key" }).click();
    plainKey = await page.getByLabel('New key "acme server"').inputValue();
    const [acme] = await identities();
    expect(await keyNamed("acme server")).toMatchObject({ identity_id: acme!.id });
    await expect(page.getByRole("row", { name: /acme server/ }).textContent()).resolves.toContain(
      "shared with identity acme",
    );
    // The key's details link to its identity's.
    await page.getByRole("button", { name: "Details of acme server" }).click();
    await page.getByRole("region", { name: 'Details of "acme server"' }).getByRole("link", { name: "acme" }).click();
    await page.getByRole("region", { name: 'Details of "acme"' }).waitFor();
    expect(page.url()).toMatch(new RegExp(`#/identities/${acme!.id}$`));
    await page.getByRole("link", { name: "API keys" }).click();
    // Three credits, shared: the fourth verification is refused.
    expect([await verify(plainKey), await verify(plainKey), await verify(plainKey)]).toEqual([200, 200, 200]);
    expect(await verify(plainKey)).toBe(429);

    await page.getByRole("link", { name: "Identities" }).click();
    await page.getByRole("button", { name: "Details of acme" }).click();
    const details = page.getByRole("region", { name: 'Details of "acme"' });
    await expect.poll(() => details.textContent()).toContain("acme server");
    await expect(details.textContent()).resolves.toContain("0 remaining");
    await expect(details.textContent()).resolves.toContain('"plan": "team"');
    await expectAccessible(page);
    await env.screenshot("identities");
  });

  it("adds to the identity's credits from its details, and its keys work again", async () => {
    const { page } = env;
    const details = page.getByRole("region", { name: 'Details of "acme"' });
    await details.getByLabel("Change", { exact: true }).selectOption("increment");
    await details.getByLabel("Credits", { exact: true }).fill("10");
    await details.getByRole("button", { name: "Change credits" }).click();
    await page.getByText('"acme" has 10 credits.').waitFor();
    expect((await identities())[0]).toMatchObject({ credits: { remaining: 10 } });
    expect(await verify(plainKey)).toBe(200);
  });

  it("draws the identity's usage: its keys' verifications summed, refusals by outcome", async () => {
    const { page } = env;
    await page.getByRole("button", { name: "Usage of acme" }).click();
    const usage = page.getByRole("region", { name: 'Usage of "acme"' });
    await usage.locator(".facts").waitFor();
    // Three valid, one refused for want of credits, one valid after the top-up.
    await expect(usage.locator(".facts").textContent()).resolves.toContain("Keys1Total requests4This hour4");
    await usage.locator(".chart canvas").waitFor();
    await expect(
      usage.getByRole("img", { name: /Line chart of hourly requests: 4 in 24 hours/ }).count(),
    ).resolves.toBe(1);
    await expect(
      usage.getByRole("table", { name: "By outcome" }).getByRole("row", { name: "usage_exceeded" }).textContent(),
    ).resolves.toBe("usage_exceeded1");
    await expectAccessible(page);
  });

  it("moves a key to the identity from the key's Edit form, and back to none", async () => {
    const { page } = env;
    const created = await env.call(USER, "POST", "/v1/api-keys", { name: "loner" });
    expect(created.status).toBe(201);
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("button", { name: "Edit loner" }).click();
    const form = page.getByRole("form", { name: 'Edit "loner"' });
    await form.getByLabel(/^Identity/).selectOption({ label: "acme" });
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByText('Saved "loner".').waitFor();
    const [acme] = await identities();
    expect(await keyNamed("loner")).toMatchObject({ identity_id: acme!.id });
    await page.getByRole("button", { name: "Edit loner" }).click();
    await form.getByLabel(/^Identity/).selectOption({ label: "none" });
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByText('Saved "loner".').waitFor();
    await expect.poll(async () => (await keyNamed("loner"))?.identity_id).toBeNull();
  });

  it("edits the identity's meta and sends nothing else", async () => {
    const { page } = env;
    const [before] = await identities();
    await page.getByRole("link", { name: "Identities" }).click();
    await page.getByRole("button", { name: "Edit acme" }).click();
    const form = page.getByRole("form", { name: 'Edit "acme"' });
    await expect(form.getByLabel(/^Credits remaining/).inputValue()).resolves.toBe(String(9));
    const sent: unknown[] = [];
    page.on("request", (request) => {
      if (request.method() === "PATCH") sent.push(request.postDataJSON());
    });
    await form.getByLabel(/^Meta/).fill('{"plan": "enterprise"}');
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByText('Saved "acme".').waitFor();
    expect(sent).toEqual([{ meta: { plan: "enterprise" } }]);
    const [after] = await identities();
    expect(after).toMatchObject({
      meta: { plan: "enterprise" },
      credits: before!.credits,
      ratelimits: before!.ratelimits,
    });
  });

  it("deletes the identity: its keys stay and keep working with their own limits", async () => {
    const { page } = env;
    await page.getByRole("button", { name: "Delete acme" }).click();
    await page.getByText('Deleted "acme".').waitFor();
    expect(await identities()).toEqual([]);
    expect(await keyNamed("acme server")).toMatchObject({ identity_id: null });
    expect(await verify(plainKey)).toBe(200);
    await page.getByText("No identities yet.").waitFor();
  });
});

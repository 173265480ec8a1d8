// API keys in a real browser: create (the plain key shown once, copyable), edit, the usage chart, rotate with a
// grace period, revoke; each checked against the API itself.
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectAccessible, expectFitsPhoneWidth } from "./support/accessibility.js";
import { type ConsoleEnv, describeInBrowser, startConsoleEnv } from "./support/console-env.js";

const USER = "0b6a7f1c-51a4-4f0e-9d8e-2f61c0a9b7d3";

describeInBrowser("console API keys", () => {
  let env: ConsoleEnv;
  let plainKey = "";
  const verify = async (key: string) => {
    const response = await fetch(`${env.server.url}/v1/me`, { headers: { "x-api-key": key } });
    return response.status;
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
});

// The audit log, the GDPR data export and consents in a real browser, checked against the API.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectAccessible, expectFitsPhoneWidth } from "./support/accessibility.js";
import { type ConsoleEnv, describeInBrowser, startConsoleEnv } from "./support/console-env.js";

const USER = "2d4e6f80-1a3c-4b5d-9e7f-0a1b2c3d4e5f";

describeInBrowser("console audit log and privacy", () => {
  let env: ConsoleEnv;

  beforeAll(async () => {
    env = await startConsoleEnv();
    // Something to audit: a key created and revoked through the API.
    const created = await env.call<{ api_key: { id: string } }>(USER, "POST", "/v1/api-keys", { name: "audited" });
    await env.call(USER, "POST", `/v1/api-keys/${created.body.api_key.id}/revoke`);
    await env.openAs(USER, "audit");
  });
  afterAll(() => env?.close());

  it("lists your audit entries, newest first", async () => {
    const { page } = env;
    const table = page.getByRole("table");
    await table.getByText("api_key.created").waitFor();
    const actions = await table.locator("tbody th").allTextContents();
    expect(actions).toEqual(["api_key.revoked", "api_key.created"]);
  });

  it("grants and withdraws consents", async () => {
    const { page } = env;
    await page.getByLabel("Grant a purpose").fill("marketing_email");
    await page.getByRole("button", { name: "Grant" }).click();
    const box = page.getByRole("checkbox", { name: "marketing_email" });
    await box.waitFor();
    await expect(box.isChecked()).resolves.toBe(true);
    // The box follows the stored record: it changes once the API has saved the withdrawal.
    await box.click();
    await page.getByText(/^withdrawn /).waitFor();
    const consents = await env.call<{ data: { purpose: string; granted: boolean }[] }>(USER, "GET", "/v1/me/consents");
    expect(consents.body.data).toEqual([expect.objectContaining({ purpose: "marketing_email", granted: false })]);

    await page.getByLabel("Grant a purpose").fill("Not A Purpose!");
    await page.getByRole("button", { name: "Grant" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/^Validation failed: .*consents/);
  });

  it("downloads everything stored about you as one JSON document", async () => {
    const { page } = env;
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download my data" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^vx-export-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = JSON.parse(await readFile((await download.path())!, "utf8"));
    expect(exported).toMatchObject({ user_id: USER });
    expect(exported.tables.api_keys).toEqual([expect.objectContaining({ name: "audited", enabled: false })]);
    expect(JSON.stringify(exported)).not.toContain("key_hash");
    await page.getByText(/^Downloaded \d+ rows from \d+ tables\.$/).waitFor();
    await page.reload();
    await page.getByRole("table").getByText("api_key.created").waitFor();
    await expectAccessible(page);
    await expectFitsPhoneWidth(page);
    await env.screenshot("audit-log");
  });
});

// The standalone rate limiter in a real browser: set an identifier's override (stored as typed, listed, filtered by
// namespace), make real calls that the override governs until one is refused, name a refused field, and remove the
// override, after which calls get the limit they pass. Each step checked against the API itself.
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectAccessible, expectFitsPhoneWidth } from "./support/accessibility.js";
import { type ConsoleEnv, describeInBrowser, startConsoleEnv } from "./support/console-env.js";

const USER = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

describeInBrowser("console rate limits", () => {
  let env: ConsoleEnv;
  const overrides = async (namespace?: string) =>
    (
      await env.call<{ data: unknown[] }>(
        USER,
        "GET",
        `/v1/ratelimits/overrides${namespace ? `?namespace=${namespace}` : ""}`,
      )
    ).body.data;

  beforeAll(async () => {
    env = await startConsoleEnv();
    await env.openAs(USER, "ratelimits");
  });
  afterAll(() => env?.close());

  it("sets an override, stored as typed and listed", async () => {
    const { page } = env;
    await page.getByText("No overrides.").waitFor();
    const form = page.getByRole("form", { name: "Set an override" });
    await form.getByLabel("Namespace").fill("login-by-ip");
    await form.getByLabel(/^Identifier/).fill("203.0.113.7");
    await form.getByLabel("Requests").fill("2");
    await form.getByLabel("per window").fill("1");
    await form.getByLabel("Window unit").selectOption("min");
    await form.getByRole("button", { name: "Save override" }).click();
    await page.getByText("203.0.113.7 in login-by-ip is limited to 2 per 1 min.").waitFor();
    expect(await overrides()).toEqual([
      { namespace: "login-by-ip", identifier: "203.0.113.7", limit: 2, duration_ms: 60_000 },
    ]);
    await expect(page.getByRole("row", { name: /203\.0\.113\.7/ }).textContent()).resolves.toContain("2 / 1 min");
    // Another namespace's override, and the filter that shows one namespace.
    expect(
      (
        await env.call(USER, "PUT", "/v1/ratelimits/overrides", {
          namespace: "sms",
          identifier: "+15550100",
          limit: 5,
          duration_ms: 3_600_000,
        })
      ).status,
    ).toBe(200);
    await page.getByLabel("Namespace (empty: all)").fill("sms");
    await page.getByRole("button", { name: "Show" }).click();
    await expect.poll(() => page.getByRole("row", { name: /203\.0\.113\.7/ }).count()).toBe(0);
    await expect(page.getByRole("row", { name: /\+15550100/ }).count()).resolves.toBe(1);
    await page.getByLabel("Namespace (empty: all)").fill("");
    await page.getByRole("button", { name: "Show" }).click();
    await expect.poll(() => page.getByRole("row", { name: /203\.0\.113\.7/ }).count()).toBe(1);
    await expectAccessible(page);
    await expectFitsPhoneWidth(page);
  });

  it("makes real calls that the override governs: the third in a minute is refused", async () => {
    const { page } = env;
    const form = page.getByRole("form", { name: "Try a call" });
    await form.getByLabel("Namespace").fill("login-by-ip");
    await form.getByLabel(/^Identifier/).fill("203.0.113.7");
    await form.getByLabel("Requests").fill("100");
    const answer = form.getByRole("status", { name: "The limiter's answer" }).or(form.locator("output"));
    for (const expected of ["allowed", "allowed", "refused"]) {
      await form.getByRole("button", { name: "Call the limiter" }).click();
      await expect
        .poll(() => answer.textContent())
        .toMatch(new RegExp(`^${expected} 2 per 1 min \\(the identifier's override\\)`));
    }
    await expect(answer.textContent()).resolves.toContain("retry at");
    // The API agrees: the identifier has nothing left for now (a cost-0 call checks without counting).
    const call = await env.call<{ remaining: number; overridden: boolean }>(USER, "POST", "/v1/ratelimits/limit", {
      namespace: "login-by-ip",
      identifier: "203.0.113.7",
      limit: 100,
      duration_ms: 60_000,
      cost: 0,
    });
    expect(call.body).toMatchObject({ remaining: 0, overridden: true });
    await expectAccessible(page);
    await env.screenshot("ratelimits");
  });

  it("names the refused field when the API refuses a call", async () => {
    const { page } = env;
    const form = page.getByRole("form", { name: "Try a call" });
    await form.getByLabel("Requests").fill("0");
    await form.getByRole("button", { name: "Call the limiter" }).click();
    await expect.poll(() => form.getByRole("alert").textContent()).toContain("body.limit");
  });

  it("removes the override: calls get the limit they pass again, the window spent under it still spent", async () => {
    const { page } = env;
    await page.getByRole("button", { name: "Remove the override of 203.0.113.7" }).click();
    await page.getByText("Removed the override of 203.0.113.7 in login-by-ip.").waitFor();
    expect(await overrides("login-by-ip")).toEqual([]);
    const form = page.getByRole("form", { name: "Try a call" });
    await form.getByLabel("Requests").fill("100");
    await form.getByRole("button", { name: "Call the limiter" }).click();
    // GCRA keeps an identifier's state in time when its limit changes: the minute spent under the override is still
    // spent, now against 100 a minute (it refills at 100 a minute: some seconds after the override's calls, a few).
    await expect.poll(() => form.locator("output").textContent()).toMatch(/^(allowed|refused) 100 per 1 min, \d+ left/);
    const answer = (await form.locator("output").textContent())!;
    expect(Number(/(\d+) left/.exec(answer)![1])).toBeLessThan(50);
    expect(answer).not.toContain("override");
    // Another identifier of the namespace was never overridden: the limit it passes, with its whole window.
    await form.getByLabel(/^Identifier/).fill("198.51.100.4");
    await form.getByRole("button", { name: "Call the limiter" }).click();
    await expect.poll(() => form.locator("output").textContent()).toMatch(/^allowed 100 per 1 min, 99 left/);
  });
});

// Sign-in in a real browser: a pasted JWT, readable refusals, the one-click development token, the keyboard; and
// the development-token route that exists only with the generated development secret.
import { createPgliteTestDatabase } from "@vx/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApp } from "../../api/src/testing.js";
import { signToken } from "../../api/src/token.js";
import { expectAccessible } from "./support/accessibility.js";
import { type ConsoleEnv, describeInBrowser, startConsoleEnv } from "./support/console-env.js";

const USER = "6c1f7f3e-2b9a-4d59-8d3e-1a2b3c4d5e6f";

describeInBrowser("console sign-in", () => {
  let env: ConsoleEnv;
  beforeAll(async () => {
    env = await startConsoleEnv();
  });
  afterAll(() => env?.close());

  it("is served at /console with the start banner's URL, and /console redirects there", async () => {
    const response = await fetch(`${env.server.url}/console`, { redirect: "manual" });
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe("/console/");
    const page = await fetch(env.consoleUrl);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("refuses a bad pasted token with the API's problem in words, then signs in with a good one", async () => {
    const { page } = env;
    await page.goto(env.consoleUrl);
    await page.getByLabel("Access token (a Supabase JWT)").fill("not-a-jwt");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/^Invalid token: /);

    await page.getByLabel("Access token (a Supabase JWT)").fill(await env.token(USER));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(`Signed in as ${USER}`).waitFor();
    await expect(page.getByRole("link", { name: "API keys" }).getAttribute("aria-current")).resolves.toBe("page");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
  });

  it("goes back to sign-in, saying why, when the stored token has expired", async () => {
    const { page } = env;
    const config = env.server.app.appContext.config;
    const expired = await signToken({
      userId: USER,
      secret: config.jwtSecret!,
      audience: config.jwtAudience,
      now: () => new Date(Date.now() - 7_200_000),
      expiresIn: "1h",
    });
    await page.goto(env.consoleUrl);
    await page.evaluate((t) => localStorage.setItem("vx-console-token", t), expired);
    await page.reload();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/^Token expired/);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await expect(page.evaluate(() => localStorage.getItem("vx-console-token"))).resolves.toBeNull();
  });

  it("signs in with one click on the development secret, using only the keyboard", async () => {
    const { page } = env;
    await page.goto(env.consoleUrl);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await expectAccessible(page);
    await env.screenshot("sign-in");
    // Tab from the top of the page: the token box, the sign-in button, then the development token.
    await page.keyboard.press("Tab");
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("token");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Use a development token");
    await page.keyboard.press("Enter");
    await page.getByText("Signed in as").waitFor();
    const userId = await page.evaluate(() => localStorage.getItem("vx-console-dev-user"));
    expect(userId).toMatch(/^[0-9a-f-]{36}$/);
    await page.getByText(`Signed in as ${userId}`).waitFor();

    // The skip link is the first stop and moves focus to the page's content.
    await page.keyboard.press("Tab");
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Skip to content");
    await page.keyboard.press("Enter");
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("main");
  });

  it("mints development tokens only for a browser on this machine", async () => {
    const minted = await fetch(`${env.server.url}/console/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user_id: USER }),
    });
    expect(minted.status).toBe(200);
    const { token } = (await minted.json()) as { token: string };
    const me = await fetch(`${env.server.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ user_id: USER, auth: "jwt" });

    // A page on another domain rebound to 127.0.0.1 sends its own Host: no token for it.
    const rebound = await env.server.app.inject({
      method: "POST",
      url: "/console/dev-token",
      headers: { host: "attacker.example", "content-type": "application/json" },
      payload: {},
    });
    expect(rebound.statusCode).toBe(404);
    // Nor does another machine on the network, when the server listens on every interface.
    const remote = await env.server.app.inject({
      method: "POST",
      url: "/console/dev-token",
      remoteAddress: "192.168.1.20",
      headers: { "content-type": "application/json" },
      payload: {},
    });
    expect(remote.statusCode).toBe(404);
  });
});

it("has no development token in production, nor with a configured JWT secret, and no console when turned off", async () => {
  // One database for the three apps: only their configuration differs.
  const { db, drop } = await createPgliteTestDatabase();
  const production = await createTestApp({ db, config: { production: true } });
  const configured = await createTestApp({ db });
  const off = await createTestApp({ db, config: { console: false } });
  try {
    for (const t of [production, configured]) {
      const token = await t.app.inject({ method: "POST", url: "/console/dev-token", payload: {} });
      expect(token.statusCode).toBe(404);
      expect(token.json()).toMatchObject({ code: "not_found" });
      const page = await t.app.inject({ method: "GET", url: "/console/" });
      expect([200, 503]).toContain(page.statusCode);
      expect(page.body).not.toContain("vx-dev-token");
    }
    expect((await off.app.inject({ method: "GET", url: "/console/" })).statusCode).toBe(404);
  } finally {
    await Promise.all([production.close(), configured.close(), off.close()]);
    await drop();
  }
});

/**
 * One API on an in-memory embedded database, serving the built console, and one headless Debian chromium driven by
 * playwright-core: what each browser test file starts once. No browser is ever downloaded.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { describe } from "vitest";
import { loadConfig } from "../../../api/src/config.js";
import { type RunningServer, serve } from "../../../api/src/serve.js";
import { signToken } from "../../../api/src/token.js";

export const CHROMIUM = process.env.VX_CHROMIUM ?? "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SKIPPED = "[SKIPPED: install Debian's chromium (apt-get install -y chromium) or set VX_CHROMIUM to run]";
/**
 * The README's screenshots are committed, so an ordinary run must leave them alone: it still takes every screenshot
 * (the full-page render is part of what is tested) but into a temporary folder, one per user since /tmp is shared.
 * `VX_UPDATE_SCREENSHOTS=1` refreshes the committed ones.
 */
const SCREENSHOTS =
  process.env.VX_UPDATE_SCREENSHOTS === "1"
    ? fileURLToPath(new URL("../../screenshots/", import.meta.url))
    : join(tmpdir(), `vx-console-screenshots-${userInfo().username}`);

/**
 * A describe block that runs only where chromium is installed, and says why it was skipped elsewhere. In CI
 * (`CI=true`), which installs chromium, a missing browser fails instead: the browser tests must never vanish there.
 */
export function describeInBrowser(title: string, body: () => void): void {
  if (!HAS_CHROMIUM && process.env.CI === "true") {
    throw new Error(`${CHROMIUM} not found: CI must install Debian's chromium (.ci/run does) for the console tests`);
  }
  describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? title : `${title} ${SKIPPED}`, body);
}

export interface ConsoleEnv {
  server: RunningServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** The console's address: `http://127.0.0.1:<port>/console/`. */
  consoleUrl: string;
  /** A token for `userId`, signed with this server's development secret. */
  token(userId: string): Promise<string>;
  /** A request to the API as `userId`. */
  call<T = unknown>(userId: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Opens the console signed in as `userId` (the token is put where the sign-in page would put it). */
  openAs(userId: string, hash?: string): Promise<void>;
  /** A full-page screenshot `<name>.png` in SCREENSHOTS (the README's folder only with VX_UPDATE_SCREENSHOTS=1). */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

const WEBHOOK_ENV = { WEBHOOK_ALLOW_HTTP: "true", WEBHOOK_ALLOW_PRIVATE_URLS: "true" };

/** `workers`: run the webhook delivery worker and the other background work in the server (off by default). */
export async function startConsoleEnv(options: { workers?: boolean } = {}): Promise<ConsoleEnv> {
  // Deliveries go to local receivers: the config's webhook settings allow http and loopback addresses.
  const serveConfig = loadConfig({
    PORT: "0",
    VX_DATA_DIR: "memory",
    LOG_LEVEL: "silent",
    VX_WORKERS: options.workers ? "on" : "off",
    ...WEBHOOK_ENV,
  });
  const server = await serve(serveConfig, { print: () => {} });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const consoleUrl = `${server.url}/console/`;
  const config = server.app.appContext.config;
  const token = (userId: string) =>
    signToken({ userId, secret: config.jwtSecret!, audience: config.jwtAudience, expiresIn: "2h" });
  return {
    server,
    browser,
    context,
    page,
    consoleUrl,
    token,
    async call<T>(userId: string, method: string, path: string, body?: unknown) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await token(userId)}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async openAs(userId: string, hash = "keys") {
      const signed = await token(userId);
      await page.goto(consoleUrl);
      await page.evaluate((t) => localStorage.setItem("vx-console-token", t), signed);
      await page.goto(`${consoleUrl}#/${hash}`);
      await page.reload();
      await page.getByText(`Signed in as ${userId}`).waitFor();
    },
    async screenshot(name: string) {
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await browser.close();
      await server.shutdown();
    },
  };
}

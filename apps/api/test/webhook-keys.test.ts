// Webhook secrets at rest through the CLI: the development key file, a wrong key refusing the start in one line, and
// `vx webhook-keys reencrypt` moving secrets to a new key so the old one can be dropped.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDatabase, PgWebhookRepository } from "@vx/db";
import { createUser } from "@vx/db/testing";
import { createKeyringCipher, EncryptedWebhookRepository, generateSecret, parseKeyring } from "@vx/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createWebhookRoutes, type WebhookSettings } from "../src/routes/webhooks/index.js";
import { WEBHOOK_KEY_FILE, webhookCipher } from "../src/routes/webhooks/secret-keys.js";
import { createTestApp } from "../src/testing.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CLI = join(ROOT, "apps/api/src/cli.ts");
const K1 = `k1:${Buffer.alloc(32, 1).toString("base64")}`;
const LOCAL: WebhookSettings = { allowHttp: true, allowPrivateUrls: true, maxPayloadBytes: 4096, timeoutMs: 2000 };
const K2 = `k2:${Buffer.alloc(32, 2).toString("base64")}`;

/** `vx …` as `pnpm vx …` runs it, with only the given variables set. */
async function vx(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stdout: stdout.trim(), stderr: stderr.trim() };
}

describe("webhook secret keys", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vx-webhook-keys-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("generates the embedded default's key into the data folder, private to the owner, and reuses it", async () => {
    const config = loadConfig({ VX_DATA_DIR: join(dir, "dev") });
    const cipher = await webhookCipher(config);
    const file = join(dir, "dev", WEBHOOK_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await webhookCipher(loadConfig({ VX_DATA_DIR: join(dir, "dev") }));
    expect(again.decrypt(cipher.encrypt("whsec_x"))).toBe("whsec_x");
    expect(parseKeyring((await readFile(file, "utf8")).trim())).toHaveLength(1);
  });

  it("shares the development key between processes on one Postgres started from one data folder", async () => {
    // A serve and a worker with DATABASE_URL and no keyring: each must read what the other encrypted.
    const env = { DATABASE_URL: "postgres://127.0.0.1:1/none", VX_DATA_DIR: join(dir, "pg-dev") };
    const serve = await webhookCipher(loadConfig(env));
    const worker = await webhookCipher(loadConfig(env));
    expect(worker.decrypt(serve.encrypt("whsec_shared"))).toBe("whsec_shared");
    expect((await stat(join(dir, "pg-dev", WEBHOOK_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it("names a damaged development key file and what to do, instead of starting with a key it cannot read", async () => {
    const file = join(dir, "damaged", WEBHOOK_KEY_FILE);
    await mkdir(join(dir, "damaged"));
    await writeFile(file, "\n");
    await expect(webhookCipher(loadConfig({ VX_DATA_DIR: join(dir, "damaged") }))).rejects.toMatchObject({
      code: "invalid_config",
      message: expect.stringMatching(
        new RegExp(`^${file} is not a development webhook key \\(.+\\): restore it, or delete it`),
      ),
    });
    expect(await readFile(file, "utf8")).toBe("\n");
  });

  it("refuses production without VX_WEBHOOK_SECRET_KEYS, and a malformed keyring, in one line", () => {
    const production = {
      NODE_ENV: "production",
      SUPABASE_JWT_SECRET: "x".repeat(32),
      TWILIO_AUTH_TOKEN: "twilio-auth-token-0123",
    };
    expect(() => loadConfig(production)).toThrow(/^VX_WEBHOOK_SECRET_KEYS must be set when NODE_ENV=production/);
    expect(loadConfig({ ...production, VX_WEBHOOK_SECRET_KEYS: K1 }).webhookSecretKeys?.[0]?.id).toBe("k1");
    expect(() => loadConfig({ VX_WEBHOOK_SECRET_KEYS: "k1:c2hvcnQ=" })).toThrow(/^VX_WEBHOOK_SECRET_KEYS must be/);
  });

  it("moves secrets to a new key with `vx webhook-keys reencrypt`; a start without the key in use is one line", async () => {
    const data = join(dir, "rotation");
    const db = await openDatabase({ dataDir: data });
    const secret = generateSecret((n) => Buffer.alloc(n, 3));
    try {
      const repo = new EncryptedWebhookRepository(new PgWebhookRepository(db), createKeyringCipher(parseKeyring(K1)));
      const user = await createUser(db);
      await repo.createWebhook({ user_id: user, url: "https://example.com/h", events: ["call.started"], secret });
    } finally {
      await db.close();
    }

    const wrong = await vx(["serve"], { VX_DATA_DIR: data, VX_WEBHOOK_SECRET_KEYS: K2 });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.split("\n")).toHaveLength(1);
    expect(wrong.stderr).toMatch(/^vx: .*key "k1".*VX_WEBHOOK_SECRET_KEYS/);

    const moved = await vx(["webhook-keys", "reencrypt", "--batch-size", "1"], {
      VX_DATA_DIR: data,
      VX_WEBHOOK_SECRET_KEYS: `${K2},${K1}`,
    });
    expect(moved.stderr).toBe("");
    expect(moved.stdout).toMatch(/done: 1 of 1 secrets re-encrypted/);
    const checked = await vx(["webhook-keys", "check"], { VX_DATA_DIR: data, VX_WEBHOOK_SECRET_KEYS: K2 });
    expect(checked).toMatchObject({ code: 0, stderr: "" });

    const reopened = await openDatabase({ dataDir: data });
    try {
      const { rows } = await reopened.query<{ secret: string }>("SELECT secret FROM public.webhooks");
      expect(rows).toEqual([{ secret: expect.stringMatching(/^v1:k2:/) }]);
      const repo = new EncryptedWebhookRepository(
        new PgWebhookRepository(reopened),
        createKeyringCipher(parseKeyring(K2)),
      );
      expect((await repo.getWebhooks())[0]?.secret).toBe(secret);
    } finally {
      await reopened.close();
    }
  }, 60_000);

  it("encrypts secrets stored before encryption when the API starts, and keeps serving them", async () => {
    const first = await createTestApp({ routes: [createWebhookRoutes(LOCAL)] });
    const plain = generateSecret((n) => Buffer.alloc(n, 4));
    const user = await createUser(first.db);
    const raw = new PgWebhookRepository(first.db);
    const { id } = await raw.createWebhook({
      user_id: user,
      url: "https://example.com/h",
      events: ["call.started"],
      secret: plain,
    });
    // The start finds the plain row and encrypts it in the background; closing waits for that.
    const upgraded = await createTestApp({ db: first.db, routes: [createWebhookRoutes(LOCAL)] });
    await upgraded.close();
    const { rows } = await first.db.query<{ secret: string }>("SELECT secret FROM public.webhooks");
    expect(rows).toEqual([{ secret: expect.stringMatching(/^v1:test:/) }]);
    const again = await createTestApp({ db: first.db, routes: [createWebhookRoutes(LOCAL)] });
    const served = await again.app.inject({
      method: "GET",
      url: `/v1/webhooks/${id}/secret`,
      headers: await again.authHeaders(user),
    });
    expect(served.json()).toEqual({ secret: plain });
    await again.close();
    await first.close();
  });
});

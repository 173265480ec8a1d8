// The development JWT secret: created once by serve, shared with `vx token`, never used when a real one is configured.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { DEV_SECRET_FILE, withDevSecret } from "../src/dev-secret.js";

describe("development JWT secret", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "vx-dev-secret-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("is created once, private to the owner, and reused", async () => {
    const config = loadConfig({ VX_DATA_DIR: join(dir, "data") });
    const first = await withDevSecret(config, { create: true });
    expect(first.jwtSecretIsDevelopment).toBe(true);
    expect(first.jwtSecret!.length).toBeGreaterThanOrEqual(32);
    const file = join(dir, "data", DEV_SECRET_FILE);
    expect((await readFile(file, "utf8")).trim()).toBe(first.jwtSecret);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await withDevSecret(config, { create: true })).jwtSecret).toBe(first.jwtSecret);
    expect((await withDevSecret(config, { create: false })).jwtSecret).toBe(first.jwtSecret);
  });

  it("names a damaged secret file and what to do, instead of running without a secret", async () => {
    const file = join(dir, DEV_SECRET_FILE);
    await writeFile(file, "short\n");
    await expect(withDevSecret(loadConfig({ VX_DATA_DIR: dir }), { create: true })).rejects.toMatchObject({
      code: "invalid_config",
      message: `${file} holds no development JWT secret (under 32 characters): delete it to have a new one made (tokens signed with the old one then stop working)`,
    });
    expect(await readFile(file, "utf8")).toBe("short\n");
  });

  it("is shared by processes that start at once", async () => {
    const config = loadConfig({ VX_DATA_DIR: join(dir, "data") });
    const secrets = await Promise.all(Array.from({ length: 10 }, () => withDevSecret(config, { create: true })));
    expect(new Set(secrets.map((s) => s.jwtSecret)).size).toBe(1);
  });

  it("is not created by readers such as `vx token`", async () => {
    const config = await withDevSecret(loadConfig({ VX_DATA_DIR: dir }), { create: false });
    expect(config.jwtSecret).toBeUndefined();
  });

  it("is never used when a secret or a JWKS URL is configured", async () => {
    const secret = "s".repeat(40);
    const configured = await withDevSecret(loadConfig({ VX_DATA_DIR: dir, SUPABASE_JWT_SECRET: secret }), {
      create: true,
    });
    expect(configured).toMatchObject({ jwtSecret: secret, jwtSecretIsDevelopment: false });
    const jwks = await withDevSecret(loadConfig({ VX_DATA_DIR: dir, SUPABASE_URL: "https://p.supabase.co" }), {
      create: true,
    });
    expect(jwks.jwtSecret).toBeUndefined();
    await expect(stat(join(dir, DEV_SECRET_FILE))).rejects.toThrow();
  });

  it("lives only in the process for an in-memory database", async () => {
    const config = loadConfig({ VX_DATA_DIR: "memory" });
    expect((await withDevSecret(config, { create: true })).jwtSecret).toBeDefined();
    expect((await withDevSecret(config, { create: false })).jwtSecret).toBeUndefined();
  });
});

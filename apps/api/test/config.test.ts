// Configuration: zero config works, and each bad variable stops start-up with one line naming it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected loadConfig to refuse");
}

describe("loadConfig", () => {
  it("needs no configuration at all", () => {
    expect(loadConfig({})).toMatchObject({
      host: "127.0.0.1",
      port: 3000,
      databaseUrl: undefined,
      dataDir: "./.vx-data",
      jwtAudience: "authenticated",
      corsOrigins: [],
      workers: true,
      console: true,
      rateLimit: { max: 100, windowMs: 60_000 },
      production: false,
    });
  });

  it("names the variable, says what it must be and what it got", () => {
    expect(errorOf({ PORT: "abc" })).toBe(
      'PORT must be an integer between 0 and 65535 (0 picks a free port), got "abc"',
    );
    expect(errorOf({ LOG_LEVEL: "loud" })).toMatch(/^LOG_LEVEL must be one of fatal, .*, got "loud"$/);
    expect(errorOf({ SUPABASE_URL: "not a url" })).toMatch(/^SUPABASE_URL must be an http\(s\) URL/);
    expect(errorOf({ CORS_ORIGIN: "https://a.example/path" })).toMatch(/^CORS_ORIGIN must be/);
    expect(errorOf({ VX_WORKERS: "maybe" })).toBe('VX_WORKERS must be on or off, got "maybe"');
    expect(errorOf({ VX_CONSOLE: "maybe" })).toBe('VX_CONSOLE must be on or off, got "maybe"');
    expect(errorOf({ DATABASE_CONNECT_TIMEOUT_MS: "0" })).toMatch(
      /^DATABASE_CONNECT_TIMEOUT_MS must be milliseconds between 100 and 600000 .*, got "0"$/,
    );
    expect(loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: "30000" }).databaseConnectTimeoutMs).toBe(30_000);
  });

  it("never echoes secrets or connection strings in its errors", () => {
    const secret = errorOf({ SUPABASE_JWT_SECRET: "short-secret" });
    expect(secret).toBe("SUPABASE_JWT_SECRET must be at least 32 characters long, got a value of 12 characters");
    const url = errorOf({ DATABASE_URL: "mysql://root:hunter2@db/app" });
    expect(url).toMatch(/^DATABASE_URL must be a postgres/);
    expect(url).not.toContain("hunter2");
  });

  it("accepts postgres connection strings and treats empty variables as unset", () => {
    const config = loadConfig({ DATABASE_URL: "postgresql://u:p@db:5432/app", PORT: "", HOST: "  " });
    expect(config.databaseUrl).toBe("postgresql://u:p@db:5432/app");
    expect(config.port).toBe(3000);
    expect(loadConfig({ DATABASE_URL: "postgres://db/app" }).databaseUrl).toBe("postgres://db/app");
  });

  it("takes a read replica only beside DATABASE_URL, since embedded PGlite has none", () => {
    const env = { DATABASE_URL: "postgresql://db/app", DATABASE_READ_URL: "postgresql://replica/app" };
    expect(loadConfig(env).databaseReadUrl).toBe("postgresql://replica/app");
    expect(errorOf({ DATABASE_READ_URL: "postgresql://replica/app" })).toMatch(/^DATABASE_READ_URL needs DATABASE_URL/);
    expect(errorOf({ ...env, DATABASE_READ_URL: "mysql://u:secret@replica/app" })).not.toContain("secret");
  });

  it("reads CORS origins as a list, or * for any", () => {
    expect(loadConfig({ CORS_ORIGIN: "https://a.example, http://localhost:5173/" }).corsOrigins).toEqual([
      "https://a.example",
      "http://localhost:5173",
    ]);
    expect(loadConfig({ CORS_ORIGIN: "*" }).corsOrigins).toEqual(["*"]);
  });

  it("refuses to run in production without a way to verify tokens", () => {
    expect(errorOf({ NODE_ENV: "production" })).toMatch(/^SUPABASE_JWT_SECRET or SUPABASE_URL must be set/);
    const keys = `k1:${Buffer.alloc(32).toString("base64")}`;
    const production = {
      NODE_ENV: "production",
      VX_WEBHOOK_SECRET_KEYS: keys,
      TWILIO_AUTH_TOKEN: "twilio-auth-token-0123",
    };
    expect(loadConfig({ ...production, SUPABASE_URL: "https://p.supabase.co/" }).supabaseUrl).toBe(
      "https://p.supabase.co",
    );
  });

  it("refuses to run in production with an unsigned Twilio route unless TWILIO_ALLOW_UNSIGNED=true says so", () => {
    const production = {
      NODE_ENV: "production",
      SUPABASE_URL: "https://p.supabase.co",
      VX_WEBHOOK_SECRET_KEYS: `k1:${Buffer.alloc(32).toString("base64")}`,
    };
    expect(errorOf(production)).toBe(
      "TWILIO_AUTH_TOKEN must be set when NODE_ENV=production (or set TWILIO_ALLOW_UNSIGNED=true to accept unsigned Twilio requests)",
    );
    expect(errorOf({ ...production, TWILIO_AUTH_TOKEN: "  " })).toMatch(/^TWILIO_AUTH_TOKEN must be set/);
    expect(errorOf({ ...production, TWILIO_ALLOW_UNSIGNED: "false" })).toMatch(/^TWILIO_AUTH_TOKEN must be set/);
    expect(errorOf({ ...production, TWILIO_ALLOW_UNSIGNED: "maybe" })).toBe(
      'TWILIO_ALLOW_UNSIGNED must be true or false, got "maybe"',
    );
    expect(loadConfig({ ...production, TWILIO_ALLOW_UNSIGNED: "true" }).production).toBe(true);
    expect(loadConfig({ ...production, TWILIO_AUTH_TOKEN: "twilio-auth-token-0123" }).production).toBe(true);
    expect(loadConfig({ TWILIO_ALLOW_UNSIGNED: "false" }).production).toBe(false);
  });

  it("accepts exactly the ports 0-65535", () => {
    fc.assert(
      fc.property(fc.integer({ min: -100, max: 70_000 }), (port) => {
        const valid = port >= 0 && port <= 65535;
        if (valid) expect(loadConfig({ PORT: String(port) }).port).toBe(port);
        else expect(() => loadConfig({ PORT: String(port) })).toThrow(/^PORT must be/);
      }),
    );
  });

  it("reads retention days per target, off keeping a target forever", () => {
    expect(loadConfig({ VX_RETENTION_WEBHOOK_LOG_DAYS: "30", VX_RETENTION_AUDIT_LOG_DAYS: "off" }).retention).toEqual({
      audit_logs: null,
      webhook_logs: 30,
      ivr_sessions: undefined,
    });
    expect(() => loadConfig({ VX_RETENTION_IVR_SESSION_DAYS: "0" })).toThrow(
      /^VX_RETENTION_IVR_SESSION_DAYS must be a number of days between 1 and 36500, or off/,
    );
  });

  it("carries the webhook and Twilio settings of the env it is given, not of process.env", () => {
    const saved = process.env.WEBHOOK_ALLOW_HTTP;
    process.env.WEBHOOK_ALLOW_HTTP = "true";
    try {
      expect(loadConfig({}).webhooks.allowHttp).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.WEBHOOK_ALLOW_HTTP;
      else process.env.WEBHOOK_ALLOW_HTTP = saved;
    }
    const config = loadConfig({
      WEBHOOK_ALLOW_HTTP: "on",
      WEBHOOK_TIMEOUT_MS: "2000",
      TWILIO_AUTH_TOKEN: "0123456789abcdef",
      PUBLIC_URL: "https://ivr.example.com/",
    });
    expect(config.webhooks).toMatchObject({ allowHttp: true, allowPrivateUrls: false, timeoutMs: 2000 });
    expect(config.ivr).toEqual({ twilioAuthToken: "0123456789abcdef", publicUrl: "https://ivr.example.com" });
    expect(errorOf({ PUBLIC_URL: "ivr.example.com" })).toBe(
      'PUBLIC_URL must be an http(s) URL such as https://ivr.example.com, got "ivr.example.com"',
    );
  });
});

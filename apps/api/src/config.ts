/** The app's configuration: read once from the environment, validated with zod, one clear line per bad variable. */

import { parseKeyring, type SecretKey } from "@vx/webhooks";
import { z } from "zod";
import type { S3Target } from "./commands/s3-put.js";
import { ApiError } from "./errors.js";
import { type IvrSettings, ivrSettingsFromEnv } from "./routes/ivr/settings.js";
import { type WebhookSettings, webhookSettingsFromEnv } from "./routes/webhooks/settings.js";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Postgres or Supabase connection string; unset means embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** A read replica of `databaseUrl` for read-heavy listings and stats; writes and verifications never use it. */
  databaseReadUrl?: string;
  /** Where migrations run when `databaseUrl` is a transaction pooler: the direct or session connection. */
  databaseMigrationUrl?: string;
  /** Read-your-writes on the replica: how long a read waits for it to catch up before it reads the primary. */
  databaseReadMaxWaitMs?: number;
  /** Embedded PGlite folder and home of the development JWT secret; `memory` keeps nothing. */
  dataDir: string;
  databasePoolSize?: number;
  /** How long `vx serve` and `vx worker` wait for an unreachable DATABASE_URL at start-up before giving up. */
  databaseWaitTimeoutMs: number;
  /** How long a request waits for a pooled connection to DATABASE_URL before a 503 (the pool's connect timeout). */
  databaseConnectTimeoutMs?: number;
  /** HS256 secret JWTs are verified with (SUPABASE_JWT_SECRET, or the generated development secret). */
  jwtSecret?: string;
  /** True when `jwtSecret` is the generated development secret, not configured. */
  jwtSecretIsDevelopment: boolean;
  /** Supabase project URL: asymmetric JWTs are verified with its JWKS. */
  supabaseUrl?: string;
  jwtAudience: string;
  /** Allowed CORS origins; `["*"]` allows any, empty disables CORS. */
  corsOrigins: string[];
  logLevel: LogLevel;
  /** Run background workers inside `vx serve` (VX_WORKERS=on|off). */
  workers: boolean;
  /** Serve the web console at /console (VX_CONSOLE=on|off). */
  console: boolean;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** Per-IP budget for unauthenticated and failed-auth requests. */
  rateLimit: { max: number; windowMs: number };
  /** Trust X-Forwarded-For (behind a proxy), so the per-IP limit sees client addresses. */
  trustProxy: boolean;
  shutdownTimeoutMs: number;
  production: boolean;
  /** Days kept per retention target (`null`: forever); unset targets keep the specification's defaults. */
  retention: { audit_logs?: number | null; webhook_logs?: number | null; ivr_sessions?: number | null };
  /** Where `vx archive` also uploads its files (VX_ARCHIVE_S3_*), when set. */
  archiveS3?: S3Target;
  /** VX_WEBHOOK_SECRET_KEYS: the keyring webhook secrets are encrypted with at rest (the first key encrypts). */
  webhookSecretKeys?: SecretKey[];
  /** WEBHOOK_*: endpoint rules, payload size, delivery timeout and the delivery workers' pipeline. */
  webhooks: WebhookSettings;
  /** TWILIO_AUTH_TOKEN and PUBLIC_URL of the Twilio voice endpoint. */
  ivr: IvrSettings;
}

type Env = Record<string, string | undefined>;

interface Variable<T> {
  schema: z.ZodType<T>;
  /** Completes "NAME must …". */
  must: string;
  /** Never echo the value (secrets, URLs with passwords). */
  secret?: boolean;
}

const integer = (min: number, max: number) =>
  z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));

const boolean = z
  .enum(["true", "false", "1", "0", "on", "off", "yes", "no"])
  .transform((v) => ["true", "1", "on", "yes"].includes(v));

const httpUrl = z.url({ protocol: /^https?$/ });

const origin = z
  .string()
  .refine((value) => {
    if (value === "*") return true;
    try {
      return new URL(value).origin === value.replace(/\/$/, "");
    } catch {
      return false;
    }
  })
  .transform((value) => value.replace(/\/$/, ""));

const retentionDays = {
  schema: z.union([z.literal("off").transform(() => null), integer(1, 36_500)]),
  must: "be a number of days between 1 and 36500, or off to keep forever",
};

export const variables = {
  HOST: { schema: z.string().min(1), must: "be a host name or IP address" },
  PORT: { schema: integer(0, 65535), must: "be an integer between 0 and 65535 (0 picks a free port)" },
  DATABASE_URL: {
    schema: z.url({ protocol: /^postgres(ql)?$/ }),
    must: "be a postgres:// or postgresql:// connection string",
    secret: true,
  },
  DATABASE_READ_URL: {
    schema: z.url({ protocol: /^postgres(ql)?$/ }),
    must: "be a postgres:// or postgresql:// connection string of a read replica",
    secret: true,
  },
  DATABASE_MIGRATION_URL: {
    schema: z.url({ protocol: /^postgres(ql)?$/ }),
    must: "be a postgres:// or postgresql:// connection string to the same database, direct or session (port 5432), for migrations",
    secret: true,
  },
  DATABASE_READ_MAX_WAIT_MS: {
    schema: integer(0, 60_000),
    must: "be milliseconds between 0 and 60000 (how long a replica read waits for the replica to catch up)",
  },
  VX_DATA_DIR: { schema: z.string().min(1), must: "be a folder path or `memory`" },
  DATABASE_POOL_SIZE: { schema: integer(1, 200), must: "be an integer between 1 and 200" },
  DATABASE_WAIT_TIMEOUT_MS: { schema: integer(0, 3_600_000), must: "be milliseconds between 0 and 3600000" },
  DATABASE_CONNECT_TIMEOUT_MS: {
    schema: integer(100, 600_000),
    must: "be milliseconds between 100 and 600000 (how long a request waits for a database connection before a 503)",
  },
  SUPABASE_JWT_SECRET: { schema: z.string().min(32), must: "be at least 32 characters long", secret: true },
  SUPABASE_URL: { schema: httpUrl, must: "be an http(s) URL such as https://<project>.supabase.co" },
  JWT_AUDIENCE: { schema: z.string().min(1), must: "be a non-empty audience such as `authenticated`" },
  CORS_ORIGIN: {
    schema: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(origin)),
    must: "be `*` or a comma-separated list of origins such as https://app.example.com",
  },
  LOG_LEVEL: {
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    must: "be one of fatal, error, warn, info, debug, trace, silent",
  },
  VX_WORKERS: { schema: boolean, must: "be on or off" },
  VX_CONSOLE: { schema: boolean, must: "be on or off" },
  BODY_LIMIT: { schema: integer(1024, 100 * 1024 * 1024), must: "be a byte count between 1024 and 104857600" },
  RATE_LIMIT_MAX: { schema: integer(1, 1_000_000), must: "be an integer between 1 and 1000000" },
  RATE_LIMIT_WINDOW_MS: { schema: integer(1000, 86_400_000), must: "be milliseconds between 1000 and 86400000" },
  TRUST_PROXY: { schema: boolean, must: "be true or false" },
  SHUTDOWN_TIMEOUT_MS: { schema: integer(0, 600_000), must: "be milliseconds between 0 and 600000" },
  NODE_ENV: { schema: z.string().min(1), must: "be a word such as production or development" },
  TWILIO_ALLOW_UNSIGNED: { schema: boolean, must: "be true or false" },
  VX_RETENTION_AUDIT_LOG_DAYS: retentionDays,
  VX_RETENTION_WEBHOOK_LOG_DAYS: retentionDays,
  VX_RETENTION_IVR_SESSION_DAYS: retentionDays,
  VX_ARCHIVE_S3_URL: {
    schema: httpUrl,
    must: "be the path-style URL of an S3-compatible bucket, e.g. https://s3.eu-west-1.amazonaws.com/my-bucket/vx",
  },
  VX_ARCHIVE_S3_REGION: { schema: z.string().min(1), must: "be a region name such as eu-west-1" },
  VX_ARCHIVE_S3_ACCESS_KEY_ID: { schema: z.string().min(1), must: "be an access key id", secret: true },
  VX_ARCHIVE_S3_SECRET_ACCESS_KEY: { schema: z.string().min(1), must: "be a secret access key", secret: true },
  VX_WEBHOOK_SECRET_KEYS: {
    schema: z.string().transform((text, ctx) => {
      try {
        return parseKeyring(text);
      } catch {
        ctx.addIssue({ code: "custom", message: "not a keyring" });
        return z.NEVER;
      }
    }),
    must: "be <id>:<base64 of 32 bytes>[,<id>:<base64>…], the first key encrypting (e.g. k1:$(openssl rand -base64 32))",
    secret: true,
  },
} satisfies Record<string, Variable<unknown>>;

type Name = keyof typeof variables;
type Parsed = { [K in Name]?: z.output<(typeof variables)[K]["schema"]> };

/** Reads and validates the environment; throws ApiError(`invalid_config`) naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const parsed: Parsed = {};
  for (const name of Object.keys(variables) as Name[]) {
    const raw = env[name];
    // Empty means unset: `.env` files and compose often write `FOO=`.
    if (raw === undefined || raw.trim() === "") continue;
    const variable: Variable<unknown> = variables[name];
    const result = variable.schema.safeParse(raw.trim());
    if (!result.success) throw new ApiError("invalid_config", describe(name, variable, raw));
    (parsed as Record<string, unknown>)[name] = result.data;
  }
  if (parsed.DATABASE_MIGRATION_URL && !parsed.DATABASE_URL) {
    throw new ApiError("invalid_config", "DATABASE_MIGRATION_URL needs DATABASE_URL: embedded PGlite migrates itself");
  }
  if (parsed.DATABASE_READ_URL && !parsed.DATABASE_URL) {
    throw new ApiError("invalid_config", "DATABASE_READ_URL needs DATABASE_URL: embedded PGlite has no read replica");
  }
  if (parsed.VX_ARCHIVE_S3_URL && !(parsed.VX_ARCHIVE_S3_ACCESS_KEY_ID && parsed.VX_ARCHIVE_S3_SECRET_ACCESS_KEY)) {
    throw new ApiError(
      "invalid_config",
      "VX_ARCHIVE_S3_URL needs VX_ARCHIVE_S3_ACCESS_KEY_ID and VX_ARCHIVE_S3_SECRET_ACCESS_KEY",
    );
  }
  // Read here with the rest, from the same env: a wrong value is one line before the data folder is created, and
  // an app built from a config made of another env than process.env gets the settings of that env.
  const webhooks = webhookSettingsFromEnv(env);
  const ivr = ivrSettingsFromEnv(env);
  const production = parsed.NODE_ENV === "production";
  if (production && !parsed.SUPABASE_JWT_SECRET && !parsed.SUPABASE_URL) {
    throw new ApiError(
      "invalid_config",
      "SUPABASE_JWT_SECRET or SUPABASE_URL must be set when NODE_ENV=production (the development secret is refused there)",
    );
  }
  if (production && !parsed.VX_WEBHOOK_SECRET_KEYS) {
    throw new ApiError(
      "invalid_config",
      "VX_WEBHOOK_SECRET_KEYS must be set when NODE_ENV=production (webhook secrets are encrypted with it at rest)",
    );
  }
  // The Twilio voice route is always mounted: without a token anyone could drive a caller's menus.
  if (production && !ivr.twilioAuthToken && !parsed.TWILIO_ALLOW_UNSIGNED) {
    throw new ApiError(
      "invalid_config",
      "TWILIO_AUTH_TOKEN must be set when NODE_ENV=production (or set TWILIO_ALLOW_UNSIGNED=true to accept unsigned Twilio requests)",
    );
  }
  return {
    host: parsed.HOST ?? "127.0.0.1",
    port: parsed.PORT ?? 3000,
    databaseUrl: parsed.DATABASE_URL,
    databaseReadUrl: parsed.DATABASE_READ_URL,
    databaseMigrationUrl: parsed.DATABASE_MIGRATION_URL,
    databaseReadMaxWaitMs: parsed.DATABASE_READ_MAX_WAIT_MS,
    dataDir: parsed.VX_DATA_DIR ?? "./.vx-data",
    databasePoolSize: parsed.DATABASE_POOL_SIZE,
    databaseWaitTimeoutMs: parsed.DATABASE_WAIT_TIMEOUT_MS ?? 60_000,
    databaseConnectTimeoutMs: parsed.DATABASE_CONNECT_TIMEOUT_MS,
    jwtSecret: parsed.SUPABASE_JWT_SECRET,
    jwtSecretIsDevelopment: false,
    supabaseUrl: parsed.SUPABASE_URL?.replace(/\/$/, ""),
    jwtAudience: parsed.JWT_AUDIENCE ?? "authenticated",
    corsOrigins: parsed.CORS_ORIGIN ?? [],
    logLevel: parsed.LOG_LEVEL ?? "info",
    workers: parsed.VX_WORKERS ?? true,
    console: parsed.VX_CONSOLE ?? true,
    bodyLimit: parsed.BODY_LIMIT ?? 1024 * 1024,
    rateLimit: { max: parsed.RATE_LIMIT_MAX ?? 100, windowMs: parsed.RATE_LIMIT_WINDOW_MS ?? 60_000 },
    trustProxy: parsed.TRUST_PROXY ?? false,
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    production,
    retention: {
      audit_logs: parsed.VX_RETENTION_AUDIT_LOG_DAYS,
      webhook_logs: parsed.VX_RETENTION_WEBHOOK_LOG_DAYS,
      ivr_sessions: parsed.VX_RETENTION_IVR_SESSION_DAYS,
    },
    webhookSecretKeys: parsed.VX_WEBHOOK_SECRET_KEYS,
    webhooks,
    ivr,
    ...(parsed.VX_ARCHIVE_S3_URL && {
      archiveS3: {
        url: parsed.VX_ARCHIVE_S3_URL,
        region: parsed.VX_ARCHIVE_S3_REGION ?? "us-east-1",
        accessKeyId: parsed.VX_ARCHIVE_S3_ACCESS_KEY_ID!,
        secretAccessKey: parsed.VX_ARCHIVE_S3_SECRET_ACCESS_KEY!,
      },
    }),
  };
}

function describe(name: string, variable: Variable<unknown>, raw: string): string {
  const got = variable.secret ? `got a value of ${raw.length} characters` : `got ${JSON.stringify(raw)}`;
  return `${name} must ${variable.must}, ${got}`;
}

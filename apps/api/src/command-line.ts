/** `vx` as a function: serve the API, run migrations or workers, print a token; cli.ts runs it as the process. */
import { randomUUID } from "node:crypto";
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { Logger } from "pino";
import { startupFailure } from "./commands/startup-errors.js";
import { type Config, loadConfig, variables } from "./config.js";
import { devSecretPath, withDevSecret } from "./dev-secret.js";
import { ApiError } from "./errors.js";
import { IVR_VARIABLES } from "./routes/ivr/settings.js";
import { WEBHOOK_VARIABLES } from "./routes/webhooks/settings.js";
import { relativeTo, signToken } from "./token.js";

/** Each command's usage line(s), its flags, and how many positional arguments it takes. */
const COMMANDS = {
  serve: {
    usage:
      "serve                              start the API (embedded PGlite in ./.vx-data unless DATABASE_URL is set)",
    options: {},
    positionals: 0,
  },
  migrate: {
    usage: `migrate [up [N] | down [N] [--yes] | status]
                                     down reverts one migration; more than one only with --yes`,
    options: { yes: { type: "boolean" } },
    positionals: 2,
  },
  worker: { usage: "worker                             run only the background workers", options: {}, positionals: 0 },
  cleanup: {
    usage: `cleanup                            delete what the retention policy says has expired,
                                     and the rate limiter's identifiers idle for an hour`,
    options: {},
    positionals: 0,
  },
  archive: {
    usage: `archive [--dir D] [--keep] | archive restore <file>…
                                     write what retention would delete to gzipped NDJSON (and S3), then delete it`,
    options: { dir: { type: "string" }, keep: { type: "boolean" } },
    positionals: 100,
  },
  backup: {
    usage: "backup [file]                      copy the embedded database to a .tar.gz (stop the server first)",
    options: {},
    positionals: 1,
  },
  restore: {
    usage: "restore <file> [--force]           restore the embedded database from a backup",
    options: { force: { type: "boolean" } },
    positionals: 1,
  },
  "webhook-keys": {
    usage: `webhook-keys new <id> | check | reencrypt [--batch-size N]
                                     manage the keys webhook secrets are encrypted with`,
    options: { "batch-size": { type: "string" } },
    positionals: 2,
  },
  token: {
    usage: `token [--user <uuid>] [--role authenticated|service_role] [--expires-in 1h]
                                     print a development JWT signed with the configured secret`,
    options: {
      user: { type: "string" },
      role: { type: "string", default: "authenticated" },
      "expires-in": { type: "string", default: "1h" },
    },
    positionals: 0,
  },
} satisfies Record<string, { usage: string; options: ParseArgsConfig["options"]; positionals: number }>;
type CommandName = keyof typeof COMMANDS;

/**
 * Variables checked beside `variables`' table: the webhook and IVR settings (by loadConfig, with their own checks)
 * and the snapshot cache (by @vx/db).
 */
const OTHER_VARIABLES: Record<string, string> = {
  ...WEBHOOK_VARIABLES,
  ...IVR_VARIABLES,
  VX_PGLITE_SNAPSHOT_DIR:
    "be a folder path (where a migrated empty embedded database is cached; default the OS temp folder)",
};

const USAGE = `usage: vx <command> [--help]
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage}`)
  .join("\n")}

environment (all optional; see apps/api/README.md):
${[...Object.entries(variables).map(([name, v]) => [name, v.must] as const), ...Object.entries(OTHER_VARIABLES)]
  .map(([name, must]) => `  ${name.padEnd(31)} must ${must}`)
  .join("\n")}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The server, database and workers are imported by the commands that use them, so `vx token` starts quickly.

/** Thrown for bad command lines: printed with the command's usage, exit code 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly usage = USAGE,
  ) {
    super(message);
  }
}

interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function usageOf(name: CommandName): string {
  return `usage: vx ${COMMANDS[name].usage}`;
}

/** Parses a command's arguments strictly; `undefined` when it asked for help (printed here). */
function parseCommand(name: CommandName, args: string[]): Parsed | undefined {
  const command = COMMANDS[name];
  const usage = usageOf(name);
  if (args.some((a) => a === "--help" || a === "-h")) {
    console.log(usage);
    return undefined;
  }
  let parsed: Parsed;
  try {
    const options: ParseArgsConfig["options"] = command.options;
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as Parsed;
  } catch (error) {
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message);
    throw new UsageError(unknown ? `unknown option "${unknown[1]}" for ${name}` : (error as Error).message, usage);
  }
  if (parsed.positionals.length > command.positionals) {
    const extra = parsed.positionals.slice(command.positionals).join(" ");
    throw new UsageError(`unexpected argument "${extra}" for ${name}`, usage);
  }
  return parsed;
}

/** Runs `vx <argv>` and returns its exit code, or -1 when the command keeps running (serve, worker). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command "${command}"`);
    const args = parseCommand(command as CommandName, rest);
    if (!args) return 0;
    return await runCommand(command as CommandName, args, env);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`vx: ${error.message}\n${error.usage}`);
      return 2;
    }
    const line = startupFailure(error);
    if (line) {
      console.error(`vx: ${line}`);
      return 1;
    }
    console.error(`vx ${command} failed: ${(error as Error).stack ?? error}`);
    return 1;
  }
}

async function runCommand(command: CommandName, { values, positionals }: Parsed, env: NodeJS.ProcessEnv) {
  switch (command) {
    case "serve":
      return serveCommand(loadConfig(env));
    case "migrate":
      return (await import("./commands/migrate.js")).migrateCommand(loadConfig(env), {
        ...migrateArguments(positionals),
        yes: values.yes === true,
      });
    case "worker":
      return workerCommand(loadConfig(env));
    case "token":
      return tokenCommand(loadConfig(env), values);
    case "cleanup":
      return (await import("./commands/maintenance.js")).cleanupCommand(loadConfig(env));
    case "archive": {
      const archive = await import("./commands/archive.js");
      if (positionals[0] === "restore") {
        if (positionals.length < 2) throw new UsageError("archive restore needs archive files", usageOf("archive"));
        return archive.archiveRestoreCommand(loadConfig(env), positionals.slice(1));
      }
      if (positionals.length > 0)
        throw new UsageError(`unknown archive action "${positionals[0]}"`, usageOf("archive"));
      const dir = typeof values.dir === "string" ? values.dir : undefined;
      return archive.archiveCommand(loadConfig(env), { dir, keep: values.keep === true });
    }
    case "backup":
      return (await import("./commands/maintenance.js")).backupCommand(loadConfig(env), positionals);
    case "restore":
      if (positionals.length === 0) throw new UsageError("restore needs the backup file", usageOf("restore"));
      return (await import("./commands/maintenance.js")).restoreCommand(
        loadConfig(env),
        positionals[0]!,
        values.force === true,
      );
    case "webhook-keys": {
      const batch = typeof values["batch-size"] === "string" ? ["--batch-size", values["batch-size"]] : [];
      return (await import("./commands/webhook-keys.js")).webhookKeysCommand(loadConfig(env), [
        ...positionals,
        ...batch,
      ]);
    }
  }
}

async function serveCommand(config: Config): Promise<number> {
  const { serve, shutdownOnSignals } = await import("./serve.js");
  const server = await serve(config);
  shutdownOnSignals(server.shutdown, config.shutdownTimeoutMs, server.app.log as Logger);
  // Keep running: the listening server holds the event loop; the exit code is set on shutdown.
  return -1;
}

function migrateArguments([direction = "up", countText]: string[]) {
  const count = countText === undefined ? undefined : Number(countText);
  if (
    !(direction === "up" || direction === "down" || direction === "status") ||
    (count !== undefined && !(Number.isInteger(count) && count > 0))
  ) {
    throw new UsageError("migrate takes up [N], down [N] or status", usageOf("migrate"));
  }
  return { direction, count } as const;
}

async function workerCommand(baseConfig: Config): Promise<number> {
  const [{ openDatabase }, { buildApp }, { createLogger }, { shutdownOnSignals }, { startBackgroundWorkers }] =
    await Promise.all([
      import("@vx/db"),
      import("./app.js"),
      import("./logger.js"),
      import("./serve.js"),
      import("./workers/index.js"),
    ]);
  const config = await withDevSecret(baseConfig, { create: false });
  const log = createLogger(config.logLevel, { production: config.production });
  const db = await openDatabase({
    url: config.databaseUrl,
    migrationUrl: config.databaseMigrationUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    waitTimeoutMs: config.databaseWaitTimeoutMs,
    onWait: (line) => log.warn(line),
  });
  const app = await buildApp({ db, config, logger: log });
  await app.ready();
  const workers = await startBackgroundWorkers(app.appContext);
  log.info("background workers running");
  shutdownOnSignals(
    async () => {
      await workers.stop();
      await app.close();
      await db.close();
    },
    config.shutdownTimeoutMs,
    log,
  );
  return -1;
}

async function tokenCommand(baseConfig: Config, values: Parsed["values"]): Promise<number> {
  const role = values.role;
  if (role !== "authenticated" && role !== "service_role")
    throw new UsageError("--role must be authenticated or service_role", usageOf("token"));
  const expiresIn = String(values["expires-in"]);
  try {
    relativeTo(0, expiresIn);
  } catch (error) {
    throw new UsageError(`--expires-in ${(error as Error).message}`, usageOf("token"));
  }
  const userArg = values.user as string | undefined;
  if (userArg !== undefined && !UUID.test(userArg))
    throw new UsageError(`--user must be a UUID, got "${userArg}"`, usageOf("token"));

  const config = await withDevSecret(baseConfig, { create: false });
  if (!config.jwtSecret) throw new ApiError("no_jwt_secret", noSecretHelp(config));
  const userId = userArg ?? randomUUID();
  if (!userArg) console.error(`vx: no --user given, using new user ${userId}`);
  if (config.jwtSecretIsDevelopment)
    console.error("vx: signed with the development secret: only this machine's `vx serve` accepts it");
  console.log(await signToken({ userId, secret: config.jwtSecret, audience: config.jwtAudience, role, expiresIn }));
  return 0;
}

function noSecretHelp(config: Config): string {
  if (config.supabaseUrl) {
    return "no JWT secret to sign with: tokens are verified with the project's JWKS (SUPABASE_URL); set SUPABASE_JWT_SECRET to sign development tokens, or sign in through Supabase Auth";
  }
  const path = devSecretPath(config);
  return path
    ? `no JWT secret yet: set SUPABASE_JWT_SECRET, or run \`pnpm start\` once to create the development secret ${path}`
    : "no JWT secret: with VX_DATA_DIR=memory the development secret lives only inside the server; set SUPABASE_JWT_SECRET";
}

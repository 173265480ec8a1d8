#!/usr/bin/env node
/** `vx`: serve the API, run migrations, run background workers, or print a development token. */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import type { Logger } from "pino";
import { type Config, loadConfig } from "./config.js";
import { devSecretPath, withDevSecret } from "./dev-secret.js";
import { ApiError } from "./errors.js";
import { relativeTo, signToken } from "./token.js";

const USAGE = `usage: vx <command>
  serve                              start the API (embedded PGlite in ./.vx-data unless DATABASE_URL is set)
  migrate [up [N] | down [N] | status]
  worker                             run only the background workers
  cleanup                            delete what the retention policy says has expired
  backup [file]                      copy the embedded database to a .tar.gz (stop the server first)
  restore <file> [--force]           restore the embedded database from a backup
  token [--user <uuid>] [--role authenticated|service_role] [--expires-in 1h]
                                     print a development JWT signed with the configured secret`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The server, database and workers are imported by the commands that use them, so `vx token` starts quickly.

/** Thrown for bad command lines: printed with the usage, exit code 2. */
class UsageError extends Error {}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "serve":
        return await serveCommand(loadConfig(env));
      case "migrate":
        return await migrateCommand(loadConfig(env), rest);
      case "worker":
        return await workerCommand(loadConfig(env));
      case "token":
        return await tokenCommand(loadConfig(env), rest);
      case "cleanup":
        return await (await import("./commands/maintenance.js")).cleanupCommand(loadConfig(env));
      case "backup":
        return await (await import("./commands/maintenance.js")).backupCommand(loadConfig(env), rest);
      case "restore":
        return await (await import("./commands/maintenance.js")).restoreCommand(loadConfig(env), rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`vx: ${error.message}\n${USAGE}`);
      return 2;
    }
    // Config and secret problems are one clear line, not a stack trace.
    if (error instanceof ApiError) {
      console.error(`vx: ${error.message}`);
      return 1;
    }
    console.error(`vx ${command} failed: ${(error as Error).stack ?? error}`);
    return 1;
  }
}

async function serveCommand(config: Config): Promise<number> {
  const { serve, shutdownOnSignals } = await import("./serve.js");
  const server = await serve(config);
  shutdownOnSignals(server.shutdown, config.shutdownTimeoutMs, server.app.log as Logger);
  // Keep running: the listening server holds the event loop; the exit code is set on shutdown.
  return -1;
}

async function migrateCommand(config: Config, args: string[]): Promise<number> {
  const [direction = "up", countText] = args;
  const count = countText === undefined ? undefined : Number(countText);
  if (
    !["up", "down", "status"].includes(direction) ||
    (count !== undefined && !(Number.isInteger(count) && count > 0))
  ) {
    throw new UsageError("migrate takes up [N], down [N] or status");
  }
  const { migrate, migrationStatus, openDatabase } = await import("@vx/db");
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, migrate: false });
  try {
    if (direction === "status") {
      const status = await migrationStatus(db);
      for (const name of status.applied) console.log(`applied  ${name}`);
      for (const name of status.pending) console.log(`pending  ${name}`);
      return 0;
    }
    const ran = await migrate({ databaseUrl: db.url, direction: direction as "up" | "down", count });
    const verb = direction === "up" ? "applied " : "reverted";
    console.log(ran.length ? ran.map((m) => `${verb} ${m.name}`).join("\n") : "nothing to do");
    return 0;
  } finally {
    await db.close();
  }
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
  const log = createLogger(config.logLevel);
  const db = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
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

async function tokenCommand(baseConfig: Config, args: string[]): Promise<number> {
  const values = parseTokenArgs(args);
  const role = values.role;
  if (role !== "authenticated" && role !== "service_role")
    throw new UsageError("--role must be authenticated or service_role");
  const expiresIn = values["expires-in"];
  try {
    relativeTo(0, expiresIn);
  } catch (error) {
    throw new UsageError(`--expires-in ${(error as Error).message}`);
  }
  const userArg = values.user;
  if (userArg !== undefined && !UUID.test(userArg)) throw new UsageError(`--user must be a UUID, got "${userArg}"`);

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

function parseTokenArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        user: { type: "string" },
        role: { type: "string", default: "authenticated" },
        "expires-in": { type: "string", default: "1h" },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exitCode = code;
});

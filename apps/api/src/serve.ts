/** `vx serve`: open the database (migrating it), build the app, start workers, listen, and shut down gracefully. */

import { createServer } from "node:net";
import { type Database, migrationStatus, openDatabase } from "@vx/db";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import type { ZodApp } from "./context.js";
import { devSecretPath, withDevSecret } from "./dev-secret.js";
import { ApiError } from "./errors.js";
import { consoleAssetsDir } from "./http/console.js";
import { createLogger } from "./logger.js";
import type { BackgroundWorkers } from "./workers/index.js";

export interface RunningServer {
  app: ZodApp;
  db: Database;
  /** `http://host:port` actually bound (port 0 resolved). */
  url: string;
  shutdown(): Promise<void>;
}

export interface ServeOptions {
  /** Where the human-readable start-up lines go (stderr by default, so stdout stays JSON logs). */
  print?: (line: string) => void;
  logger?: Logger;
}

export async function serve(baseConfig: Config, options: ServeOptions = {}): Promise<RunningServer> {
  const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Before anything is opened or created: a busy port must not cost a database start, nor leave a data folder.
  await ensurePortFree(baseConfig.host, baseConfig.port);
  // Makes the data folder (or says in one line why it cannot) before the database opens.
  const config = await withDevSecret(baseConfig, { create: true });
  const log = options.logger ?? createLogger(config.logLevel, { production: config.production });
  const opening = openDatabase({
    url: config.databaseUrl,
    readUrl: config.databaseReadUrl,
    migrationUrl: config.databaseMigrationUrl,
    readMaxWaitMs: config.databaseReadMaxWaitMs,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    migrate: true,
    waitTimeoutMs: config.databaseWaitTimeoutMs,
    onWait: (line) => log.warn(line),
    // "creating the embedded database…": said once this process holds the data folder, so a second start that
    // loses the race for a new folder prints only its one-line refusal.
    progress: print,
  });
  // The app's modules load while the database starts (PGlite's WASM compiles and its files are read meanwhile):
  // a few hundred milliseconds of every start. A failed open is awaited first, so its error is the one reported.
  const loading = Promise.all([import("./app.js"), import("./workers/index.js")]);
  loading.catch(() => {});
  const db = await opening;
  await warnOfNewerMigrations(db, print);
  let app: ZodApp;
  let workers: BackgroundWorkers;
  try {
    const [{ buildApp }, { startBackgroundWorkers }] = await loading;
    app = await buildApp({ db, config, logger: log });
    await app.ready();
    workers = config.workers ? await startBackgroundWorkers(app.appContext) : { stop: async () => {} };
  } catch (error) {
    await db.close();
    throw error;
  }
  const shutdown = createShutdown({ app, workers, db, log });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await shutdown();
    throw portError(error, config.host, config.port);
  }
  const url = listeningUrl(app, config);
  print(`vx API listening on ${url} (${db.kind === "pglite" ? `embedded PGlite in ${config.dataDir}` : "Postgres"})`);
  print(`API reference: ${url}/docs`);
  if (config.console) print(consoleLine(url));
  if (config.jwtSecretIsDevelopment) {
    const where = devSecretPath(config) ?? "memory (tokens die with this process)";
    print(`Auth: development JWT secret in ${where}; get a token with: pnpm vx token --user <uuid>`);
  }
  return { app, db, url, shutdown };
}

/** Binds host:port and lets go at once; throws the one-line ApiError a busy or forbidden port deserves. */
async function ensurePortFree(host: string, port: number): Promise<void> {
  // Port 0 too: it is always free, but HOST may not be an address of this machine.
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (error) {
    throw portError(error, host, port);
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
}

function portError(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: string }).code;
  const where = `${host}:${port}`;
  if (code === "EADDRINUSE")
    return new ApiError(
      "invalid_config",
      `${where} is already in use: stop what holds it, or set PORT to another port`,
      {
        cause: error,
      },
    );
  if (code === "EACCES")
    return new ApiError("invalid_config", `not allowed to listen on ${where}: set PORT to 1024 or above`, {
      cause: error,
    });
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new ApiError("invalid_config", `cannot listen on ${where}: HOST is not an address of this machine`, {
      cause: error,
    });
  return error;
}

export interface ShutdownParts {
  app: FastifyInstance;
  workers: BackgroundWorkers;
  db: Database;
  log: Logger;
}

/**
 * Stops in the order that loses no work: the server stops accepting and waits for in-flight requests, then
 * workers finish, then the database closes. Idempotent: a second signal waits for the first shutdown.
 */
export function createShutdown(parts: ShutdownParts): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= (async () => {
      parts.log.info("shutting down: draining requests");
      await parts.app.close();
      await parts.workers.stop();
      await parts.db.close();
      parts.log.info("shut down");
    })();
    return done;
  };
}

const REPEAT_ABSORBED_MS = 1_000;

/**
 * Runs `shutdown` on SIGTERM/SIGINT; exits non-zero if it has not finished within the timeout. A repeat within
 * REPEAT_ABSORBED_MS is absorbed: one Ctrl-C under `pnpm start` reaches this process twice (from the terminal and
 * forwarded by pnpm), and ending on that echo would drop in-flight requests and leave the data folder's lock behind.
 * A later repeat is a person pressing again: it ends the process at once.
 */
export function shutdownOnSignals(shutdown: () => Promise<void>, timeoutMs: number, log: Logger): void {
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < REPEAT_ABSORBED_MS) return log.info({ signal }, "already shutting down");
      log.warn({ signal }, "second signal: exiting without finishing the shutdown");
      process.exit(128 + (signal === "SIGINT" ? 2 : 15));
    }
    firstSignalAt = Date.now();
    log.info({ signal }, "signal received");
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, "shutdown timed out; exiting");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    shutdown().then(
      () => {
        clearTimeout(timer);
        process.exitCode ??= 0;
      },
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exitCode = 1;
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

function consoleLine(url: string): string {
  return consoleAssetsDir()
    ? `Console: ${url}/console/`
    : "Console: not built yet; run `pnpm --filter @vx/console build` (pnpm start builds it when missing)";
}

function listeningUrl(app: FastifyInstance, config: Config): string {
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/**
 * A database a newer vx migrated still serves (migrations only add: a rolling deploy runs both versions for a
 * while), but an old version left running by mistake should be noticed: one line at start names what it lacks.
 */
async function warnOfNewerMigrations(db: Database, print: (line: string) => void): Promise<void> {
  const { unknown } = await migrationStatus(db);
  if (unknown.length === 0) return;
  print(
    `note: this database has ${unknown.length} migration${unknown.length === 1 ? "" : "s"} this vx does not know ` +
      `(${unknown.join(", ")}): a newer vx migrated it; upgrade this one`,
  );
}

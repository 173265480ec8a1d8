/** `vx serve`: open the database (migrating it), build the app, start workers, listen, and shut down gracefully. */
import { type Database, openDatabase } from "@vx/db";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { buildApp } from "./app.js";
import type { Config } from "./config.js";
import type { ZodApp } from "./context.js";
import { devSecretPath, withDevSecret } from "./dev-secret.js";
import { createLogger } from "./logger.js";
import { type BackgroundWorkers, startBackgroundWorkers } from "./workers/index.js";

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
  const config = await withDevSecret(baseConfig, { create: true });
  const log = options.logger ?? createLogger(config.logLevel);
  const db = await openDatabase({
    url: config.databaseUrl,
    readUrl: config.databaseReadUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    migrate: true,
    waitTimeoutMs: config.databaseWaitTimeoutMs,
    onWait: (line) => log.warn(line),
  });
  let app: ZodApp;
  let workers: BackgroundWorkers;
  try {
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
    throw error;
  }
  const url = listeningUrl(app, config);
  print(`vx API listening on ${url} (${db.kind === "pglite" ? `embedded PGlite in ${config.dataDir}` : "Postgres"})`);
  print(`API reference: ${url}/docs`);
  if (config.jwtSecretIsDevelopment) {
    const where = devSecretPath(config) ?? "memory (tokens die with this process)";
    print(`Auth: development JWT secret in ${where}; get a token with: pnpm vx token --user <uuid>`);
  }
  return { app, db, url, shutdown };
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

/** Runs `shutdown` on SIGTERM/SIGINT; exits non-zero if it has not finished within the timeout. */
export function shutdownOnSignals(shutdown: () => Promise<void>, timeoutMs: number, log: Logger): void {
  const onSignal = (signal: NodeJS.Signals) => {
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
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}

function listeningUrl(app: FastifyInstance, config: Config): string {
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

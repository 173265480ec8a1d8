/** Telling a database outage from a bug, and waiting at start-up for a Postgres that is not up yet. */
import pg from "pg";
import { DbError } from "./errors.js";

/**
 * SQLSTATEs of a server shutting down, starting up or out of a resource (class 53: disk full, out of memory, too
 * many clients): waiting, or its operator, fixes them. The 08xxx class is checked apart.
 */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53000", "53100", "53200", "53300", "53400"]);
/** Socket errors of a server that is down, restarting or cut off. */
const UNAVAILABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
/** Answers no wait can change: missing database, unknown role, wrong password, a host name that does not resolve. */
const REFUSED_CODES = new Set(["3D000", "28000", "28P01", "ENOTFOUND"]);
/** pg reports a lost connection and a pool connect timeout without a code: its message is all there is. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/**
 * True when `error` (or an error in its `cause` chain) says the database cannot be reached right now:
 * refused or reset connections, a server shutting down or starting up, too many clients, pool connect timeouts.
 * Such a failure is an outage (HTTP 503, retry later), not a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return someInChain(error, (e) => {
    if (e instanceof DbError) return e.code === "database_unreachable";
    const code = codeOf(e);
    if (code && (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code))) return true;
    if (code && /^08[0-9A-Z]{3}$/.test(code)) return true;
    return e instanceof Error && UNAVAILABLE_MESSAGES.test(e.message);
  });
}

/** True when Postgres (or the resolver) refused us in a way no retry fixes. */
function isRefusedForGood(error: unknown): boolean {
  return someInChain(error, (e) => REFUSED_CODES.has(codeOf(e) ?? ""));
}

export interface WaitForDatabaseOptions {
  /** Give up after this long (0: one try). */
  timeoutMs: number;
  /** Told one line per failed try: where, why, and when the next try is. */
  onRetry?: (line: string) => void;
  /** Each try's connect timeout (default 5 s). */
  connectTimeoutMs?: number;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

/**
 * Resolves once Postgres at `url` accepts a connection. Retries with backoff while it is unreachable; throws
 * DbError `database_unreachable` after `timeoutMs`, or `database_refused` at once when waiting cannot help.
 * Messages name host:port, never the password.
 */
export async function waitForDatabase(url: string, options: WaitForDatabaseOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const where = describeUrl(url);
  const deadline = now() + options.timeoutMs;
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    const error = await tryConnect(url, options.connectTimeoutMs ?? 5_000);
    if (error === undefined) return;
    if (isRefusedForGood(error) || !isDatabaseUnavailable(error)) {
      throw new DbError(
        "database_refused",
        `Postgres at ${where} refused the connection (${reasonOf(error)}): check DATABASE_URL`,
        { cause: error },
      );
    }
    const left = deadline - now();
    if (left <= 0) {
      throw new DbError(
        "database_unreachable",
        `Postgres at ${where} did not answer within ${seconds(options.timeoutMs)} s (${reasonOf(error)}): ` +
          "check DATABASE_URL and that the server is up, or raise DATABASE_WAIT_TIMEOUT_MS",
        { cause: error },
      );
    }
    const wait = Math.min(delay, left);
    options.onRetry?.(
      `waiting for Postgres at ${where} (try ${attempt}): ${reasonOf(error)}; next try in ${seconds(wait)} s`,
    );
    await sleep(wait);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

async function tryConnect(url: string, connectTimeoutMs: number): Promise<unknown> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return error ?? new Error("connection failed");
  } finally {
    await client.end().catch(() => {});
  }
}

/** `host:port/database` of a connection string: what to name in messages, never the password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}${parsed.pathname}`;
  } catch {
    return "DATABASE_URL";
  }
}

function reasonOf(error: unknown): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (!code) return message || "no reason given";
  // Socket messages repeat the code and the address (`connect ECONNREFUSED 127.0.0.1:5432`): the code says it.
  return /^[A-Z_]+$/.test(code) ? code : `${code} ${message}`;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function someInChain(error: unknown, test: (e: unknown) => boolean): boolean {
  let current = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (test(current)) return true;
    if (current instanceof AggregateError && current.errors.some(test)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

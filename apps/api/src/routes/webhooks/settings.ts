/** Webhook settings from the environment, shared by the routes and the delivery workers. */
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_TIMEOUT_MS } from "@vx/webhooks";
import { ApiError } from "../../errors.js";

export interface WebhookSettings {
  /** WEBHOOK_ALLOW_HTTP=true: accept http:// endpoints (local development, tests). Default https only. */
  allowHttp: boolean;
  /** WEBHOOK_ALLOW_PRIVATE_URLS=true: deliver to loopback, private and link-local addresses too. Default refused. */
  allowPrivateUrls: boolean;
  /** WEBHOOK_MAX_PAYLOAD_BYTES: the largest event body accepted. Default 256 KiB. */
  maxPayloadBytes: number;
  /** WEBHOOK_TIMEOUT_MS: per-request timeout of a delivery. Default 15 s. */
  timeoutMs: number;
  /** WEBHOOK_WORKER_BATCH_SIZE: messages a delivery worker claims at once. Default (and when left out) the worker's: 50. */
  workerBatchSize?: number;
  /** WEBHOOK_WORKER_MAX_IN_FLIGHT: messages a delivery worker sends or records at once. Default 2 × the batch size. */
  workerMaxInFlight?: number;
}

const FLAGS: Record<string, boolean> = {
  true: true,
  "1": true,
  on: true,
  yes: true,
  false: false,
  "0": false,
  off: false,
  no: false,
};

/** Each variable's range, for its check below and for `vx --help`. */
const RANGES = {
  WEBHOOK_MAX_PAYLOAD_BYTES: [1024, 10 * 1024 * 1024],
  WEBHOOK_TIMEOUT_MS: [100, 120_000],
  WEBHOOK_WORKER_BATCH_SIZE: [1, 1000],
} as const;

/** What `vx --help` says of each webhook variable, in the words of its check. */
export const WEBHOOK_VARIABLES: Record<string, string> = {
  WEBHOOK_ALLOW_HTTP: "be true or false (accept http:// endpoints; default false)",
  WEBHOOK_ALLOW_PRIVATE_URLS: "be true or false (deliver to loopback and private addresses; default false)",
  ...Object.fromEntries(
    Object.entries(RANGES).map(([name, [min, max]]) => [name, `be an integer from ${min} to ${max}`]),
  ),
  WEBHOOK_WORKER_MAX_IN_FLIGHT: "be an integer from WEBHOOK_WORKER_BATCH_SIZE to 10000",
};

/** Read by loadConfig, once: the routes, the emitter and the workers take `Config.webhooks`. */
export function webhookSettingsFromEnv(env: Record<string, string | undefined>): WebhookSettings {
  return {
    allowHttp: flag(env, "WEBHOOK_ALLOW_HTTP"),
    allowPrivateUrls: flag(env, "WEBHOOK_ALLOW_PRIVATE_URLS"),
    maxPayloadBytes: integer(
      env,
      "WEBHOOK_MAX_PAYLOAD_BYTES",
      DEFAULT_MAX_PAYLOAD_BYTES,
      ...RANGES.WEBHOOK_MAX_PAYLOAD_BYTES,
    ),
    timeoutMs: integer(env, "WEBHOOK_TIMEOUT_MS", DEFAULT_TIMEOUT_MS, ...RANGES.WEBHOOK_TIMEOUT_MS),
    ...workerSettings(env),
  };
}

/**
 * A single worker process on a busy queue delivers more with a deeper pipeline (in the benchmark, claims of 100 with
 * 400 in flight); several processes do well with the defaults.
 */
function workerSettings(env: Record<string, string | undefined>) {
  const workerBatchSize = integer(
    env,
    "WEBHOOK_WORKER_BATCH_SIZE",
    DEFAULT_BATCH_SIZE,
    ...RANGES.WEBHOOK_WORKER_BATCH_SIZE,
  );
  const workerMaxInFlight = integer(env, "WEBHOOK_WORKER_MAX_IN_FLIGHT", 2 * workerBatchSize, workerBatchSize, 10_000);
  return { workerBatchSize, workerMaxInFlight };
}

function flag(env: Record<string, string | undefined>, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return false;
  const value = FLAGS[raw];
  if (value === undefined)
    throw new ApiError("invalid_config", `${name} must be true or false, got ${JSON.stringify(raw)}`);
  return value;
}

function integer(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new ApiError(
      "invalid_config",
      `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

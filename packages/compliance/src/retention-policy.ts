// How long each kind of data is kept: the specification's defaults, and checks on a configured policy.
import type { BatchOptions } from "./batches.js";
import { ComplianceError } from "./errors.js";

/** What retention deletes. API-key usage is not among them: the specification keeps it indefinitely. */
export type RetentionTarget = "audit_logs" | "webhook_logs" | "ivr_sessions";

export const RETENTION_TARGETS: readonly RetentionTarget[] = ["audit_logs", "webhook_logs", "ivr_sessions"];

/** Days to keep each target; `null` keeps it forever. */
export type RetentionPolicy = Record<RetentionTarget, number | null>;

export const DEFAULT_AUDIT_LOG_DAYS = 365;

/** The specification's "Data Retention": audit logs 1 year, webhook logs 90 days, ended IVR sessions 30 days. */
export const DEFAULT_RETENTION: Readonly<RetentionPolicy> = Object.freeze({
  audit_logs: DEFAULT_AUDIT_LOG_DAYS,
  webhook_logs: 90,
  ivr_sessions: 30,
});

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_DAYS = 36_500;
const MAX_BATCH_SIZE = 100_000;

/** The defaults with the given overrides, checked. */
export function retentionPolicy(overrides: Partial<RetentionPolicy> = {}): RetentionPolicy {
  const policy: RetentionPolicy = { ...DEFAULT_RETENTION };
  for (const [key, days] of Object.entries(overrides)) {
    if (!RETENTION_TARGETS.includes(key as RetentionTarget)) {
      throw new ComplianceError("INVALID_RETENTION", `unknown retention target "${key}"`);
    }
    // An unset option (undefined) keeps the default.
    if (days === undefined) continue;
    if (days !== null) assertDays(days, key);
    policy[key as RetentionTarget] = days;
  }
  return policy;
}

export function assertDays(days: number, what = "retention"): void {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new ComplianceError("INVALID_RETENTION", `${what}: days must be an integer from 1 to ${MAX_DAYS}`);
  }
}

export function assertBatchOptions(options: BatchOptions): void {
  const { batchSize, maxBatches } = options;
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= MAX_BATCH_SIZE)) {
    throw new ComplianceError("INVALID_RETENTION", `batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}`);
  }
  if (maxBatches !== undefined && !(Number.isInteger(maxBatches) && maxBatches >= 1)) {
    throw new ComplianceError("INVALID_RETENTION", "maxBatches must be a positive integer");
  }
}

/** The instant before which data kept `days` days has expired. */
export function cutoffFor(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

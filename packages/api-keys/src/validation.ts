// Input checks for the service: every bad field is reported at once, each with its own message.
import { ApiKeyError, type FieldIssue } from "./errors.js";
import { REFILL_INTERVALS } from "./limits.js";
import { GRANTED_SCOPE_PATTERN, MAX_SCOPES, REQUIRED_SCOPE_PATTERN } from "./scopes.js";
import type {
  CreateApiKeyInput,
  CreateIdentityInput,
  RefillOnly,
  StatsRange,
  UpdateApiKeyInput,
  UpdateIdentityInput,
} from "./types.js";

/** Postgres `integer`: the columns' type bounds every limit. */
export const MAX_LIMIT = 2_147_483_647;
export const MAX_EXPIRES_IN_DAYS = 3650;
export const MAX_GRACE_PERIOD_HOURS = 720;
export const MAX_NAME_LENGTH = 255;
/** Stats series are bounded so one request cannot ask for years of points. */
export const MAX_STATS_HOURS = 24 * 31;
export const MAX_COST = 1_000_000;
/** A named limit's window: 1 second to 30 days. */
export const MIN_DURATION_MS = 1000;
export const MAX_DURATION_MS = 30 * 24 * 3_600_000;
export const MAX_RATELIMITS = 32;
/** `meta` as JSON (UTF-8) may not be larger than this. */
export const MAX_META_BYTES = 4096;
/** Limit names: letters, digits, `_`, `-`, `.`; never `rate_limit`, which names the hourly limit in results. */
export const RATELIMIT_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const RESERVED_NAME = "rate_limit";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class Issues {
  readonly list: FieldIssue[] = [];
  add(field: string, message: string): void {
    this.list.push({ field, message });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw ApiKeyError.invalid(this.list);
  }
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

function checkName(issues: Issues, name: unknown): void {
  if (typeof name !== "string" || name.trim().length === 0) issues.add("name", "must be a non-empty string");
  else if (name.length > MAX_NAME_LENGTH) issues.add("name", `must be at most ${MAX_NAME_LENGTH} characters`);
}

function checkLimit(issues: Issues, field: "rate_limit" | "usage_quota", value: unknown): void {
  if (value === undefined || value === null) return;
  if (!isIntegerIn(value, 1, MAX_LIMIT)) issues.add(field, `must be a positive integer up to ${MAX_LIMIT}, or null`);
}

function checkExpiresInDays(issues: Issues, value: unknown): void {
  if (value === undefined || value === null) return;
  if (!isIntegerIn(value, 1, MAX_EXPIRES_IN_DAYS)) {
    issues.add("expires_in_days", `must be an integer from 1 to ${MAX_EXPIRES_IN_DAYS}, or null`);
  }
}

function checkGrantedScopes(issues: Issues, scopes: unknown): void {
  if (scopes === undefined) return;
  if (!Array.isArray(scopes)) {
    issues.add("scopes", "must be an array of strings");
    return;
  }
  if (scopes.length > MAX_SCOPES) issues.add("scopes", `must hold at most ${MAX_SCOPES} scopes`);
  scopes.forEach((scope, i) => {
    if (typeof scope !== "string" || !GRANTED_SCOPE_PATTERN.test(scope)) {
      issues.add(`scopes[${i}]`, 'must be "*", "resource:*" or "resource:action" (lowercase letters, digits, _ - .)');
    }
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkMeta(issues: Issues, meta: unknown): void {
  if (meta === undefined || meta === null) return;
  if (!isPlainObject(meta)) {
    issues.add("meta", "must be a JSON object or null");
    return;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(meta);
  } catch {
    json = undefined;
  }
  if (json === undefined) issues.add("meta", "must be serialisable as JSON");
  else if (Buffer.byteLength(json, "utf8") > MAX_META_BYTES) {
    issues.add("meta", `must be at most ${MAX_META_BYTES} bytes as JSON`);
  }
}

function checkRateLimits(issues: Issues, limits: unknown): void {
  if (limits === undefined) return;
  if (!Array.isArray(limits)) {
    issues.add("ratelimits", "must be an array of { name, limit, duration_ms, auto_apply? }");
    return;
  }
  if (limits.length > MAX_RATELIMITS) issues.add("ratelimits", `must hold at most ${MAX_RATELIMITS} limits`);
  const seen = new Set<unknown>();
  limits.forEach((l, i) => {
    const at = `ratelimits[${i}]`;
    if (!isPlainObject(l)) {
      issues.add(at, "must be an object { name, limit, duration_ms, auto_apply? }");
      return;
    }
    if (typeof l.name !== "string" || !RATELIMIT_NAME_PATTERN.test(l.name) || l.name === RESERVED_NAME) {
      issues.add(`${at}.name`, `must be 1-64 letters, digits, _ - . (not "${RESERVED_NAME}")`);
    } else if (seen.has(l.name)) issues.add(`${at}.name`, `duplicates the limit name "${l.name}"`);
    seen.add(l.name);
    if (!isIntegerIn(l.limit, 1, MAX_LIMIT)) issues.add(`${at}.limit`, `must be a positive integer up to ${MAX_LIMIT}`);
    if (!isIntegerIn(l.duration_ms, MIN_DURATION_MS, MAX_DURATION_MS)) {
      issues.add(
        `${at}.duration_ms`,
        `must be an integer from ${MIN_DURATION_MS} (1 s) to ${MAX_DURATION_MS} (30 days)`,
      );
    }
    if (l.auto_apply !== undefined && typeof l.auto_apply !== "boolean") {
      issues.add(`${at}.auto_apply`, "must be a boolean");
    }
  });
}

/** Credits `{ remaining, refill? }`; on an update also `{ refill }` alone, which keeps the remaining count. */
function checkCredits(issues: Issues, credits: unknown, updating: boolean): void {
  if (credits === undefined || credits === null) return;
  if (!isPlainObject(credits)) {
    issues.add(
      "credits",
      updating ? "must be { remaining, refill? }, { refill } or null" : "must be { remaining, refill? } or null",
    );
    return;
  }
  if (updating && isRefillOnly(credits)) {
    if (credits.refill === undefined) issues.add("credits.refill", "is required when credits.remaining is absent");
  } else if (!isIntegerIn(credits.remaining, 0, MAX_LIMIT)) {
    issues.add("credits.remaining", `must be an integer from 0 to ${MAX_LIMIT}`);
  }
  const refill = credits.refill;
  if (refill === undefined || refill === null) return;
  if (!isPlainObject(refill)) {
    issues.add("credits.refill", "must be { interval, amount, refill_day? }");
    return;
  }
  if (!REFILL_INTERVALS.includes(refill.interval as never)) {
    issues.add("credits.refill.interval", `must be one of ${REFILL_INTERVALS.join(", ")}`);
  }
  if (!isIntegerIn(refill.amount, 1, MAX_LIMIT)) {
    issues.add("credits.refill.amount", `must be a positive integer up to ${MAX_LIMIT}`);
  }
  if (refill.refill_day !== undefined) {
    if (refill.interval !== "monthly") issues.add("credits.refill.refill_day", "is only for a monthly refill");
    else if (!isIntegerIn(refill.refill_day, 1, 31)) issues.add("credits.refill.refill_day", "must be from 1 to 31");
  }
}

function checkIdentityId(issues: Issues, id: unknown): void {
  if (id !== undefined && id !== null && !isUuid(id)) issues.add("identity_id", "must be a UUID or null");
}

/** Credits without `remaining`: a change of the refill alone (valid on updates only). */
export function isRefillOnly(credits: unknown): credits is RefillOnly {
  return isPlainObject(credits) && !("remaining" in credits);
}

/** The settings every key and identity may have: meta, named limits, credits. */
function checkExtras(
  issues: Issues,
  input: { meta?: unknown; ratelimits?: unknown; credits?: unknown },
  updating: boolean,
): void {
  checkMeta(issues, input.meta);
  checkRateLimits(issues, input.ratelimits);
  checkCredits(issues, input.credits, updating);
}

/** An identity's settings; `external_id` only when it is created. */
export function validateIdentity(input: CreateIdentityInput | UpdateIdentityInput, creating: boolean): void {
  const issues = new Issues();
  if (input === null || typeof input !== "object") {
    issues.add("identity", "must be an object");
    issues.throwIfAny();
  }
  if (creating) {
    const { user_id, external_id } = input as CreateIdentityInput;
    if (!isUuid(user_id)) issues.add("user_id", "must be a UUID");
    if (typeof external_id !== "string" || external_id.length < 1 || external_id.length > MAX_NAME_LENGTH) {
      issues.add("external_id", `must be a string of 1 to ${MAX_NAME_LENGTH} characters`);
    }
  }
  checkExtras(issues, input, !creating);
  issues.throwIfAny();
}

/** Throws INVALID_INPUT listing every bad field of a create request. */
export function validateCreate(input: CreateApiKeyInput): void {
  const issues = new Issues();
  if (!isUuid(input?.user_id)) issues.add("user_id", "must be a UUID");
  checkName(issues, input?.name);
  checkExpiresInDays(issues, input?.expires_in_days);
  checkLimit(issues, "rate_limit", input?.rate_limit);
  checkLimit(issues, "usage_quota", input?.usage_quota);
  checkGrantedScopes(issues, input?.scopes);
  if (input) checkExtras(issues, input, false);
  checkIdentityId(issues, input?.identity_id);
  issues.throwIfAny();
}

/** Throws INVALID_INPUT listing every bad field of an update. */
export function validateUpdate(changes: UpdateApiKeyInput): void {
  const issues = new Issues();
  if (changes === null || typeof changes !== "object") {
    issues.add("updates", "must be an object");
    issues.throwIfAny();
  }
  if (changes.name !== undefined) checkName(issues, changes.name);
  checkLimit(issues, "rate_limit", changes.rate_limit);
  checkLimit(issues, "usage_quota", changes.usage_quota);
  checkGrantedScopes(issues, changes.scopes);
  checkExpiresInDays(issues, changes.expires_in_days);
  if (changes.enabled !== undefined && typeof changes.enabled !== "boolean") issues.add("enabled", "must be a boolean");
  checkExtras(issues, changes, true);
  checkIdentityId(issues, changes.identity_id);
  if (changes.expires_at !== undefined && changes.expires_at !== null) {
    if (!(changes.expires_at instanceof Date) || Number.isNaN(changes.expires_at.getTime())) {
      issues.add("expires_at", "must be a valid Date or null");
    }
  }
  if (changes.expires_at !== undefined && changes.expires_in_days !== undefined) {
    issues.add("expires_in_days", "cannot be combined with expires_at");
  }
  issues.throwIfAny();
}

/** Required scopes of a verification are concrete: a caller asks for `webhooks:write`, never `webhooks:*`. */
export function validateVerifyOptions(scopes: unknown, cost: unknown, ratelimits?: unknown): void {
  const issues = new Issues();
  if (scopes !== undefined) {
    if (!Array.isArray(scopes)) issues.add("scopes", "must be an array of strings");
    else
      scopes.forEach((scope, i) => {
        if (typeof scope !== "string" || !REQUIRED_SCOPE_PATTERN.test(scope)) {
          issues.add(`scopes[${i}]`, 'must be a concrete "resource:action" scope');
        }
      });
  }
  if (cost !== undefined && !isIntegerIn(cost, 0, MAX_COST)) {
    issues.add("cost", `must be an integer from 0 to ${MAX_COST}`);
  }
  checkRequestedLimits(issues, ratelimits);
  issues.throwIfAny();
}

function checkRequestedLimits(issues: Issues, ratelimits: unknown): void {
  if (ratelimits === undefined) return;
  if (!Array.isArray(ratelimits) || ratelimits.length > MAX_RATELIMITS) {
    issues.add("ratelimits", `must be an array of at most ${MAX_RATELIMITS} { name, cost? }`);
    return;
  }
  ratelimits.forEach((r, i) => {
    if (!isPlainObject(r) || typeof r.name !== "string" || !RATELIMIT_NAME_PATTERN.test(r.name)) {
      issues.add(`ratelimits[${i}].name`, "must be 1-64 letters, digits, _ - .");
    } else if (r.cost !== undefined && !isIntegerIn(r.cost, 0, MAX_COST)) {
      issues.add(`ratelimits[${i}].cost`, `must be an integer from 0 to ${MAX_COST}`);
    }
  });
}

/** A change of credits: a whole number of credits, 0 to MAX_LIMIT. */
export function validateCreditsChange(op: unknown, amount: unknown): void {
  const issues = new Issues();
  if (!["set", "increment", "decrement"].includes(op as string)) {
    issues.add("op", "must be set, increment or decrement");
  }
  if (!isIntegerIn(amount, 0, MAX_LIMIT)) issues.add("amount", `must be an integer from 0 to ${MAX_LIMIT}`);
  issues.throwIfAny();
}

export function validateGracePeriod(hours: unknown): void {
  if (hours === undefined) return;
  if (typeof hours !== "number" || !Number.isFinite(hours) || hours < 0 || hours > MAX_GRACE_PERIOD_HOURS) {
    throw ApiKeyError.invalid([
      { field: "gracePeriodHours", message: `must be a number from 0 to ${MAX_GRACE_PERIOD_HOURS}` },
    ]);
  }
}

export function validateStatsRange(range: StatsRange): void {
  const issues = new Issues();
  for (const field of ["from", "to"] as const) {
    const value = range[field];
    if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
      issues.add(field, "must be a valid Date");
    }
  }
  issues.throwIfAny();
}

/** A standalone limiter call or override: namespace and identifier 1-255 characters, a limit and window as keys'. */
export function validateLimitCall(call: {
  namespace: unknown;
  identifier: unknown;
  limit: unknown;
  duration_ms: unknown;
  cost?: unknown;
}): void {
  const issues = new Issues();
  for (const field of ["namespace", "identifier"] as const) {
    const value = call[field];
    if (typeof value !== "string" || value.length < 1 || value.length > MAX_NAME_LENGTH) {
      issues.add(field, `must be a string of 1 to ${MAX_NAME_LENGTH} characters`);
    } else if (!/\S/.test(value)) {
      // " " and "login" would be two limits that read alike in logs and overrides: almost surely a bug upstream.
      issues.add(field, "must not be only whitespace");
    }
  }
  if (!isIntegerIn(call.limit, 1, MAX_LIMIT)) issues.add("limit", `must be a positive integer up to ${MAX_LIMIT}`);
  if (!isIntegerIn(call.duration_ms, MIN_DURATION_MS, MAX_DURATION_MS)) {
    issues.add("duration_ms", `must be an integer from ${MIN_DURATION_MS} (1 s) to ${MAX_DURATION_MS} (30 days)`);
  }
  if (call.cost !== undefined && !isIntegerIn(call.cost, 0, MAX_COST)) {
    issues.add("cost", `must be an integer from 0 to ${MAX_COST}`);
  }
  issues.throwIfAny();
}

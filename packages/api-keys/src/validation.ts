// Input checks for the service: every bad field is reported at once, each with its own message.
import { ApiKeyError, type FieldIssue } from "./errors.js";
import { GRANTED_SCOPE_PATTERN, MAX_SCOPES, REQUIRED_SCOPE_PATTERN } from "./scopes.js";
import type { CreateApiKeyInput, StatsRange, UpdateApiKeyInput } from "./types.js";

/** Postgres `integer`: the columns' type bounds every limit. */
export const MAX_LIMIT = 2_147_483_647;
export const MAX_EXPIRES_IN_DAYS = 3650;
export const MAX_GRACE_PERIOD_HOURS = 720;
export const MAX_NAME_LENGTH = 255;
/** Stats series are bounded so one request cannot ask for years of points. */
export const MAX_STATS_HOURS = 24 * 31;
export const MAX_COST = 1_000_000;

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

/** Throws INVALID_INPUT listing every bad field of a create request. */
export function validateCreate(input: CreateApiKeyInput): void {
  const issues = new Issues();
  if (!isUuid(input?.user_id)) issues.add("user_id", "must be a UUID");
  checkName(issues, input?.name);
  checkExpiresInDays(issues, input?.expires_in_days);
  checkLimit(issues, "rate_limit", input?.rate_limit);
  checkLimit(issues, "usage_quota", input?.usage_quota);
  checkGrantedScopes(issues, input?.scopes);
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
export function validateVerifyOptions(scopes: unknown, cost: unknown): void {
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

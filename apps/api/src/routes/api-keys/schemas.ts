/** The JSON shapes of the /v1/api-keys routes (snake_case, as the columns) and their mapping from domain objects. */
import {
  type ApiKey,
  type ApiKeyStats,
  type Credits,
  GRANTED_SCOPE_PATTERN,
  type Identity,
  type IdentityStats,
  MAX_DURATION_MS,
  MAX_EXPIRES_IN_DAYS,
  MAX_GRACE_PERIOD_HOURS,
  MAX_LIMIT,
  MAX_NAME_LENGTH,
  MAX_RATELIMITS,
  MAX_SCOPES,
  MIN_DURATION_MS,
  RATELIMIT_NAME_PATTERN,
  REFILL_INTERVALS,
  REQUIRED_SCOPE_PATTERN,
  type RefillOnly,
  type UsagePoint,
  VERIFY_CODES,
  type VerifyResult,
} from "@vx/api-keys";
import { z } from "zod";
import { timestampInput } from "../../route-kit.js";

const timestamp = z.iso.datetime({ offset: true });
const limit = z.number().int().min(1).max(MAX_LIMIT);
const grantedScopes = z
  .array(z.string().regex(GRANTED_SCOPE_PATTERN, 'must be "*", "resource:*" or "resource:action"'))
  .max(MAX_SCOPES);

const ratelimitName = z.string().regex(RATELIMIT_NAME_PATTERN, "must be 1-64 letters, digits, _ - .");
const ratelimitConfig = z
  .object({
    name: ratelimitName,
    limit,
    duration_ms: z
      .number()
      .int()
      .min(MIN_DURATION_MS)
      .max(MAX_DURATION_MS)
      .describe("The window: 1000 (1 s) to 2592000000 (30 days)"),
    auto_apply: z.boolean().describe("Checked on every verification; otherwise only when a verification names it"),
  })
  .meta({ id: "RateLimitConfig" });
const ratelimitInput = z.strictObject({ ...ratelimitConfig.shape, auto_apply: z.boolean().optional() });
const refill = z
  .strictObject({
    interval: z.enum(REFILL_INTERVALS),
    amount: limit.describe("Credits are set to this at each refill"),
    refill_day: z.number().int().min(1).max(31).optional().describe("Monthly: day of the month (default 1)"),
  })
  .meta({ id: "CreditsRefill" });
const credits = z
  .strictObject({ remaining: z.number().int().min(0).max(MAX_LIMIT), refill: refill.optional() })
  .meta({ id: "Credits" });
/** On updates: `{ refill }` alone changes only the refill, keeping the credits left. */
const creditsChange = z
  .strictObject({
    remaining: credits.shape.remaining
      .optional()
      .describe("Credits left; absent: only the refill changes and the credits left stay (after any refill due)"),
    refill: refill.nullable().optional().describe("The refill rule; null: no refill"),
  })
  .refine((change) => change.remaining !== undefined || change.refill !== undefined, {
    message: "give remaining, refill or both",
    path: ["remaining"],
  })
  // The refine leaves whole credits (a count) or a refill alone: the service's two cases.
  .transform((change) => change as Credits | RefillOnly);
const meta = z.record(z.string(), z.unknown()).describe("Free JSON (at most 4096 bytes), returned by verification");
/** Settings a key has besides the specification's columns, in create and update bodies. */
const extras = {
  meta: meta.nullable().optional(),
  ratelimits: z.array(ratelimitInput).max(MAX_RATELIMITS).optional().describe("Named limits (replaces all)"),
  credits: credits.nullable().optional(),
  identity_id: z.uuid().nullable().optional(),
};

export const apiKeySchema = z
  .object({
    id: z.uuid(),
    user_id: z.uuid(),
    name: z.string(),
    key_prefix: z.string().describe("The first 10 characters of the key, to tell keys apart"),
    last_used_at: timestamp.nullable(),
    expires_at: timestamp.nullable(),
    rate_limit: z.number().int().nullable().describe("Requests per UTC clock hour; null is unlimited"),
    usage_quota: z.number().int().nullable().describe("Requests over the key's life; null is unlimited"),
    usage_count: z.number().int(),
    enabled: z.boolean(),
    scopes: z.array(z.string()),
    created_at: timestamp,
    updated_at: timestamp,
    meta: meta.nullable(),
    ratelimits: z.array(ratelimitConfig),
    credits: credits.nullable().describe("Credits spent by cost, optionally refilled; null is unlimited"),
    identity_id: z.uuid().nullable(),
  })
  .meta({ id: "ApiKey" });

export type ApiKeyJson = z.output<typeof apiKeySchema>;

export const idParams = z.object({ id: z.uuid() });

export const createBody = z.strictObject({
  name: z.string().trim().min(1).max(MAX_NAME_LENGTH),
  expires_in_days: z.number().int().min(1).max(MAX_EXPIRES_IN_DAYS).nullable().optional(),
  rate_limit: limit.nullable().optional(),
  usage_quota: limit.nullable().optional(),
  scopes: grantedScopes.optional(),
  ...extras,
});

export const updateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(MAX_NAME_LENGTH).optional(),
    expires_at: timestampInput.nullable().optional(),
    expires_in_days: z.number().int().min(1).max(MAX_EXPIRES_IN_DAYS).nullable().optional(),
    rate_limit: limit.nullable().optional(),
    usage_quota: limit.nullable().optional(),
    enabled: z.boolean().optional(),
    scopes: grantedScopes.optional(),
    ...extras,
    credits: creditsChange.nullable().optional(),
  })
  .refine((body) => body.expires_at === undefined || body.expires_in_days === undefined, {
    message: "give expires_at or expires_in_days, not both",
    path: ["expires_in_days"],
  });

export const rotateBody = z
  .strictObject({
    grace_period_hours: z
      .number()
      .min(0)
      .max(MAX_GRACE_PERIOD_HOURS)
      .optional()
      .describe("How long the old key keeps working; default 0 (it stops at once)"),
  })
  .nullish();

export const statsQuery = z.object({
  from: timestampInput.optional().describe("First hour of the series (default: 23 hours before `to`)"),
  to: timestampInput.optional().describe("Last hour of the series (default: the current hour)"),
});

export const verifyBody = z.strictObject({
  key: z.string().max(512).describe("The plain key to verify"),
  scopes: z
    .array(z.string().regex(REQUIRED_SCOPE_PATTERN, 'must be a concrete "resource:action" scope'))
    .max(MAX_SCOPES)
    .optional(),
  cost: z.number().int().min(0).max(1_000_000).optional().describe("Units to charge; default 1, 0 only checks"),
  ratelimits: z
    .array(z.strictObject({ name: ratelimitName, cost: z.number().int().min(0).max(1_000_000).optional() }))
    .max(MAX_RATELIMITS)
    .optional()
    .describe("Named limits to check besides the auto-applied ones, each with its own cost (default: cost)"),
});

export const identitySchema = z
  .object({
    id: z.uuid(),
    user_id: z.uuid(),
    external_id: z.string(),
    meta: meta.nullable(),
    ratelimits: z.array(ratelimitConfig),
    credits: credits.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "Identity" });

const identityExtras = { meta: extras.meta, ratelimits: extras.ratelimits, credits: extras.credits };
export const createIdentityBody = z.strictObject({
  external_id: z.string().min(1).max(MAX_NAME_LENGTH).describe("Your id for the customer, unique among yours"),
  ...identityExtras,
});
export const updateIdentityBody = z.strictObject({ ...identityExtras, credits: creditsChange.nullable().optional() });

export function identityToJson(identity: Identity): z.output<typeof identitySchema> {
  return {
    id: identity.id,
    user_id: identity.user_id,
    external_id: identity.external_id,
    meta: identity.meta,
    ratelimits: identity.ratelimits,
    credits: identity.credits,
    created_at: identity.created_at.toISOString(),
    updated_at: identity.updated_at.toISOString(),
  };
}

export const creditsBody = z.strictObject({
  op: z.enum(["set", "increment", "decrement"]),
  amount: z.number().int().min(0).max(MAX_LIMIT),
});
export const creditsSchema = z.object({ remaining: z.number().int().describe("Credits left after the change") });

export const createdSchema = z.object({ api_key: apiKeySchema, plain_key: z.string() });
export const rotatedSchema = z.object({ api_key: apiKeySchema, plain_key: z.string(), previous: apiKeySchema });

/** One point per hour, zeros included: a key's or an identity's usage. */
const usageSeries = z.array(
  z.object({
    hour: timestamp,
    requests: z.number().int().describe("Units counted (the sum of valid verifications' costs)"),
    outcomes: z
      .object({
        valid: z.number().int(),
        rate_limited: z.number().int(),
        usage_exceeded: z.number().int(),
        disabled: z.number().int(),
        expired: z.number().int(),
        insufficient_scope: z.number().int(),
      })
      .describe("Verifications of the hour by outcome"),
  }),
);

export const statsSchema = z
  .object({
    key_id: z.uuid(),
    total_requests: z.number().int(),
    usage_quota: z.number().int().nullable(),
    remaining_quota: z.number().int().nullable(),
    last_used_at: timestamp.nullable(),
    rate_limit: z.number().int().nullable(),
    requests_this_hour: z.number().int(),
    rate_limit_reset: timestamp,
    series: usageSeries,
  })
  .meta({ id: "ApiKeyStats" });

export const identityStatsSchema = z
  .object({
    identity_id: z.uuid(),
    external_id: z.string(),
    key_ids: z.array(z.uuid()).describe("Its keys now, whose usage is summed"),
    total_requests: z.number().int().describe("Successful verifications over those keys' lives"),
    requests_this_hour: z.number().int(),
    series: usageSeries,
  })
  .meta({ id: "IdentityStats" });

export const verifyResultSchema = z
  .object({
    valid: z.boolean(),
    code: z.enum(VERIFY_CODES),
    key: apiKeySchema.optional(),
    remaining: z.number().int().optional().describe("Quota left; absent when unlimited"),
    ratelimit: z
      .object({
        limit: z.number().int(),
        remaining: z.number().int(),
        reset: z.number().int().describe("When the limit is fully available again, Unix milliseconds"),
      })
      .optional()
      .describe("The limit that refused, else the most restrictive (what the RateLimit-* headers report)"),
    ratelimits: z
      .array(
        z.object({
          name: z.string().describe('"rate_limit" is the hourly rate_limit'),
          source: z.enum(["key", "identity", "rate_limit"]),
          limit: z.number().int(),
          duration_ms: z.number().int(),
          remaining: z.number().int(),
          reset: z.number().int(),
          exceeded: z.boolean(),
          retry_at: z.number().int().optional(),
        }),
      )
      .optional()
      .describe("Every limit checked; the one that refused has exceeded: true"),
    credits: z.number().int().optional().describe("The key's credits left; absent when unlimited"),
    meta: meta.nullable().optional(),
    identity: z
      .object({ id: z.uuid(), external_id: z.string(), meta: meta.nullable(), credits: z.number().int().optional() })
      .optional(),
    retry_at: z
      .number()
      .int()
      .optional()
      .describe(
        "On RATE_LIMITED and USAGE_EXCEEDED: the earliest moment worth asking again (Unix ms): when the refusing limit lets the request through, the next credits refill, or for the lifetime quota the next hour as a back-off hint, not a promise",
      ),
  })
  .meta({ id: "ApiKeyVerification" });

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

/** Field by field, so nothing else (never `key_hash`) can reach a response. */
export function toJson(key: ApiKey): ApiKeyJson {
  return {
    id: key.id,
    user_id: key.user_id,
    name: key.name,
    key_prefix: key.key_prefix,
    last_used_at: iso(key.last_used_at),
    expires_at: iso(key.expires_at),
    rate_limit: key.rate_limit,
    usage_quota: key.usage_quota,
    usage_count: key.usage_count,
    enabled: key.enabled,
    scopes: key.scopes,
    created_at: key.created_at.toISOString(),
    updated_at: key.updated_at.toISOString(),
    meta: key.meta,
    ratelimits: key.ratelimits,
    credits: key.credits,
    identity_id: key.identity_id,
  };
}

export function statsToJson(stats: ApiKeyStats): z.output<typeof statsSchema> {
  return {
    ...stats,
    last_used_at: iso(stats.last_used_at),
    rate_limit_reset: stats.rate_limit_reset.toISOString(),
    series: seriesToJson(stats.series),
  };
}

export function identityStatsToJson(stats: IdentityStats): z.output<typeof identityStatsSchema> {
  return { ...stats, series: seriesToJson(stats.series) };
}

function seriesToJson(series: UsagePoint[]) {
  return series.map((p) => ({ hour: p.hour.toISOString(), requests: p.requests, outcomes: p.outcomes }));
}

export function verifyToJson(result: VerifyResult): z.output<typeof verifyResultSchema> {
  return {
    valid: result.valid,
    code: result.code,
    ...(result.key ? { key: toJson(result.key) } : {}),
    ...(result.remaining !== undefined ? { remaining: result.remaining } : {}),
    ...(result.ratelimit ? { ratelimit: result.ratelimit } : {}),
    ...(result.ratelimits
      ? {
          ratelimits: result.ratelimits.map(({ retryAt, ...l }) => ({
            ...l,
            ...(retryAt === undefined ? {} : { retry_at: retryAt }),
          })),
        }
      : {}),
    ...(result.credits !== undefined ? { credits: result.credits } : {}),
    ...(result.meta !== undefined ? { meta: result.meta } : {}),
    ...(result.identity ? { identity: result.identity } : {}),
    ...(result.retryAt !== undefined ? { retry_at: result.retryAt } : {}),
  };
}

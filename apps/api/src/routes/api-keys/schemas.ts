/** The JSON shapes of the /v1/api-keys routes (snake_case, as the columns) and their mapping from domain objects. */
import {
  type ApiKey,
  type ApiKeyStats,
  GRANTED_SCOPE_PATTERN,
  MAX_EXPIRES_IN_DAYS,
  MAX_GRACE_PERIOD_HOURS,
  MAX_LIMIT,
  MAX_NAME_LENGTH,
  MAX_SCOPES,
  REQUIRED_SCOPE_PATTERN,
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
});

export const createdSchema = z.object({ api_key: apiKeySchema, plain_key: z.string() });
export const rotatedSchema = z.object({ api_key: apiKeySchema, plain_key: z.string(), previous: apiKeySchema });

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
    series: z.array(z.object({ hour: timestamp, requests: z.number().int() })),
  })
  .meta({ id: "ApiKeyStats" });

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
        reset: z.number().int().describe("Start of the next hour, Unix milliseconds"),
      })
      .optional(),
    retry_at: z
      .number()
      .int()
      .optional()
      .describe(
        "On RATE_LIMITED and USAGE_EXCEEDED: the earliest moment worth asking again (the next hour, Unix ms); for the lifetime quota a back-off hint, not a promise",
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
  };
}

export function statsToJson(stats: ApiKeyStats): z.output<typeof statsSchema> {
  return {
    ...stats,
    last_used_at: iso(stats.last_used_at),
    rate_limit_reset: stats.rate_limit_reset.toISOString(),
    series: stats.series.map((p) => ({ hour: p.hour.toISOString(), requests: p.requests })),
  };
}

export function verifyToJson(result: VerifyResult): z.output<typeof verifyResultSchema> {
  return {
    valid: result.valid,
    code: result.code,
    ...(result.key ? { key: toJson(result.key) } : {}),
    ...(result.remaining !== undefined ? { remaining: result.remaining } : {}),
    ...(result.ratelimit ? { ratelimit: result.ratelimit } : {}),
    ...(result.retryAt !== undefined ? { retry_at: result.retryAt } : {}),
  };
}

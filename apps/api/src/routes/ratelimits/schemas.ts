/** The JSON shapes of /v1/ratelimits. */
import { MAX_DURATION_MS, MAX_LIMIT, MAX_NAME_LENGTH, MIN_DURATION_MS } from "@vx/api-keys";
import { z } from "zod";
import { paginationQuery } from "../../route-kit.js";

const text = z.string().min(1).max(MAX_NAME_LENGTH).regex(/\S/, "must not be only whitespace");
const limit = z.number().int().min(1).max(MAX_LIMIT);
const durationMs = z
  .number()
  .int()
  .min(MIN_DURATION_MS)
  .max(MAX_DURATION_MS)
  .describe("The window: 1000 (1 s) to 2592000000 (30 days)");

export const overrideKey = z.object({
  namespace: text.describe("Yours: e.g. `login-by-ip`"),
  identifier: text.describe("What is limited: an IP, a phone number, a user id"),
});

export const limitBody = z.strictObject({
  ...overrideKey.shape,
  limit,
  duration_ms: durationMs,
  cost: z.number().int().min(0).max(1_000_000).optional().describe("Default 1; 0 checks without counting"),
});

export const limitResultSchema = z
  .object({
    success: z.boolean(),
    limit: z.number().int().describe("The limit applied (an override's, if any)"),
    duration_ms: z.number().int(),
    remaining: z.number().int().describe("Cost-1 calls that would pass now"),
    reset: z.number().int().describe("When the limit is fully available again, Unix ms"),
    retry_at: z.number().int().optional().describe("On a refusal: the earliest moment this call would pass, Unix ms"),
    overridden: z.boolean(),
  })
  .meta({ id: "RateLimitResult" });

export const overrideBody = z.strictObject({ ...overrideKey.shape, limit, duration_ms: durationMs });
export const overrideSchema = z
  .object({ ...overrideKey.shape, limit: z.number().int(), duration_ms: z.number().int() })
  .meta({ id: "RateLimitOverride" });
export const overridesQuery = paginationQuery.extend({ namespace: text.optional() });
/** A page ends at a (namespace, identifier): unique per owner, so the next page starts exactly after it. */
export const overrideCursor = z.object({ namespace: z.string(), identifier: z.string() });

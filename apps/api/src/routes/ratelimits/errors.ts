/** The HTTP problems of /v1/ratelimits: the routes' own codes, each with its status. */
import type { ErrorMapping } from "../../route-kit.js";

export type RateLimitProblemCode = "ratelimit_override_not_found";

export const RATELIMIT_PROBLEMS: Record<RateLimitProblemCode, ErrorMapping> = {
  ratelimit_override_not_found: { status: 404, title: "Rate-limit override not found" },
};

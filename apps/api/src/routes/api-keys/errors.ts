/** The HTTP problems of API keys: codes registered with the app, and ApiKeyError turned into them. */
import { ApiKeyError } from "@vx/api-keys";
import { ApiError, type ErrorMapping } from "../../route-kit.js";

export type ApiKeyProblemCode =
  | "api_key_not_found"
  | "api_key_malformed"
  | "api_key_unknown"
  | "api_key_disabled"
  | "api_key_expired"
  | "usage_exceeded"
  | "api_key_not_allowed"
  | "identity_not_found"
  | "identity_exists";

export const API_KEY_PROBLEMS: Record<ApiKeyProblemCode, ErrorMapping> = {
  api_key_not_found: { status: 404, title: "API key not found" },
  api_key_malformed: { status: 401, title: "Malformed API key" },
  api_key_unknown: { status: 401, title: "Unknown API key" },
  api_key_disabled: { status: 401, title: "API key disabled" },
  api_key_expired: { status: 401, title: "API key expired" },
  usage_exceeded: { status: 429, title: "API key usage quota exceeded" },
  api_key_not_allowed: { status: 403, title: "API keys cannot manage API keys" },
  identity_not_found: { status: 404, title: "Identity not found" },
  identity_exists: { status: 409, title: "Identity already exists" },
};

/** Runs domain work, turning ApiKeyError into a problem: NOT_FOUND → 404, IDENTITY_EXISTS → 409, INVALID_INPUT → 400 with fields. */
export async function domain<T>(work: () => Promise<T>, location: "body" | "query" = "body"): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ApiKeyError)) throw error;
    if (error.code === "NOT_FOUND")
      throw new ApiError<ApiKeyProblemCode>("api_key_not_found", "No API key with this id");
    if (error.code === "IDENTITY_NOT_FOUND")
      throw new ApiError<ApiKeyProblemCode>("identity_not_found", "No identity with this id");
    if (error.code === "IDENTITY_EXISTS") throw new ApiError<ApiKeyProblemCode>("identity_exists", error.message);
    throw new ApiError("validation_failed", error.message, {
      errors: error.issues.map((i) => ({ field: `${location}.${i.field}`, message: i.message })),
    });
  }
}

/** RFC 9457 problem+json: one table from error code to HTTP status, and the error and not-found handlers that render it. */
import { STATUS_CODES } from "node:http";
import { isDatabaseUnavailable } from "@vx/db";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { ZodError } from "zod";
import type { ErrorMapping } from "../context.js";
import { ApiError, type ApiErrorCode, type FieldError } from "../errors.js";
import { findSqlCause, sqlInputReason } from "./sql-input-errors.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8";

/** Problem types are URNs: stable identifiers that do not pretend to be a documentation URL. */
export function problemType(code: string): string {
  return `urn:vx:problem:${code}`;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const BUILT_IN: Record<ApiErrorCode, ErrorMapping> = {
  bad_request: { status: 400, title: "Bad request" },
  validation_failed: { status: 400, title: "Validation failed" },
  invalid_json: { status: 400, title: "Malformed JSON body" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  payload_too_large: { status: 413, title: "Request body too large" },
  invalid_cursor: { status: 400, title: "Invalid pagination cursor" },
  unauthorized: { status: 401, title: "Authentication required" },
  invalid_token: { status: 401, title: "Invalid token" },
  token_expired: { status: 401, title: "Token expired" },
  unsupported_credentials: { status: 401, title: "Unsupported credentials" },
  forbidden: { status: 403, title: "Forbidden" },
  insufficient_scope: { status: 403, title: "Insufficient scope" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal server error" },
  service_unavailable: { status: 503, title: "Service unavailable" },
  database_unavailable: { status: 503, title: "Database unavailable" },
  invalid_config: { status: 500, title: "Invalid configuration" },
  no_jwt_secret: { status: 500, title: "No JWT secret configured" },
};

/** Fastify's own 4xx errors, by their `code`, as ours. */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid_json",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "bad_request",
};

/** The code → status table: built-in codes plus whatever route plugins register. */
export class ErrorRegistry {
  private readonly table = new Map<string, ErrorMapping>(Object.entries(BUILT_IN));

  register(map: Record<string, ErrorMapping>): void {
    for (const [code, mapping] of Object.entries(map)) {
      if (!Number.isInteger(mapping.status) || mapping.status < 400 || mapping.status > 599) {
        throw new Error(`error code ${code}: status must be 400-599, got ${mapping.status}`);
      }
      const existing = this.table.get(code);
      // One code meaning two statuses would make responses depend on registration order.
      if (existing && existing.status !== mapping.status) {
        throw new Error(
          `error code ${code} is already mapped to ${existing.status}, cannot map it to ${mapping.status}`,
        );
      }
      this.table.set(code, { status: mapping.status, title: mapping.title ?? existing?.title });
    }
  }

  lookup(code: string): ErrorMapping | undefined {
    return this.table.get(code);
  }

  codes(): string[] {
    return [...this.table.keys()];
  }
}

/** Builds the problem for any thrown value; 5xx details are generic so stacks and SQL never leave the process. */
export function toProblem(error: unknown, request: FastifyRequest, registry: ErrorRegistry): Problem {
  const classified = withoutSqlText(classify(error, registry), error);
  // A code nobody registered is a bug, not a client error: it is rendered as `internal`.
  const mapping = registry.lookup(classified.code);
  const { code, detail, errors } = mapping ? classified : { code: "internal", detail: "", errors: undefined };
  const status = (mapping ?? BUILT_IN.internal).status;
  return {
    type: problemType(code),
    title: (mapping ?? BUILT_IN.internal).title ?? STATUS_CODES[status] ?? "Error",
    status,
    detail:
      status >= 500
        ? `The server could not complete the request (request id ${request.id}).`
        : clip(detail, PROBLEM_LIMITS.detail),
    code,
    instance: clip(request.url.split("?")[0] ?? "", PROBLEM_LIMITS.instance),
    request_id: String(request.id),
    ...capErrors(errors),
  };
}

/** A problem stays small whatever the request: at most this many field errors, paths and messages clipped. */
export const PROBLEM_LIMITS = { errors: 20, field: 200, message: 300, detail: 1000, instance: 500 } as const;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function capErrors(errors: FieldError[] | undefined): { errors?: FieldError[]; errors_omitted?: number } {
  if (!errors) return {};
  const kept = errors.slice(0, PROBLEM_LIMITS.errors).map((e) => ({
    field: clip(e.field, PROBLEM_LIMITS.field),
    message: clip(e.message, PROBLEM_LIMITS.message),
  }));
  const omitted = errors.length - kept.length;
  return omitted > 0 ? { errors: kept, errors_omitted: omitted } : { errors: kept };
}

/**
 * Postgres's text never reaches a response: a data error nobody mapped becomes a 400 in our words, and a mapped
 * error whose message carried the driver's text gets our words instead.
 */
function withoutSqlText(classified: Classified, error: unknown): Classified {
  const cause = findSqlCause(error);
  if (!cause) return classified;
  const reason = sqlInputReason(cause.state);
  if (classified.code === "internal") {
    return reason
      ? { code: "bad_request", detail: `The request was refused: ${reason} (SQLSTATE ${cause.state}).` }
      : classified;
  }
  const ours = `The request was refused: ${reason ?? "the database did not accept it"}.`;
  const leaks = (text: string) => cause.message.length > 0 && text.includes(cause.message);
  return {
    ...classified,
    detail: leaks(classified.detail) ? ours : classified.detail,
    errors: classified.errors?.map((e) => (leaks(e.message) ? { field: e.field, message: ours } : e)),
  };
}

interface Classified {
  code: string;
  detail: string;
  errors?: FieldError[];
}

function classify(error: unknown, registry: ErrorRegistry): Classified {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as { validationContext?: string }).validationContext;
    const errors = error.validation.map((issue) => ({
      field: fieldName(context, issue.instancePath),
      message: issue.message ?? "is invalid",
    }));
    return { code: "validation_failed", detail: summarise(errors), errors };
  }
  if (error instanceof ZodError) {
    const errors = error.issues.map((issue) => ({
      field: issue.path.map(String).join(".") || "(root)",
      message: issue.message,
    }));
    return { code: "validation_failed", detail: summarise(errors), errors };
  }
  if (error instanceof ApiError) return { code: error.code, detail: error.message, errors: error.errors };
  // An outage, not a bug: clients retry after Retry-After (see DATABASE_RETRY_AFTER_SECONDS).
  if (isDatabaseUnavailable(error)) return { code: "database_unavailable", detail: "" };
  if (isFastifyError(error)) {
    if (isResponseSerializationError(error)) return { code: "internal", detail: "" };
    const mapped = FASTIFY_CODES[error.code];
    if (mapped) return { code: mapped, detail: error.message };
    if (error.validation) {
      const errors = error.validation.map((issue) => ({
        field: fieldName(error.validationContext, issue.instancePath),
        message: issue.message ?? "is invalid",
      }));
      return { code: "validation_failed", detail: summarise(errors), errors };
    }
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && registry.lookup(code)) return { code, detail: (error as Error).message };
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    // Fastify and plugin errors we have no code for: keep their 4xx status family, never turn them into 500.
    return { code: statusCode(status), detail: (error as Error).message };
  }
  return { code: "internal", detail: "" };
}

function statusCode(status: number): ApiErrorCode {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 405) return "method_not_allowed";
  if (status === 413) return "payload_too_large";
  if (status === 415) return "unsupported_media_type";
  if (status === 429) return "rate_limited";
  return "bad_request";
}

function isFastifyError(error: unknown): error is FastifyError {
  return (
    error instanceof Error &&
    typeof (error as FastifyError).code === "string" &&
    (error as FastifyError).code.startsWith("FST_")
  );
}

function fieldName(context: string | undefined, instancePath: string): string {
  const path = instancePath.split("/").filter(Boolean).join(".");
  return [context, path].filter(Boolean).join(".") || "(root)";
}

function summarise(errors: FieldError[]): string {
  const first = errors[0];
  if (!first) return "The request is invalid.";
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return `${clip(first.field, PROBLEM_LIMITS.field)}: ${clip(first.message, PROBLEM_LIMITS.message)}${more}`;
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  // A string body skips any route response schema: problems never go through a route's serializer.
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** How long a client is told to wait (Retry-After) when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Installs the error and not-found handlers on the root instance. */
export function installProblemHandlers(app: FastifyInstance, registry: ErrorRegistry, log: Logger): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request, registry);
    if (problem.code === "database_unavailable") {
      log.warn({ err: error, request_id: request.id }, "database unavailable");
      reply.header("retry-after", String(DATABASE_RETRY_AFTER_SECONDS));
    } else if (problem.status >= 500) {
      log.error({ err: error, request_id: request.id }, "request failed");
    } else if (problem.code === "bad_request" && findSqlCause(error)) {
      // The safety net caught what validation should have: worth a look, so logged with the driver's error.
      log.warn({ err: error, request_id: request.id }, "the database refused input that validation let through");
    } else {
      request.log.info({ code: problem.code, status: problem.status }, "request refused");
    }
    return sendProblem(reply, problem);
  });
}

export function notFoundProblem(request: FastifyRequest, registry: ErrorRegistry): Problem {
  const path = request.url.split("?")[0];
  return toProblem(new ApiError("not_found", `No route ${request.method} ${path}`), request, registry);
}

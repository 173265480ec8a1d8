/** Payload schemas: JSON Schema draft 2020-12 compiled once (Ajv) and checked on every triggered event. */
import { createRequire } from "node:module";
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { WebhookError } from "./errors.js";
import type { JsonSchema } from "./events.js";

/** A schema larger than this (as JSON) is refused: it is compiled in every process and kept in memory. */
export const MAX_SCHEMA_BYTES = 64 * 1024;

export interface PayloadProblem {
  /** JSON Pointer into the payload, "" for the payload itself. */
  path: string;
  message: string;
}

export type PayloadValidator = (payload: unknown) => PayloadProblem[];

// Unknown keywords (x-…, example) are annotations, as 2020-12 says; `format` is an annotation too unless an
// assertion vocabulary is asked for, so formats are not checked. Schemas are not registered by $id: two event types
// may reuse one.
// Ajv (some 80 modules) loads with the first schema, not with every process that imports the package.
let ajv: Ajv2020 | undefined;
function compiler(): Ajv2020 {
  if (!ajv) {
    const { Ajv2020 } = createRequire(import.meta.url)("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    ajv = new Ajv2020({ strict: false, validateFormats: false, addUsedSchema: false, allErrors: true });
  }
  return ajv;
}

/** Compiles a schema, or refuses it (`invalid_schema`) naming what is wrong with it. */
export function compilePayloadSchema(schema: JsonSchema, field = "schema"): PayloadValidator {
  const size = Buffer.byteLength(JSON.stringify(schema) ?? "", "utf8");
  if (size > MAX_SCHEMA_BYTES) {
    throw new WebhookError("invalid_schema", `${field} is ${size} bytes as JSON; the limit is ${MAX_SCHEMA_BYTES}`, {
      details: { field },
    });
  }
  let validate: ValidateFunction;
  try {
    validate = compiler().compile(schema);
  } catch (error) {
    throw new WebhookError("invalid_schema", `${field} is not a valid JSON Schema: ${(error as Error).message}`, {
      cause: error,
      details: { field },
    });
  }
  return (payload) => (validate(payload) ? [] : (validate.errors ?? []).map(toProblem));
}

/** Errors about a property (missing, not allowed) point at that property, not at the object holding it. */
function toProblem(error: ErrorObject): PayloadProblem {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === "required" && params.missingProperty !== undefined) {
    return { path: pointer(error.instancePath, params.missingProperty), message: "is required" };
  }
  if (error.keyword === "additionalProperties" && params.additionalProperty !== undefined) {
    return { path: pointer(error.instancePath, params.additionalProperty), message: "is not allowed" };
  }
  return { path: error.instancePath, message: error.message ?? "is invalid" };
}

function pointer(base: string, property: string): string {
  return `${base}/${property.replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

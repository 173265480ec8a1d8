/** The app's operations, read from its own /openapi.json, so tests that walk "every route" see new routes at once. */
import type { ZodApp } from "../../src/route-kit.js";

/** The subset of JSON Schema the OpenAPI document uses (zod's JSON Schema output). */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The OpenAPI path template, e.g. `/v1/webhooks/{id}`. */
  path: string;
  /** `"POST /v1/webhooks/{id}/test"`: how tests name and look up an operation. */
  key: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  /** The JSON body schema, when the operation takes a body. */
  body?: JsonSchema;
  /** Whether the document says the operation needs credentials. */
  secured: boolean;
}

export interface ApiDocument {
  operations: Operation[];
  components: Record<string, JsonSchema>;
}

interface RawOperation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

export async function readApiDocument(app: ZodApp): Promise<ApiDocument> {
  const response = await app.inject({ url: "/openapi.json" });
  if (response.statusCode !== 200) throw new Error(`/openapi.json answered ${response.statusCode}`);
  const doc = response.json() as {
    paths: Record<string, Record<string, RawOperation>>;
    components?: { schemas?: Record<string, JsonSchema> };
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [verb, raw] of Object.entries(methods)) {
      const method = verb.toUpperCase() as Operation["method"];
      const parameters = raw.parameters ?? [];
      operations.push({
        method,
        path,
        key: `${method} ${path}`,
        pathParams: parameters.filter((p) => p.in === "path"),
        queryParams: parameters.filter((p) => p.in === "query"),
        body: raw.requestBody?.content?.["application/json"]?.schema,
        secured: (raw.security ?? []).length > 0,
      });
    }
  }
  return { operations, components: doc.components?.schemas ?? {} };
}

/** The schema a `$ref` points at (`#/components/schemas/Name`), or the schema itself. */
export function resolve(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 10; hops++) {
    const name = current.$ref.replace(/^#\/components\/schemas\//, "");
    const target = components[name];
    if (!target) throw new Error(`unknown schema reference ${current.$ref}`);
    current = target;
  }
  return current;
}

/** Fills `{name}` placeholders of a path template with already-encoded values. */
export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${template}`);
    return value;
  });
}

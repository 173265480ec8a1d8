/**
 * Refuses what the database or the serialiser cannot take, before any schema runs: JSON nested deeper than
 * MAX_JSON_DEPTH (deep enough values overflow the stack when serialised), and U+0000 in a path parameter, query
 * value or JSON string (or key), which text and jsonb both reject. Each is a 400 `validation_failed` naming the
 * field, never a 500.
 */
import type { FastifyInstance } from "fastify";
import { ApiError } from "../errors.js";

const MESSAGE = "must not contain the NUL character (U+0000)";

/** Objects and arrays inside one another, the body itself counting as 1. Documented in the README. */
export const MAX_JSON_DEPTH = 32;
const DEPTH_MESSAGE = `must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep`;

/** The first field nested deeper than `limit` levels (the value itself being level 1), or undefined. */
export function findTooDeep(value: unknown, root: string, limit = MAX_JSON_DEPTH): string | undefined {
  // Iterative, like findNul; a path is built only for the value that crosses the limit.
  const stack: [unknown, number, string[]][] = [[value, 1, []]];
  while (stack.length > 0) {
    const [current, depth, keys] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth > limit) return [root, ...keys].join(".");
    for (const [key, item] of Object.entries(current)) {
      if (item !== null && typeof item === "object") stack.push([item, depth + 1, [...keys, key]]);
    }
  }
  return undefined;
}

/** The first field (e.g. `body.items.0.label`) whose string or key contains U+0000, or undefined. */
export function findNul(value: unknown, root: string): string | undefined {
  // Iterative: a body may nest thousands of levels deep within the body limit.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (typeof current === "string") {
      if (current.includes("\u0000")) return path;
      continue;
    }
    if (current === null || typeof current !== "object") continue;
    for (const [key, item] of Object.entries(current)) {
      const field = `${path}.${key}`;
      if (key.includes("\u0000")) return field;
      stack.push([item, field]);
    }
  }
  return undefined;
}

export function installNulGuard(app: FastifyInstance): void {
  app.addHook("preValidation", async (request) => {
    const deep = findTooDeep(request.body, "body");
    if (deep)
      throw new ApiError("validation_failed", `${deep}: ${DEPTH_MESSAGE}`, {
        errors: [{ field: deep, message: DEPTH_MESSAGE }],
      });
    const field =
      findNul(request.params, "params") ?? findNul(request.query, "querystring") ?? findNul(request.body, "body");
    if (field)
      throw new ApiError("validation_failed", `${field}: ${MESSAGE}`, { errors: [{ field, message: MESSAGE }] });
  });
}

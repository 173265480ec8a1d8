/**
 * Refuses text Postgres cannot store: U+0000 in a path parameter, query value or JSON string (or key) is a 400
 * `validation_failed` naming the field, instead of a database error (text and jsonb both reject it) and a 500.
 */
import type { FastifyInstance } from "fastify";
import { ApiError } from "../errors.js";

const MESSAGE = "must not contain the NUL character (U+0000)";

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
    const field =
      findNul(request.params, "params") ?? findNul(request.query, "querystring") ?? findNul(request.body, "body");
    if (field)
      throw new ApiError("validation_failed", `${field}: ${MESSAGE}`, { errors: [{ field, message: MESSAGE }] });
  });
}

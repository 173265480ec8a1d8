/**
 * Which named-limit inputs the API refused, from its problem's field paths: the schema says `body.ratelimits.0.name`,
 * the domain's checks `body.ratelimits[0].name`. The message itself is shown above the form; this marks the input.
 */
import type { FieldProblem } from "../api";
import type { RateLimitConfig } from "./api-key";

const LIMIT_FIELD = /^body\.ratelimits(?:\.(\d+)|\[(\d+)\])\.(name|limit|duration_ms|auto_apply)$/;

/** `"0.duration_ms"`-style keys: row index, then the refused field. */
export function refusedLimitFields(problems: FieldProblem[]): Set<string> {
  const refused = new Set<string>();
  for (const { field } of problems) {
    const match = LIMIT_FIELD.exec(field);
    if (match) refused.add(limitFieldKey(Number(match[1] ?? match[2]), match[3] as keyof RateLimitConfig));
  }
  return refused;
}

export function limitFieldKey(row: number, field: keyof RateLimitConfig): string {
  return `${row}.${field}`;
}

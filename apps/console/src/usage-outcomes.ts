/**
 * Verification outcomes in a key's hourly series. The stats route may report them per point as
 * `outcomes: { valid: n, … }`, as `outcomes: [{ code, count }, …]`, or as numeric fields beside `requests`; an API
 * without them yields none, and the chart shows requests alone.
 */
export interface Point {
  hour: string;
  requests: number;
  outcomes?: unknown;
  [field: string]: unknown;
}

/** `{ name: count }` from either an object of counts or a list of `{ code | outcome | name, count | requests }`. */
export function normalizeOutcomes(value: unknown): Record<string, number> {
  const counts: Record<string, number> = {};
  if (Array.isArray(value)) {
    for (const entry of value as Record<string, unknown>[]) {
      const name = entry?.code ?? entry?.outcome ?? entry?.name;
      const count = entry?.count ?? entry?.requests;
      if (typeof name === "string" && typeof count === "number") counts[name] = (counts[name] ?? 0) + count;
    }
  } else if (value && typeof value === "object") {
    for (const [name, count] of Object.entries(value)) if (typeof count === "number") counts[name] = count;
  }
  return counts;
}

/** Outcome counts of one point, whichever shape the API uses. */
export function outcomesOf(point: Point): Record<string, number> {
  if (point.outcomes !== undefined && point.outcomes !== null) return normalizeOutcomes(point.outcomes);
  const extra: Record<string, number> = {};
  for (const [field, value] of Object.entries(point)) {
    if (field !== "hour" && field !== "requests" && typeof value === "number") extra[field] = value;
  }
  return extra;
}

/** Each outcome's count over the whole series. */
export function sumOutcomes(series: Point[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const point of series) {
    for (const [name, count] of Object.entries(outcomesOf(point))) totals[name] = (totals[name] ?? 0) + count;
  }
  return totals;
}

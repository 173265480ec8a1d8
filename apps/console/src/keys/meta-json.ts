/** A key's `meta` typed as JSON text: the API takes only a JSON object, so anything else is refused here, in words. */

export type MetaInput = { ok: true; meta: Record<string, unknown> | undefined } | { ok: false; error: string };

/** Empty text is no meta at all; otherwise the text must be a JSON object (not an array, string, number or null). */
export function parseMeta(text: string): MetaInput {
  if (text.trim() === "") return { ok: true, meta: undefined };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Meta is not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, error: `Meta must be a JSON object like {"plan": "pro"}, not ${describeJson(value)}` };
  }
  return { ok: true, meta: value as Record<string, unknown> };
}

function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** Stored meta as the textarea shows it: indented JSON, or no text for none. */
export function formatMeta(meta: Record<string, unknown> | null): string {
  return meta === null ? "" : JSON.stringify(meta, null, 2);
}

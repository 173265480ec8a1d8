/**
 * fast-check values from the OpenAPI document's JSON Schemas: values that fit a schema (so requests get past
 * validation and reach the domain and the database), the same with one field broken, and hostile values.
 */
import fc from "fast-check";
import { type JsonSchema, resolve } from "./openapi.js";

export interface ValueSources {
  /** Ids for `format: uuid` fields: the test's own resources, other users' resources, and random ones. */
  uuid: fc.Arbitrary<string>;
  /**
   * Values for string fields (and array items) by field name, where the schema alone says too little: `url`
   * (only addresses the test controls, so nothing leaves the machine), event names, menu item targets.
   */
  byName: Record<string, fc.Arbitrary<string>>;
  components: Record<string, JsonSchema>;
}

/** Strings that have broken parsers, SQL, logs and terminals before. */
export const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff\ud800",
  "\u202e\u2066evil",
  "\ufeff",
  "💥".repeat(64),
  "' OR 1=1 --",
  "'; DROP TABLE public.api_keys; --",
  "\\",
  '"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell probe, meant literally
  "${jndi:ldap://127.0.0.1/x}",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "%00",
  "%",
  "null",
  "undefined",
  "NaN",
  "-0",
  "1e309",
  "0x7fffffff",
  "9223372036854775808",
  "true",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "\r\n\t",
  "vx_",
  "vx_0000000000000000000000000000000000000000",
  "whsec_",
  "2030-02-30T25:61:61Z",
  "+275760-09-13T00:00:00.000Z",
  "-271821-04-20T00:00:00.000Z",
  "0000-01-01T00:00:00Z",
];

/** A string of `length` characters, built without asking fast-check to shrink megabytes. */
export const longString = (min: number, max: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.integer({ min, max }), fc.constantFrom("a", "é", "💥", "\u0000", "%"))
    .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: longString(256, 20_000) },
);

const deepArray = fc
  .integer({ min: 50, max: 2000 })
  .map((depth) => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`));

/** Any JSON value of a type nobody asked for. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      0,
      -1,
      1.5,
      -0.000001,
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 53,
      1e308,
      -1e308,
      Number.MIN_VALUE,
      true,
      false,
      null,
      [],
      {},
      [null],
      { "": "" },
    ),
  },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepArray },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 60 }) },
);

/**
 * JSON text nested `depth` levels, built as text so any depth is cheap: mostly around the API's limit of 32, and
 * far past it (up to what fits a 16 KiB body).
 */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 28, max: 36 }), fc.integer({ min: 37, max: 8_000 })),
    fc.constantFrom("array", "object"),
  )
  .map(([depth, kind]) =>
    kind === "array"
      ? `${"[".repeat(depth)}${"]".repeat(depth)}`
      : `${'{"d":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`,
  );

/** Where a value can be swapped: every key of every object and every item of every array inside it. */
function slotsOf(value: unknown): [Record<string, unknown>, string][] {
  const slots: [Record<string, unknown>, string][] = [];
  const stack = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === null || typeof current !== "object") continue;
    const container = current as Record<string, unknown>;
    for (const key of Object.keys(container)) {
      slots.push([container, key]);
      stack.push(container[key]);
    }
    if (!Array.isArray(current)) slots.push([container, "deep"]);
  }
  return slots;
}

/** A body that fits the schema except that one field, at any depth, holds deeply nested JSON. */
export function deepenedBody(schema: JsonSchema, sources: ValueSources): fc.Arbitrary<string> {
  return fc.tuple(validValue(schema, sources), fc.nat(), deepJson).map(([value, pick, deep]) => {
    const copy: unknown = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
    const slots = slotsOf(copy);
    const slot = slots[pick % Math.max(slots.length, 1)];
    if (!slot) return deep;
    const marker = "\u0001deep\u0001";
    slot[0][slot[1]] = marker;
    return JSON.stringify(copy).replace(JSON.stringify(marker), deep);
  });
}

/**
 * Bodies whose field paths are very long: objects nested a few levels under keys of hundreds or thousands of
 * characters, or hundreds of unknown keys. Problems must stay small whatever the paths.
 */
export const longPathBody: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 100, max: 1_500 }), nastyValue)
    .map(([levels, keyLength, leaf]) => {
      let value: unknown = leaf;
      for (let level = levels; level > 0; level--) value = { [`${"k".repeat(keyLength)}${level}`]: value };
      return JSON.stringify(value);
    }),
  fc
    .tuple(fc.integer({ min: 20, max: 300 }), fc.constantFrom<unknown>(1, "x", null, [], {}))
    .map(([count, leaf]) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [`unknown_field_${i}`, leaf]))),
    ),
);

/** Date-times as clients send them, good and bad. */
const dateTime: fc.Arbitrary<string> = fc.oneof(
  fc
    .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    "2030-01-01T00:00:00Z",
    "2030-01-01T00:00:00.123456+05:30",
    "1970-01-01T00:00:00.000Z",
    "9999-12-31T23:59:59.999Z",
    "0001-01-01T00:00:00Z",
    "2030-02-30T00:00:00Z",
  ),
);

/** A value the schema accepts (as far as JSON Schema can say: refinements in code may still refuse it). */
export function validValue(schema: JsonSchema, sources: ValueSources, name = "", depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, sources.components);
  const variants = s.anyOf ?? s.oneOf;
  if (variants) return fc.oneof(...variants.map((v) => validValue(v, sources, name, depth + 1)));
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const type = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => validValue({ ...s, type: t }, sources, name, depth)));
  switch (type[0]) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
    case "number":
      return numberIn(s, type[0] === "integer");
    case "string":
      return stringFor(s, sources, name);
    case "array":
      if (depth > 4) return fc.constant([]);
      return fc.array(validValue(s.items ?? {}, sources, name, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 4, 4),
      });
    case "object":
      return objectOf(s, sources, depth);
    default:
      // No type (e.g. an event's free-form payload): any JSON.
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function numberIn(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1_000_000);
  const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1_000_000);
  const inside = integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  // The edges are where off-by-one bugs live.
  return fc.oneof(inside, fc.constantFrom(min, max));
}

function stringFor(s: JsonSchema, sources: ValueSources, name: string): fc.Arbitrary<string> {
  const named = sources.byName[name];
  if (named) return named;
  if (s.format === "uuid") return sources.uuid;
  if (s.format === "date-time") return dateTime;
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length <= (s.maxLength ?? 255));
    } catch {
      // A pattern fast-check cannot generate from: plain strings below.
    }
  }
  const minLength = s.minLength ?? 0;
  const maxLength = s.maxLength ?? 64;
  const plain = fc.string({
    minLength: Math.max(minLength, 1),
    maxLength: Math.min(maxLength, Math.max(minLength, 40)),
  });
  return fc.oneof(
    { weight: 4, arbitrary: plain },
    // Otherwise fine text with one character that databases, parsers or terminals treat specially.
    {
      weight: 2,
      arbitrary: fc
        .tuple(plain, fc.constantFrom(...SALT), fc.nat())
        .map(([text, salt, at]) => text.slice(0, at % (text.length + 1)) + salt + text.slice(at % (text.length + 1))),
    },
    { weight: 1, arbitrary: fc.constant("x".repeat(Math.max(minLength, Math.min(maxLength, 20_000)))) },
  );
}

/** Single characters worth slipping into otherwise valid text. */
const SALT = [
  "\u0000",
  "\u0000",
  "\u0000",
  "\ud800",
  "\u202e",
  "\ufeff",
  "'",
  '"',
  "\\",
  "%",
  "\n",
  "💥",
  "\u0085",
  "\u2028",
];

function objectOf(s: JsonSchema, sources: ValueSources, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = s.properties ?? {};
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(properties)) {
    model[key] = validValue(property, sources, key, depth + 1);
  }
  const required = (s.required ?? []).filter((key) => key in model);
  return fc.record(model, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;
}

/** A value that fits the schema except in one place: a field with the wrong type, missing, or one too many. */
export function brokenValue(schema: JsonSchema, sources: ValueSources): fc.Arbitrary<unknown> {
  const s = resolve(schema, sources.components);
  const objectVariant = [s, ...(s.anyOf ?? s.oneOf ?? []).map((v) => resolve(v, sources.components))].find(
    (v) => v.type === "object" && v.properties,
  );
  if (!objectVariant) return nastyValue;
  const keys = Object.keys(objectVariant.properties!);
  return fc
    .tuple(
      validValue(objectVariant, sources) as fc.Arbitrary<Record<string, unknown>>,
      fc.constantFrom(...keys, "__proto__", "constructor", "unexpected_field"),
      nastyValue,
      fc.constantFrom("replace", "delete", "replace", "nest"),
    )
    .map(([value, key, nasty, how]) => {
      const copy: Record<string, unknown> = { ...value };
      if (how === "delete") delete copy[key];
      // defineProperty, so "__proto__" becomes an own key that JSON.stringify writes out.
      else Object.defineProperty(copy, key, { value: how === "nest" ? { [key]: nasty } : nasty, enumerable: true });
      return copy;
    });
}

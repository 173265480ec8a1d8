/**
 * Random requests for one OpenAPI operation: path ids that are the caller's, another user's, random or
 * malformed; query strings and JSON bodies that fit the schema, break it in one place, or are hostile; bad JSON,
 * oversized bodies, odd content types and odd headers; and every kind of credential, good and bad.
 */
import { computeTwilioSignature } from "@vx/ivr";
import { WEBHOOK_EVENTS } from "@vx/webhooks";
import fc from "fast-check";
import { encodeCursor } from "../../src/route-kit.js";
import type { Credentials } from "./credentials.js";
import { type ApiDocument, fillPath, type Operation, type Parameter } from "./openapi.js";
import {
  brokenValue,
  deepenedBody,
  deepJson,
  longPathBody,
  longString,
  nastyString,
  nastyValue,
  type ValueSources,
  validValue,
} from "./schema-arbitrary.js";
import type { Tenant } from "./tenant.js";

export interface FuzzRequest {
  method: Operation["method"];
  url: string;
  headers: Record<string, string | string[]>;
  payload?: string;
}

export interface FuzzWorld {
  doc: ApiDocument;
  /** The caller: their ids are used most, so requests reach real rows. */
  self: Tenant;
  /** Another user: their ids appear too, and their rows must come out unchanged. */
  other: Tenant;
  /** Header sets to authenticate with: the caller's JWT and key (most requests), and broken ones. */
  credentials: Credentials;
  /** The only URL webhooks may point at: a receiver the test started on 127.0.0.1. */
  receiverUrl: string;
  bodyLimit: number;
  /** The Twilio endpoint's token and public URL, to sign some of its requests as Twilio would. */
  twilio: { authToken: string; publicUrl: string };
}

const hexDigit = fc.constantFrom(..."0123456789abcdef");

/** Known event names mostly, so triggers and subscriptions get past the domain's check. */
const eventName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WEBHOOK_EVENTS) },
  { weight: 1, arbitrary: nastyString },
);

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});

/** Path segments that are not even valid percent-encoding, or that walk the path. */
const RAW_SEGMENTS = ["%zz", "%", "%00", "%E0%A4%A", "..", ".", "%2e%2e%2f", "a%2Fb", ";", "%20", "%C0%AF", "*"];

const BAD_JSON = ["{", '{"a":', "nul", "[1,2", '"unterminated', "{'single': 1}", "{}}", "\u0000", "NaN", "{,}", "[]]"];

const CONTENT_TYPES = [
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json; charset=utf-16",
  "application/json;;;",
  "application/vnd.api+json",
  "application/problem+json",
  "text/plain",
  "text/html",
  "application/xml",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "*/*",
  "",
  "garbage",
];

/** The ids a route of this path is about, for a user: a webhook id for /v1/webhooks/{id}, and so on. */
function idsOf(path: string, tenant: Tenant): string[] {
  if (path.startsWith("/v1/api-keys")) return [tenant.apiKey.id];
  if (path.startsWith("/v1/webhooks")) return [tenant.webhook.id];
  if (path.startsWith("/v1/ivr/menus") || path.startsWith("/v1/ivr/twilio"))
    return [tenant.menus.main, tenant.menus.sub];
  if (path.startsWith("/v1/ivr/sessions")) return [tenant.callId];
  return tenant.identifiers;
}

/** encodeURIComponent that does not throw on lone surrogates (they become U+FFFD, as UTF-8 on the wire would). */
const encode = (value: string) => encodeURIComponent(Buffer.from(value, "utf8").toString("utf8"));

const isTwilio = (op: Operation) => op.path.includes("/twilio/");

function pathSegment(op: Operation, world: FuzzWorld): fc.Arbitrary<string> {
  const own = idsOf(op.path, world.self);
  const theirs = idsOf(op.path, world.other);
  // Signed Twilio requests act for the menu's owner by design: other users' ids stay out of them.
  const known = isTwilio(op) ? world.self.identifiers : [...world.self.identifiers, ...world.other.identifiers];
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...own).map(encode) },
    ...(isTwilio(op)
      ? []
      : [
          {
            weight: 2,
            arbitrary: fc.constantFrom(...theirs, ...theirs.map((id) => id.toUpperCase())).map(encode),
          },
        ]),
    { weight: 1, arbitrary: fc.uuid().map(encode) },
    { weight: 1, arbitrary: fc.constantFrom(...known).map(encode) },
    { weight: 2, arbitrary: nastyString.filter((s) => s.length > 0).map(encode) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  );
}

function queryValue(param: Parameter, sources: ValueSources, world: FuzzWorld): fc.Arbitrary<string> {
  const valid = validValue(param.schema, sources, param.name).map((v) =>
    typeof v === "string" ? v : JSON.stringify(v),
  );
  const special =
    param.name === "cursor"
      ? [
          fc
            .tuple(
              fc.constantFrom(...world.other.identifiers, ...world.self.identifiers),
              fc.date({ noInvalidDate: true }),
            )
            .map(([id, at]) => encodeCursor({ created_at: at.toISOString(), id })),
          fc.jsonValue({ maxDepth: 2 }).map((v) => encodeCursor({ v })),
          fc.base64String({ maxLength: 80 }),
        ]
      : [];
  return fc.oneof(valid, nastyString, ...special);
}

function queryString(op: Operation, sources: ValueSources, world: FuzzWorld): fc.Arbitrary<string> {
  const encode = (pairs: readonly (readonly [string, string] | undefined)[], tail = "") => {
    const search = new URLSearchParams();
    for (const pair of pairs) if (pair) search.append(pair[0], pair[1]);
    const text = `${search.toString()}${tail}`;
    return text ? `?${text}` : "";
  };
  // Mostly well-formed values, so list and stats requests reach the database.
  const clean = fc
    .tuple(
      ...op.queryParams.map((param) =>
        fc.option(
          validValue(param.schema, sources, param.name).map(
            (v) => [param.name, typeof v === "string" ? v : JSON.stringify(v)] as const,
          ),
          { nil: undefined },
        ),
      ),
    )
    .map((pairs) => encode(pairs));
  const messy = fc
    .tuple(
      fc.tuple(
        ...op.queryParams.map((param) =>
          fc.option(
            queryValue(param, sources, world).map((value) => [param.name, value] as const),
            { nil: undefined, freq: 2 },
          ),
        ),
      ),
      fc.array(fc.tuple(fc.constantFrom("limit", "cursor", "__proto__", "from", "to", "id", "a[b]", ""), nastyString), {
        maxLength: 2,
      }),
      fc.constantFrom("", "", "", "&%zz=%", "&&&", "&limit", "&limit=1&limit=2", "#fragment"),
    )
    .map(([pairs, extras, tail]) => encode([...pairs, ...extras], tail));
  return fc.oneof({ weight: 3, arbitrary: clean }, { weight: 2, arbitrary: messy });
}

interface Body {
  payload?: string;
  contentType?: string;
}

function jsonBody(op: Operation, sources: ValueSources, world: FuzzWorld): fc.Arbitrary<string | undefined> {
  const schemaBased = op.body
    ? [
        { weight: 5, arbitrary: validValue(op.body, sources) },
        { weight: 3, arbitrary: brokenValue(op.body, sources) },
      ]
    : [];
  return fc.oneof(
    ...schemaBased.map(({ weight, arbitrary }) => ({ weight, arbitrary: arbitrary.map((v) => JSON.stringify(v)) })),
    { weight: 1, arbitrary: nastyValue.map((v) => JSON.stringify(v)) },
    // Deep nesting in any field (or the whole body), and field paths thousands of characters long.
    { weight: 1, arbitrary: op.body ? deepenedBody(op.body, sources) : deepJson },
    { weight: 1, arbitrary: longPathBody },
    { weight: 1, arbitrary: fc.constantFrom(...BAD_JSON) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
    // Over the body limit, as JSON and as junk.
    {
      weight: 1,
      arbitrary: longString(world.bodyLimit + 1, world.bodyLimit + 4096).map((s) =>
        s.startsWith("a") ? JSON.stringify({ name: s }) : s,
      ),
    },
    { weight: op.body ? 1 : 6, arbitrary: fc.constant(undefined) },
  );
}

function body(op: Operation, sources: ValueSources, world: FuzzWorld): fc.Arbitrary<Body> {
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant("application/json") },
    { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  return fc.record({ payload: jsonBody(op, sources, world), contentType }, { requiredKeys: [] });
}

/** Twilio's form fields, mostly well-formed (so steps run), sometimes not. */
function twilioBody(
  op: Operation,
  sources: ValueSources,
  world: FuzzWorld,
): fc.Arbitrary<Body & { form?: Record<string, string> }> {
  const callSid = fc.oneof(
    { weight: 3, arbitrary: fc.constant(world.self.callId) },
    { weight: 3, arbitrary: fc.string({ unit: hexDigit, minLength: 32, maxLength: 32 }).map((h) => `CA${h}`) },
    { weight: 1, arbitrary: nastyString },
  );
  const form: fc.Arbitrary<Record<string, string>> = fc.record(
    {
      CallSid: callSid,
      Digits: fc.oneof(fc.stringMatching(/^[0-9*#]{0,6}$/), nastyString),
      CallStatus: fc.oneof(
        fc.constantFrom("ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"),
        nastyString,
      ),
      AccountSid: fc.constant("AC00000000000000000000000000000000"),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    {
      weight: 4,
      arbitrary: form.map((fields) => ({
        form: fields,
        payload: new URLSearchParams(fields).toString(),
        contentType: "application/x-www-form-urlencoded",
      })),
    },
    { weight: 1, arbitrary: body(op, sources, world) },
  );
}

const oddHeaders = fc.record(
  {
    "x-request-id": fc.oneof(printable, fc.constant("x".repeat(4000))),
    accept: fc.constantFrom("*/*", "application/xml", "text/html;q=0.1", "", "garbage/;;", "application/problem+json"),
    "accept-encoding": fc.constantFrom("gzip", "br", "identity;q=0", "*", "bogus"),
    "content-encoding": fc.constantFrom("gzip", "deflate", "br", "identity", "bogus"),
    "x-forwarded-for": printable,
    "x-twilio-signature": printable,
    origin: fc.constantFrom("http://evil.example", "null", ""),
    "x-api-key": fc.oneof(printable, fc.constant(`vx_${"0".repeat(38)}`)),
  },
  { requiredKeys: [] },
);

export function requestFor(op: Operation, world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const sources: ValueSources = {
    components: world.doc.components,
    uuid: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...world.self.identifiers) },
      { weight: 2, arbitrary: fc.constantFrom(...world.other.identifiers) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: nastyString },
    ),
    byName: {
      url: fc.oneof(
        { weight: 4, arbitrary: fc.constant(world.receiverUrl) },
        { weight: 1, arbitrary: fc.constantFrom("not a url", "ftp://127.0.0.1/x", "http://", "javascript:alert(1)") },
        {
          weight: 1,
          arbitrary: fc.constantFrom("http://user:pass@127.0.0.1/x", "https://localhost/x", "file:///etc/x"),
        },
        { weight: 1, arbitrary: nastyString },
      ),
      event: eventName,
      events: eventName,
      target: fc.oneof(
        fc.constantFrom(world.self.menus.main, world.self.menus.sub, world.other.menus.main),
        fc.constantFrom("+15551234567", "+1", "support-queue", "sales"),
        nastyString,
      ),
    },
  };
  const path = fc
    .tuple(...op.pathParams.map((param) => pathSegment(op, world).map((value) => [param.name, value] as const)))
    .map((pairs) => fillPath(op.path, Object.fromEntries(pairs)));
  const bodies = isTwilio(op) ? twilioBody(op, sources, world) : body(op, sources, world);
  const credentials = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...world.credentials.working) },
    { weight: 1, arbitrary: fc.constantFrom(...world.credentials.broken) },
  );
  return fc
    .record({
      path,
      query: queryString(op, sources, world),
      body: bodies,
      credentials,
      odd: fc.option(oddHeaders, { nil: {}, freq: 3 }),
      signed: fc.boolean(),
    })
    .map(({ path: p, query, body: b, credentials: c, odd, signed }) => {
      const url = `${p}${query}`;
      const headers: Record<string, string> = { ...odd, ...c };
      if (b.contentType !== undefined) headers["content-type"] = b.contentType;
      const form = (b as { form?: Record<string, string> }).form;
      if (isTwilio(op) && form && signed && !url.includes("#")) {
        const fullUrl = `${world.twilio.publicUrl}${url}`;
        headers["x-twilio-signature"] = computeTwilioSignature(world.twilio.authToken, fullUrl, form);
      }
      return { method: op.method, url, headers, ...(b.payload === undefined ? {} : { payload: b.payload }) };
    });
}

/** FUZZ_SEED and FUZZ_PATH: replay one failure exactly, as its report says. */
export function replayOptions(env: Record<string, string | undefined> = process.env): { seed?: number; path?: string } {
  const seed = env.FUZZ_SEED?.trim();
  const path = env.FUZZ_PATH?.trim();
  return { ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}) };
}

/**
 * What a fuzz failure prints: the error, fast-check's seed and path, the exact request (method, URL, every
 * header, the whole body as a JSON string) and the command that replays it.
 */
export function reproduction(options: {
  testName: string;
  file: string;
  seed: number;
  path: string | undefined;
  request: FuzzRequest | string;
  error: unknown;
}): string {
  const { testName, file, seed, path, request, error } = options;
  const replay = [
    `FUZZ_SEED=${seed}`,
    ...(path ? [`FUZZ_PATH=${path}`] : []),
    `pnpm vitest run --project api ${file} -t ${JSON.stringify(testName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))}`,
  ].join(" ");
  const exact =
    typeof request === "string"
      ? [`raw bytes: ${JSON.stringify(request)}`]
      : [
          `method:  ${request.method}`,
          `url:     ${request.url}`,
          `headers: ${JSON.stringify(request.headers)}`,
          `body:    ${request.payload === undefined ? "(none)" : JSON.stringify(request.payload)}`,
        ];
  const message = error instanceof Error ? error.message : String(error);
  return [
    `fuzz failure in "${testName}"`,
    message,
    `seed: ${seed}  path: ${path ?? "(none)"}`,
    ...exact,
    `replay: ${replay}`,
  ].join("\n");
}

/**
 * Bytes node's HTTP parser must refuse (bad request lines, conflicting lengths, broken headers and chunks,
 * oversized headers, binary), each a complete message so the server never waits for more.
 */
export const parserGarbage: fc.Arbitrary<string> = (() => {
  const requestLine = fc.constantFrom(
    "GET / HTTP/1.1",
    "GET /v1/me HTTP/1.1",
    "GET\u0000/ HTTP/1.1",
    "GET / HTTP/9.9",
    "GET / HTTP/1.1 extra",
    "G@T / HTTP/1.1",
    "GET /a b HTTP/1.1",
    "GET /\u0007 HTTP/1.1",
    " GET / HTTP/1.1",
    "GET",
    "POST /v1/events HTTP/1.1",
    "\x16\x03\x01\x00\xa5\x01\x00",
    "PRI * HTTP/2.0",
  );
  const header = fc.constantFrom(
    "host: x",
    "content-length: 3\r\ntransfer-encoding: chunked",
    "content-length: 1\r\ncontent-length: 2",
    "content-length: -1",
    "content-length: 1e3",
    "transfer-encoding: gzip, chunked, identity",
    "no-colon-here",
    "bad name: x",
    "x-folded: a\r\n  continued",
    "x-nul: a\u0000b",
    "x-bare-lf: a\nb",
    "x-cr: a\rb",
    ": empty-name",
    `x-big: ${"a".repeat(20_000)}`,
  );
  const body = fc.constantFrom("", "0\r\n\r\n", "zz\r\n\r\n", "5\r\nab\r\n0\r\n\r\n", "abc");
  return fc
    .tuple(requestLine, fc.array(header, { minLength: 1, maxLength: 3 }), body, fc.boolean())
    .map(([line, headers, tail, bareLf]) => {
      const text = `${line}\r\n${headers.join("\r\n")}\r\n\r\n${tail}`;
      return bareLf ? text.replaceAll("\r\n", "\n") : text;
    });
})();

/** A short description of a request for assertion messages (bodies can be megabytes). */
export function describeRequest(request: FuzzRequest): string {
  const clip = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text);
  return `${request.method} ${clip(request.url)} ${clip(JSON.stringify(request.headers))} ${clip(request.payload ?? "")}`;
}

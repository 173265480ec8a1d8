// Fuzzing: fast-check drives every operation of the app's own OpenAPI document with random and malformed input
// (wrong types, huge strings, bad UUIDs, bad JSON, oversized bodies, odd headers, content types and credentials).
// Also deep nesting in every JSON field, field paths thousands of characters long, and garbage sent to the HTTP
// parser over a raw socket. No request may get a 5xx, every refusal is problem+json, and another user's rows must
// come out unchanged. Runs on PGlite, and on Postgres too when TEST_DATABASE_URL is set.
// A failure prints its seed, path, the exact request and the command that replays it (FUZZ_SEED, FUZZ_PATH).
import { type AddressInfo, connect } from "node:net";
import { startReceiver } from "@vx/webhooks/testing";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { Config } from "../src/config.js";
import { createTestApp } from "../src/testing.js";
import { credentialsFor } from "./support/credentials.js";
import { settingsFromEnv } from "./support/env.js";
import {
  describeRequest,
  type FuzzRequest,
  parserGarbage,
  replayOptions,
  reproduction,
  requestFor,
} from "./support/fuzz-requests.js";
import { describeIsolation } from "./support/isolation.js";
import { readApiDocument } from "./support/openapi.js";
import { snapshotUser } from "./support/snapshot.js";
import { seedTenant } from "./support/tenant.js";

/** Requests per operation and database: the file stays well under a minute. FUZZ_RUNS=1000 for a long session. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const BODY_LIMIT = 16 * 1024;
const NOW = new Date("2031-03-01T12:00:00Z");
const TWILIO = { authToken: "fuzz-twilio-auth-token-0123456789", publicUrl: "http://vx.test" };
// The app's settings as these variables set them: webhooks may target the local receiver only (every generated URL
// is that receiver or invalid, so nothing leaves the machine), and the Twilio endpoint checks signatures.
const ENV = {
  WEBHOOK_ALLOW_HTTP: "true",
  WEBHOOK_ALLOW_PRIVATE_URLS: "true",
  WEBHOOK_TIMEOUT_MS: "2000",
  TWILIO_AUTH_TOKEN: TWILIO.authToken,
  PUBLIC_URL: TWILIO.publicUrl,
};
const CONFIG: Partial<Config> = {
  bodyLimit: BODY_LIMIT,
  rateLimit: { max: 1_000_000, windowMs: 60_000 },
  ...settingsFromEnv(ENV),
};
const FILE = "apps/api/test/fuzz.test.ts";
const REPLAY = replayOptions();

/**
 * Runs a property like fc.assert, but a failure reports what replays it: fast-check's seed and path, the exact
 * request and the command (its own message says only the seed and path, and shows the request clipped).
 */
async function check<T extends FuzzRequest | string>(
  testName: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void>,
): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), { numRuns: RUNS, ...REPLAY });
  if (!details.failed) return;
  throw new Error(
    reproduction({
      testName,
      file: FILE,
      seed: details.seed,
      path: details.counterexamplePath ?? undefined,
      request: details.counterexample?.[0] ?? "(no counterexample)",
      error: details.errorInstance,
    }),
  );
}

// Read at collection time, so that each operation of the document is its own test. The document does not depend
// on the database, so one app on PGlite answers it.
const receiver = await startReceiver();
const probe = await createTestApp({ now: () => NOW, config: CONFIG });
const doc = await readApiDocument(probe.app);
await probe.close();

afterAll(async () => {
  await receiver.close();
});

it("finds the domain routes in the document", () => {
  const keys = doc.operations.map((op) => op.key);
  for (const expected of [
    "POST /v1/api-keys",
    "POST /v1/webhooks/{id}/test",
    "POST /v1/ivr/sessions/{session_id}/input",
    "POST /v1/ivr/twilio/voice/{menu_id}",
    "DELETE /v1/me",
  ]) {
    expect(keys).toContain(expected);
  }
});

describeIsolation(
  "fuzzing every route of the OpenAPI document",
  { receiverUrl: () => receiver.url, app: { now: () => NOW, config: CONFIG } },
  (ctx) => {
    for (const op of doc.operations) {
      const name = `${op.key}: never answers 5xx, refuses with problem+json, and leaves another user's rows alone`;
      it(name, async () => {
        const { t, other, before } = ctx();
        // A fresh caller per operation: fuzzing DELETE /v1/me or revoking the caller's key must not blunt the others.
        const self = await seedTenant(t, receiver.url);
        const world = {
          doc,
          self,
          other,
          credentials: await credentialsFor(t, self, NOW),
          receiverUrl: receiver.url,
          bodyLimit: BODY_LIMIT,
          twilio: TWILIO,
        };
        await check(name, requestFor(op, world), async (request) => {
          const response = await t.app.inject(request);
          const where = `${response.statusCode} ${response.body.slice(0, 300)} for ${describeRequest(request)}`;
          expect(response.statusCode, where).toBeLessThan(500);
          if (response.statusCode >= 400) {
            // However long the request's field paths and however many fields were wrong, a problem stays small.
            expect(response.body.length, where).toBeLessThan(16_384);
            expect(response.headers["content-type"], where).toMatch(/^application\/problem\+json/);
            expect(response.json(), where).toMatchObject({ status: response.statusCode, code: expect.any(String) });
          }
        });
        expect(await snapshotUser(t.db, other.userId)).toEqual(before);
      });
    }
  },
);

/** Sends raw bytes and reads until the server closes (or 5 s pass: a hang is a failure too). */
function sendRaw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s; got ${JSON.stringify(text.slice(0, 200))}`));
    }, 5_000);
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => {
      text += chunk;
    });
    const done = () => {
      clearTimeout(timer);
      resolve(text);
    };
    socket.on("end", done);
    socket.on("error", () => done());
    socket.end(bytes, "latin1");
  });
}

describe("fuzzing node's HTTP parser over a raw socket", () => {
  const name = "answers parser-level garbage with complete problem+json responses, never 5xx";
  it(name, async () => {
    const t = await createTestApp({ now: () => NOW, config: CONFIG });
    try {
      await t.app.listen({ host: "127.0.0.1", port: 0 });
      const { port } = t.app.server.address() as AddressInfo;
      await check(name, parserGarbage, async (bytes) => {
        const response = await sendRaw(port, bytes);
        // Every response on the connection (a valid request may come before the garbage).
        const heads = [...response.matchAll(/HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n/g)];
        expect(heads.length, `no response: ${JSON.stringify(response.slice(0, 300))}`).toBeGreaterThan(0);
        for (const [, status, headers] of heads) {
          expect(Number(status), response.slice(0, 300)).toBeLessThan(500);
          if (Number(status) >= 400) expect(headers!.toLowerCase()).toContain("content-type: application/problem+json");
        }
      });
    } finally {
      await t.close();
    }
  });
});

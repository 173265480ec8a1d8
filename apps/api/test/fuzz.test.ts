// Fuzzing: fast-check drives every operation of the app's own OpenAPI document with random and malformed input
// (wrong types, huge strings, bad UUIDs, bad JSON, oversized bodies, odd headers, content types and credentials).
// No request may get a 5xx, every refusal is problem+json, and another user's rows must come out unchanged.
// Runs on PGlite, and on Postgres too when TEST_DATABASE_URL is set.
import { startReceiver } from "@vx/webhooks/testing";
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import type { Config } from "../src/config.js";
import { createTestApp } from "../src/testing.js";
import { credentialsFor } from "./support/credentials.js";
import { setEnv } from "./support/env.js";
import { describeRequest, requestFor } from "./support/fuzz-requests.js";
import { describeIsolation } from "./support/isolation.js";
import { readApiDocument } from "./support/openapi.js";
import { snapshotUser } from "./support/snapshot.js";
import { seedTenant } from "./support/tenant.js";

/** Requests per operation and database: the file stays well under a minute. FUZZ_RUNS=1000 for a long session. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const BODY_LIMIT = 16 * 1024;
const NOW = new Date("2031-03-01T12:00:00Z");
const TWILIO = { authToken: "fuzz-twilio-auth-token-0123456789", publicUrl: "http://vx.test" };
const CONFIG: Partial<Config> = { bodyLimit: BODY_LIMIT, rateLimit: { max: 1_000_000, windowMs: 60_000 } };

// The routes read these when the app is built: webhooks may target the local receiver only (every generated URL
// is that receiver or invalid, so nothing leaves the machine), and the Twilio endpoint checks signatures.
const ENV = {
  WEBHOOK_ALLOW_HTTP: "true",
  WEBHOOK_ALLOW_PRIVATE_URLS: "true",
  WEBHOOK_TIMEOUT_MS: "2000",
  TWILIO_AUTH_TOKEN: TWILIO.authToken,
  PUBLIC_URL: TWILIO.publicUrl,
};
const restoreEnv = setEnv(ENV);

// Read at collection time, so that each operation of the document is its own test. The document does not depend
// on the database, so one app on PGlite answers it.
const receiver = await startReceiver();
const probe = await createTestApp({ now: () => NOW, config: CONFIG });
const doc = await readApiDocument(probe.app);
await probe.close();

afterAll(async () => {
  await receiver.close();
  restoreEnv();
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
      it(`${op.key}: never answers 5xx, refuses with problem+json, and leaves another user's rows alone`, async () => {
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
        await fc.assert(
          fc.asyncProperty(requestFor(op, world), async (request) => {
            const response = await t.app.inject(request);
            const where = `${response.statusCode} ${response.body.slice(0, 300)} for ${describeRequest(request)}`;
            expect(response.statusCode, where).toBeLessThan(500);
            if (response.statusCode >= 400) {
              expect(response.headers["content-type"], where).toMatch(/^application\/problem\+json/);
              expect(response.json(), where).toMatchObject({ status: response.statusCode, code: expect.any(String) });
            }
          }),
          { numRuns: RUNS },
        );
        expect(await snapshotUser(t.db, other.userId)).toEqual(before);
      });
    }
  },
);

// Our signatures are Standard Webhooks v1: the public test vector, and the reference library verifies them.
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { signHeaders, signPayload } from "./signature.js";

// The test vector published in the Standard Webhooks repository.
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

const secretArb = fc
  .uint8Array({ minLength: 24, maxLength: 64 })
  .map((b) => `whsec_${Buffer.from(b).toString("base64")}`);

describe("signPayload", () => {
  it("reproduces the Standard Webhooks test vector", () => {
    expect(signPayload(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it("produces signatures the standardwebhooks library accepts, for any secret, id and body", () => {
    const now = Math.floor(Date.now() / 1000);
    fc.assert(
      fc.property(secretArb, fc.string({ minLength: 1 }), fc.json(), (secret, id, body) => {
        const headers = signHeaders([secret], id.replace(/\s/g, "_") || "x", now, body);
        expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
      }),
      { numRuns: 100 },
    );
  });

  it("signs the exact bytes: any change to the body breaks the signature", () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = signHeaders([VECTOR.secret], "msg_1", now, '{"a":1}');
    expect(() => new Webhook(VECTOR.secret).verify('{"a": 1}', { ...headers })).toThrow(/No matching signature/);
  });
});

describe("signHeaders during a rotation", () => {
  it("carries one signature per secret, and a receiver holding either one verifies", () => {
    const now = Math.floor(Date.now() / 1000);
    const oldSecret = VECTOR.secret;
    const newSecret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    const headers = signHeaders([newSecret, oldSecret], "msg_2", now, "{}");
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(oldSecret).verify("{}", { ...headers })).toEqual({});
    expect(new Webhook(newSecret).verify("{}", { ...headers })).toEqual({});
  });
});

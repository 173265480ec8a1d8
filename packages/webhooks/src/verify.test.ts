// verifyWebhook accepts what we (and any Standard Webhooks sender) sign, and nothing else.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isWebhookError } from "./errors.js";
import { refusal } from "./refusal.test-support.js";
import { signHeaders } from "./signature.js";
import { verifyWebhook } from "./verify.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SIGNED_AT = 1614265330;
const at = (seconds: number) => () => new Date(seconds * 1000);

describe("verifyWebhook", () => {
  it("verifies the Standard Webhooks test vector and returns the parsed body", () => {
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": String(SIGNED_AT),
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    expect(verifyWebhook(SECRET, headers, '{"test": 2432232314}', { now: at(SIGNED_AT) })).toEqual({
      test: 2432232314,
    });
  });

  it("reads fetch Headers, mixed-case names and array values alike", () => {
    const signed = signHeaders([SECRET], "msg_1", SIGNED_AT, '{"a":1}');
    const options = { now: at(SIGNED_AT) };
    expect(verifyWebhook(SECRET, new Headers({ ...signed }), '{"a":1}', options)).toEqual({ a: 1 });
    const mixed = {
      "Webhook-Id": [signed["webhook-id"]],
      "WEBHOOK-TIMESTAMP": signed["webhook-timestamp"],
      "webhook-signature": signed["webhook-signature"],
    };
    expect(verifyWebhook(SECRET, mixed, Buffer.from('{"a":1}'), options)).toEqual({ a: 1 });
  });

  it("accepts a message signed with the old and the new secret during a rotation", () => {
    const fresh = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;
    const signed = signHeaders([fresh, SECRET], "msg_2", SIGNED_AT, "{}");
    expect(verifyWebhook(SECRET, signed, "{}", { now: at(SIGNED_AT) })).toEqual({});
    expect(verifyWebhook(fresh, signed, "{}", { now: at(SIGNED_AT) })).toEqual({});
  });

  it("refuses missing headers, a tampered body, another secret and a stale or future timestamp", () => {
    const signed = signHeaders([SECRET], "msg_3", SIGNED_AT, '{"a":1}');
    const now = { now: at(SIGNED_AT) };
    const { "webhook-signature": _dropped, ...unsigned } = signed;
    expect(refusal(() => verifyWebhook(SECRET, unsigned, '{"a":1}', now))).toBe("missing_headers");
    expect(refusal(() => verifyWebhook(SECRET, signed, '{"a":2}', now))).toBe("invalid_signature");
    const other = `whsec_${Buffer.alloc(24, 9).toString("base64")}`;
    expect(refusal(() => verifyWebhook(other, signed, '{"a":1}', now))).toBe("invalid_signature");
    expect(refusal(() => verifyWebhook(SECRET, signed, '{"a":1}', { now: at(SIGNED_AT + 301) }))).toBe(
      "timestamp_out_of_range",
    );
    expect(refusal(() => verifyWebhook(SECRET, signed, '{"a":1}', { now: at(SIGNED_AT - 301) }))).toBe(
      "timestamp_out_of_range",
    );
    expect(
      refusal(() => verifyWebhook(SECRET, signed, '{"a":1}', { now: at(SIGNED_AT + 301), toleranceSeconds: 600 })),
    ).toBeUndefined();
    const garbled = { ...signed, "webhook-timestamp": "12abc" };
    expect(refusal(() => verifyWebhook(SECRET, garbled, '{"a":1}', now))).toBe("timestamp_out_of_range");
  });

  it("ignores signatures of versions it does not know", () => {
    const signed = signHeaders([SECRET], "msg_4", SIGNED_AT, "{}");
    const withV2 = { ...signed, "webhook-signature": `v2,abc ${signed["webhook-signature"]}` };
    expect(verifyWebhook(SECRET, withV2, "{}", { now: at(SIGNED_AT) })).toEqual({});
  });

  it("answers a correctly signed body that is not JSON with invalid_body, not a SyntaxError", () => {
    const signed = signHeaders([SECRET], "msg_5", SIGNED_AT, "not json");
    expect(refusal(() => verifyWebhook(SECRET, signed, "not json", { now: at(SIGNED_AT) }))).toBe("invalid_body");
  });

  it("answers a body that is neither a string nor bytes, and a malformed secret, with their codes", () => {
    const signed = signHeaders([SECRET], "msg_6", SIGNED_AT, "{}");
    const now = { now: at(SIGNED_AT) };
    expect(refusal(() => verifyWebhook(SECRET, signed, { a: 1 } as never, now))).toBe("invalid_body");
    expect(refusal(() => verifyWebhook("whsec_short", signed, "{}", now))).toBe("invalid_secret");
    expect(refusal(() => verifyWebhook(undefined as never, signed, "{}", now))).toBe("invalid_secret");
  });

  it("throws nothing but a WebhookError, whatever the headers, body and secret", () => {
    const headerValue = fc.oneof(fc.string(), fc.array(fc.string()), fc.integer(), fc.constant(undefined));
    const headers = fc.oneof(
      fc.record({ "webhook-id": headerValue, "webhook-timestamp": headerValue, "webhook-signature": headerValue }),
      fc.dictionary(fc.string(), headerValue),
      fc.constant(null),
    );
    const body = fc.oneof(fc.string(), fc.uint8Array(), fc.json(), fc.constant(null));
    const secret = fc.oneof(fc.constant(SECRET), fc.string());
    fc.assert(
      fc.property(secret, headers, body, (s, h, b) => {
        try {
          verifyWebhook(s, h as never, b as never, { now: at(SIGNED_AT) });
        } catch (error) {
          expect(isWebhookError(error)).toBe(true);
        }
      }),
    );
  });

  it("parses or refuses as a WebhookError any correctly signed body", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const signed = signHeaders([SECRET], "msg_7", SIGNED_AT, text);
        const code = refusal(() => verifyWebhook(SECRET, signed, text, { now: at(SIGNED_AT) }));
        expect(code === undefined || code === "invalid_body").toBe(true);
      }),
    );
  });
});

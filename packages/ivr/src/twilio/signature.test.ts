// X-Twilio-Signature: requests Twilio signed verify; anything changed does not.
import { describe, expect, it } from "vitest";
import { computeTwilioSignature, verifyTwilioSignature } from "./signature.js";

const token = "12345";
const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
const params = {
  CallSid: "CA1234567890ABCDE",
  Caller: "+12349013030",
  Digits: "1234",
  From: "+12349013030",
  To: "+18005551212",
};

describe("Twilio request signatures", () => {
  it("verifies a signature made over the URL and the sorted fields", () => {
    const signature = computeTwilioSignature(token, url, params);
    expect(signature).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(verifyTwilioSignature(token, signature, url, params)).toBe(true);
  });

  it("refuses a changed field, URL or token, and a missing signature", () => {
    const signature = computeTwilioSignature(token, url, params);
    expect(verifyTwilioSignature(token, signature, url, { ...params, Digits: "9" })).toBe(false);
    expect(verifyTwilioSignature(token, signature, `${url}&x=1`, params)).toBe(false);
    expect(verifyTwilioSignature("other", signature, url, params)).toBe(false);
    expect(verifyTwilioSignature(token, undefined, url, params)).toBe(false);
    expect(verifyTwilioSignature(token, "short", url, params)).toBe(false);
  });

  it("accepts the URL with or without the default port, as Twilio may sign either", () => {
    const signedWithPort = computeTwilioSignature(token, "https://mycompany.com:443/voice?x=1", params);
    expect(verifyTwilioSignature(token, signedWithPort, "https://mycompany.com/voice?x=1", params)).toBe(true);
    const signedWithout = computeTwilioSignature(token, "https://mycompany.com/voice", params);
    expect(verifyTwilioSignature(token, signedWithout, "https://mycompany.com:443/voice", params)).toBe(true);
  });

  it("signs repeated fields value by value, sorted", () => {
    const a = computeTwilioSignature(token, url, { Multi: ["b", "a"] });
    expect(a).toBe(computeTwilioSignature(token, url, { Multi: ["a", "b"] }));
    expect(a).not.toBe(computeTwilioSignature(token, url, { Multi: "ab" }));
  });
});

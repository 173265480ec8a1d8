import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GRANTED_SCOPE_PATTERN, REQUIRED_SCOPE_PATTERN, scopeAllows, scopesAllow } from "./scopes.js";

const part = fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/);
const required = fc.tuple(part, part).map(([r, a]) => `${r}:${a}`);

describe("scopes", () => {
  it("meets webhooks:write with webhooks:write, webhooks:* or *, and nothing else", () => {
    expect(scopeAllows("webhooks:write", "webhooks:write")).toBe(true);
    expect(scopeAllows("webhooks:*", "webhooks:write")).toBe(true);
    expect(scopeAllows("*", "webhooks:write")).toBe(true);
    expect(scopeAllows("webhooks:read", "webhooks:write")).toBe(false);
    expect(scopeAllows("webhook:*", "webhooks:write")).toBe(false);
    expect(scopeAllows("webhooks:*", "webhooksx:write")).toBe(false);
    expect(scopeAllows("ivr:*", "webhooks:write")).toBe(false);
  });

  it("grants every requirement under * and every action of a resource under resource:*", () => {
    fc.assert(
      fc.property(required, (scope) => {
        expect(scopeAllows("*", scope)).toBe(true);
        expect(scopeAllows(`${scope.split(":")[0]}:*`, scope)).toBe(true);
        expect(scopeAllows(scope, scope)).toBe(true);
      }),
    );
  });

  it("needs every required scope, and no requirement is always met", () => {
    expect(scopesAllow(["ivr:read"], ["ivr:read", "ivr:write"])).toBe(false);
    expect(scopesAllow(["ivr:*"], ["ivr:read", "ivr:write"])).toBe(true);
    expect(scopesAllow([], [])).toBe(true);
    expect(scopesAllow([], ["ivr:read"])).toBe(false);
  });

  it("accepts wildcards only where a key's scopes are granted, never as a requirement", () => {
    for (const s of ["*", "webhooks:*", "events:write", "ivr:read"]) expect(GRANTED_SCOPE_PATTERN.test(s)).toBe(true);
    for (const s of ["*", "webhooks:*"]) expect(REQUIRED_SCOPE_PATTERN.test(s)).toBe(false);
    for (const s of ["", "webhooks", "Webhooks:read", "a b:c", "webhooks:read write", ":read", "x:*:y"]) {
      expect(GRANTED_SCOPE_PATTERN.test(s)).toBe(false);
    }
  });
});

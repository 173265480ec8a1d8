import { describe, expect, it } from "vitest";
import type { ApiKey } from "./api-key";
import { keyChanges, toEditForm } from "./key-changes";

const KEY: ApiKey = {
  id: "5a0c3b52-9d4e-4a57-8a0e-0f3c1d2b4e6f",
  name: "metered",
  key_prefix: "vx_abc1234",
  last_used_at: null,
  expires_at: null,
  rate_limit: 100,
  usage_quota: null,
  usage_count: 0,
  enabled: true,
  scopes: ["ivr:read"],
  created_at: "2026-01-01T00:00:00.000Z",
  ratelimits: [{ name: "burst", limit: 10, duration_ms: 60_000, auto_apply: true }],
  credits: { remaining: 500, refill: { interval: "monthly", amount: 1000, refill_day: 15 } },
  meta: { plan: "pro" },
  identity_id: null,
};

describe("the Edit form's changes", () => {
  it("sends nothing for a form saved as it opened", () => {
    expect(keyChanges(KEY, toEditForm(KEY))).toEqual({ ok: true, body: {} });
  });

  it("opens on the key's limits, credits and meta as typed text", () => {
    const form = toEditForm(KEY);
    expect(form.limits).toEqual([{ name: "burst", limit: "10", window: "1", unit: "min", autoApply: true }]);
    expect(form.credits).toEqual({ remaining: "500", interval: "monthly", amount: "1000", refillDay: "15" });
    expect(form.metaText).toBe('{\n  "plan": "pro"\n}');
  });

  it("sends all the named limits when one changes, and only them", () => {
    const form = toEditForm(KEY);
    form.limits = form.limits.map((row) => ({ ...row, limit: "20" }));
    expect(keyChanges(KEY, form)).toEqual({
      ok: true,
      body: { ratelimits: [{ name: "burst", limit: 20, duration_ms: 60_000, auto_apply: true }] },
    });
  });

  it("sends the refill alone when only it changes, credits whole when the count does, and null when emptied", () => {
    const daily = { ...toEditForm(KEY), credits: { ...toEditForm(KEY).credits, interval: "daily" as const } };
    expect(keyChanges(KEY, daily)).toEqual({
      ok: true,
      body: { credits: { refill: { interval: "daily", amount: 1000 } } },
    });
    const noRefill = { ...toEditForm(KEY), credits: { ...toEditForm(KEY).credits, interval: "" as const } };
    expect(keyChanges(KEY, noRefill)).toEqual({ ok: true, body: { credits: { refill: null } } });
    const recount = { ...daily, credits: { ...daily.credits, remaining: "7" } };
    expect(keyChanges(KEY, recount)).toEqual({
      ok: true,
      body: { credits: { remaining: 7, refill: { interval: "daily", amount: 1000 } } },
    });
    const none = { ...toEditForm(KEY), credits: { remaining: "", interval: "" as const, amount: "", refillDay: "1" } };
    expect(keyChanges(KEY, none)).toEqual({ ok: true, body: { credits: null } });
  });

  it("removes meta when its text is emptied, and refuses meta that is not a JSON object", () => {
    expect(keyChanges(KEY, { ...toEditForm(KEY), metaText: " " })).toEqual({ ok: true, body: { meta: null } });
    expect(keyChanges(KEY, { ...toEditForm(KEY), metaText: "[1]" })).toEqual({
      ok: false,
      metaError: expect.stringMatching(/not an array$/),
    });
  });

  it("moves the key to an identity and back to none", () => {
    const identity = "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
    expect(keyChanges(KEY, { ...toEditForm(KEY), identityId: identity })).toEqual({
      ok: true,
      body: { identity_id: identity },
    });
    const member = { ...KEY, identity_id: identity };
    expect(keyChanges(member, toEditForm(member))).toEqual({ ok: true, body: {} });
    expect(keyChanges(member, { ...toEditForm(member), identityId: "" })).toEqual({
      ok: true,
      body: { identity_id: null },
    });
  });
});

import { describe, expect, it } from "vitest";
import { parseMeta } from "./meta-json";

describe("meta typed as JSON", () => {
  it("takes a JSON object, and no text as no meta", () => {
    expect(parseMeta('{"plan": "pro", "seats": 3}')).toEqual({ ok: true, meta: { plan: "pro", seats: 3 } });
    expect(parseMeta("  ")).toEqual({ ok: true, meta: undefined });
  });

  it("refuses an array, a string, a number or null, saying what it got", () => {
    expect(parseMeta("[1,2]")).toEqual({ ok: false, error: expect.stringMatching(/not an array$/) });
    expect(parseMeta('"pro"')).toEqual({ ok: false, error: expect.stringMatching(/not a string$/) });
    expect(parseMeta("3")).toEqual({ ok: false, error: expect.stringMatching(/not a number$/) });
    expect(parseMeta("null")).toEqual({ ok: false, error: expect.stringMatching(/not null$/) });
  });

  it("refuses text that is not JSON", () => {
    expect(parseMeta("{plan: pro}")).toEqual({ ok: false, error: expect.stringMatching(/^Meta is not valid JSON: /) });
  });
});

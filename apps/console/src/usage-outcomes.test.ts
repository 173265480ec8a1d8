import { describe, expect, it } from "vitest";
import { outcomesOf, sumOutcomes } from "./usage-outcomes";

const hour = "2026-12-05T12:00:00.000Z";

describe("usage outcomes", () => {
  it("reads outcomes reported as an object, a list, or fields beside requests", () => {
    expect(outcomesOf({ hour, requests: 3, outcomes: { VALID: 2, RATE_LIMITED: 1 } })).toEqual({
      VALID: 2,
      RATE_LIMITED: 1,
    });
    expect(outcomesOf({ hour, requests: 3, outcomes: [{ code: "VALID", count: 3 }] })).toEqual({ VALID: 3 });
    expect(outcomesOf({ hour, requests: 3, valid: 2, usage_exceeded: 1 })).toEqual({ valid: 2, usage_exceeded: 1 });
  });

  it("finds none in today's series, so the chart shows requests alone", () => {
    expect(outcomesOf({ hour, requests: 5 })).toEqual({});
    expect(sumOutcomes([{ hour, requests: 5 }])).toEqual({});
  });

  it("adds each outcome up over the series", () => {
    const series = [
      { hour, requests: 2, outcomes: { VALID: 2 } },
      { hour, requests: 3, outcomes: { VALID: 1, RATE_LIMITED: 2 } },
    ];
    expect(sumOutcomes(series)).toEqual({ VALID: 3, RATE_LIMITED: 2 });
  });
});

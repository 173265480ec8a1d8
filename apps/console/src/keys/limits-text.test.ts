import { describe, expect, it } from "vitest";
import { describeRefill, formatLimit } from "./limits-text";

describe("limits in words", () => {
  it("reads a named limit as requests per window", () => {
    expect(formatLimit({ name: "burst", limit: 10, duration_ms: 1000, auto_apply: true })).toBe("10 / 1 s");
    expect(formatLimit({ name: "daily", limit: 5000, duration_ms: 86_400_000, auto_apply: false })).toBe("5000 / 1 d");
  });

  it("says when credits come back, monthly on day 1 unless told", () => {
    expect(describeRefill({ interval: "daily", amount: 100 })).toBe("refills to 100 daily");
    expect(describeRefill({ interval: "monthly", amount: 1000 })).toBe("refills to 1000 monthly on day 1");
    expect(describeRefill({ interval: "monthly", amount: 1000, refill_day: 15 })).toBe(
      "refills to 1000 monthly on day 15",
    );
  });
});

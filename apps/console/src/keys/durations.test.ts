import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDuration, splitDuration, toDurationMs } from "./durations";

describe("rate-limit windows", () => {
  it("reads a window in the largest unit that fits it exactly", () => {
    expect(formatDuration(1000)).toBe("1 s");
    expect(formatDuration(60_000)).toBe("1 min");
    expect(formatDuration(90_000)).toBe("90 s");
    expect(formatDuration(3_600_000)).toBe("1 h");
    expect(formatDuration(30 * 86_400_000)).toBe("30 d");
    expect(formatDuration(1500)).toBe("1500 ms");
  });

  it("turns what was typed into milliseconds, leaving nonsense for the API to refuse", () => {
    expect(toDurationMs("10", "s")).toBe(10_000);
    expect(toDurationMs(" 1.5 ", "min")).toBe(90_000);
    expect(toDurationMs("0", "ms")).toBe(0);
    expect(toDurationMs("", "h")).toBe(0);
    expect(toDurationMs("ten", "s")).toBeNaN();
  });

  it("gives back the same milliseconds from the unit it shows", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 * 86_400_000 }), (ms) => {
        const { amount, unit } = splitDuration(ms);
        expect(Number.isInteger(amount)).toBe(true);
        expect(toDurationMs(String(amount), unit)).toBe(ms);
      }),
    );
  });
});

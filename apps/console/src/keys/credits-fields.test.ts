import { describe, expect, it } from "vitest";
import { EMPTY_CREDITS, toCredits, toCreditsForm } from "./credits-fields";

describe("credits as typed", () => {
  it("sends no credits when none are typed: the key is unlimited", () => {
    expect(toCredits(EMPTY_CREDITS)).toBeUndefined();
  });

  it("sends a monthly refill with its day, and a daily one without", () => {
    expect(toCredits({ remaining: "500", interval: "monthly", amount: "1000", refillDay: "15" })).toEqual({
      remaining: 500,
      refill: { interval: "monthly", amount: 1000, refill_day: 15 },
    });
    expect(toCredits({ remaining: "5", interval: "daily", amount: "5", refillDay: "15" })).toEqual({
      remaining: 5,
      refill: { interval: "daily", amount: 5 },
    });
    expect(toCredits({ ...EMPTY_CREDITS, remaining: "20" })).toEqual({ remaining: 20 });
  });

  it("leaves a refill without a count for the API to refuse, never a silent 0", () => {
    expect(toCredits({ remaining: "", interval: "daily", amount: "5", refillDay: "1" })?.remaining).toBeNaN();
  });

  it("reads a key's stored credits back as the form typed them", () => {
    const monthly = { remaining: 500, refill: { interval: "monthly" as const, amount: 1000, refill_day: 15 } };
    expect(toCredits(toCreditsForm(monthly))).toEqual(monthly);
    expect(toCredits(toCreditsForm({ remaining: 7 }))).toEqual({ remaining: 7 });
    expect(toCreditsForm(null)).toEqual(EMPTY_CREDITS);
  });
});

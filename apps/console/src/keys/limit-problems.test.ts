import { describe, expect, it } from "vitest";
import { limitFieldKey, refusedLimitFields } from "./limit-problems";

describe("refused limit fields", () => {
  it("finds the row and field in either path style the API uses", () => {
    const refused = refusedLimitFields([
      { field: "body.ratelimits.0.duration_ms", message: "Too small" },
      { field: "body.ratelimits[2].name", message: 'duplicates the limit name "a"' },
      { field: "body.scopes.0", message: "must be …" },
      { field: "body.ratelimits", message: "must hold at most 32 limits" },
    ]);
    expect([...refused]).toEqual([limitFieldKey(0, "duration_ms"), limitFieldKey(2, "name")]);
  });
});

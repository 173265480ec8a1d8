import { describe, expect, it } from "vitest";
import { parseMigrateArguments } from "./migrate-arguments.js";

describe("vx-db migrate's arguments", () => {
  it("take up, down and status, with or without the word migrate, a count and --yes for down", () => {
    expect(parseMigrateArguments([])).toEqual({ command: "up", yes: false });
    expect(parseMigrateArguments(["migrate", "up", "2"])).toEqual({ command: "up", count: 2, yes: false });
    expect(parseMigrateArguments(["down"])).toEqual({ command: "down", yes: false });
    expect(parseMigrateArguments(["migrate", "down", "3", "--yes"])).toEqual({ command: "down", count: 3, yes: true });
    expect(parseMigrateArguments(["--yes", "down", "3"])).toEqual({ command: "down", count: 3, yes: true });
    expect(parseMigrateArguments(["migrate", "status"])).toEqual({ command: "status" });
    expect(parseMigrateArguments(["migrate", "down", "--help"])).toEqual({ command: "help" });
    expect(parseMigrateArguments(["-h"])).toEqual({ command: "help" });
  });

  it("refuse a count that is not a whole number from 1, so no other number of migrations is reverted", () => {
    for (const count of ["1.5", "0", "-1", "3x", "1e2", " 2", "0x2", "Infinity", ""]) {
      expect(parseMigrateArguments(["migrate", "down", count])).toEqual({
        error: `N must be a whole number from 1, not ${count}`,
      });
    }
  });

  it("refuse unknown commands and flags, extra arguments, and --yes where it means nothing", () => {
    expect(parseMigrateArguments(["migrate", "dwon", "2"])).toEqual({ error: "unknown command dwon" });
    expect(parseMigrateArguments(["down", "2", "--force"])).toEqual({ error: "unknown flag --force" });
    expect(parseMigrateArguments(["down", "2", "3"])).toEqual({ error: "unexpected argument 3" });
    expect(parseMigrateArguments(["status", "2"])).toEqual({ error: "status takes no arguments" });
    expect(parseMigrateArguments(["up", "--yes"])).toEqual({ error: "--yes is only for down" });
  });
});

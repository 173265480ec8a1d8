// Menu graphs are checked before they are saved; every problem names the menu and the item.
import { describe, expect, it } from "vitest";
import { defineMenu, type MenuDefinition } from "./menu.js";
import { validateMenu, validateMenuGraph } from "./validation.js";

const menu = (definition: Partial<MenuDefinition> & { id: string }) =>
  defineMenu({ name: definition.id, prompt: `Menu ${definition.id}`, items: [], ...definition });

const example = [
  menu({
    id: "main-menu",
    name: "Main Menu",
    items: [
      { digit: "1", label: "Sales", action: "submenu", target: "sales-menu" },
      { digit: "2", label: "Support", action: "agent", target: "support-queue" },
      { digit: "3", label: "Billing", action: "transfer", target: "+1234567890" },
    ],
  }),
  menu({
    id: "sales-menu",
    name: "Sales",
    parentId: "main-menu",
    items: [{ digit: "1", action: "agent", target: "sales" }],
  }),
];

const codes = (issues: { code: string }[]) => issues.map((i) => i.code);

describe("a single menu", () => {
  it("accepts the specification's example menu", () => {
    expect(validateMenu(example[0]!)).toEqual({ ok: true, errors: [], warnings: [] });
  });

  it("refuses duplicate and non-DTMF digits, naming the menu and the item", () => {
    const report = validateMenu(
      menu({
        id: "m",
        name: "Main",
        items: [
          { digit: "1", action: "agent", target: "a" },
          { digit: "1", action: "agent", target: "b" },
          { digit: "A", action: "agent", target: "c" },
          { digit: "", action: "agent", target: "d" },
        ],
      }),
    );
    expect(codes(report.errors)).toEqual(["duplicate_digit", "invalid_digit", "invalid_digit"]);
    expect(report.errors[0]).toMatchObject({ menuId: "m", menuName: "Main", digit: "1" });
    expect(report.errors[0]!.message).toBe('menu "Main" (m) item "1": is defined more than once');
  });

  it("refuses transfers to anything but an E.164 number, and empty targets", () => {
    const report = validateMenu(
      menu({
        id: "m",
        items: [
          { digit: "1", action: "transfer", target: "555-1234" },
          { digit: "2", action: "agent", target: " " },
          { digit: "3", action: "transfer", target: "+15551234567" },
        ],
        operator: { action: "transfer", target: "0800" },
      }),
    );
    expect(report.errors.map((e) => [e.code, e.digit])).toEqual([
      ["invalid_target", undefined],
      ["invalid_target", "1"],
      ["invalid_target", "2"],
    ]);
    expect(report.errors[1]!.message).toContain("E.164");
  });

  it("refuses unknown actions, bad keys and out-of-range settings", () => {
    const report = validateMenu(
      menu({
        id: "m",
        items: [{ digit: "1", action: "voicemail" as never, target: "x" }],
        backKey: "**",
        timeout: 0,
        maxRetries: 11,
      }),
    );
    expect(codes(report.errors).sort()).toEqual(["invalid_action", "invalid_field", "invalid_field", "invalid_key"]);
    expect(codes(validateMenu(menu({ id: "m", backKey: "0", operatorKey: "0" })).errors)).toEqual(["invalid_key"]);
  });

  it("warns, without refusing, above five options and when an item hides a built-in key", () => {
    const items = ["1", "2", "3", "4", "5", "*"].map((digit) => ({ digit, action: "agent" as const, target: "q" }));
    const report = validateMenu(menu({ id: "m", items }));
    expect(report.ok).toBe(true);
    expect(codes(report.warnings)).toEqual(["key_shadowed", "too_many_options"]);
  });
});

describe("a menu graph", () => {
  it("accepts the specification's example with its sales submenu", () => {
    expect(validateMenuGraph(example)).toEqual({ ok: true, errors: [], warnings: [] });
  });

  it("refuses a submenu that does not exist", () => {
    const report = validateMenuGraph([example[0]!]);
    expect(report.errors).toEqual([
      expect.objectContaining({ code: "unknown_submenu", menuId: "main-menu", digit: "1" }),
    ]);
  });

  it("refuses a cycle that can trap a caller, and allows one with a way out", () => {
    const trap = validateMenuGraph([
      menu({ id: "a", name: "A", items: [{ digit: "1", action: "submenu", target: "b" }] }),
      menu({ id: "b", name: "B", parentId: "a", items: [{ digit: "1", action: "submenu", target: "a" }] }),
    ]);
    expect(codes(trap.errors)).toEqual(["submenu_cycle"]);
    expect(trap.errors[0]!.message).toContain('"A" → "B"');

    const withExit = validateMenuGraph([
      menu({ id: "a", items: [{ digit: "1", action: "submenu", target: "b" }] }),
      menu({
        id: "b",
        parentId: "a",
        items: [
          { digit: "9", action: "submenu", target: "a" },
          { digit: "1", action: "agent", target: "sales" },
        ],
      }),
    ]);
    expect(withExit.ok).toBe(true);
  });

  it("counts an operator as a way out of a cycle, unless an item hides its key", () => {
    const loop = (operatorKey: string) =>
      validateMenuGraph([
        menu({
          id: "a",
          operator: { action: "agent", target: "op" },
          operatorKey,
          items: [
            { digit: "1", action: "submenu", target: "a" },
            { digit: "2", action: "submenu", target: "a2" },
          ],
        }),
        menu({ id: "a2", parentId: "a", items: [{ digit: "1", action: "submenu", target: "a" }] }),
      ]);
    expect(loop("0").ok).toBe(true);
    expect(codes(loop("1").errors)).toEqual(["submenu_cycle"]);
  });

  it("refuses menus deeper than twelve", () => {
    const chain = Array.from({ length: 13 }, (_, i) =>
      menu({
        id: `m${i}`,
        parentId: i === 0 ? null : `m${i - 1}`,
        items: [
          i < 12
            ? { digit: "1", action: "submenu", target: `m${i + 1}` }
            : { digit: "1", action: "agent", target: "q" },
        ],
      }),
    );
    const report = validateMenuGraph(chain);
    expect(report.errors).toEqual([expect.objectContaining({ code: "too_deep", menuId: "m11", digit: "1" })]);
    expect(validateMenuGraph(chain.slice(0, 12).concat(menu({ id: "m12", parentId: "m11" }))).ok).toBe(false);
    expect(validateMenuGraph(chain.slice(1).map((m, i) => (i === 0 ? { ...m, parentId: null } : m))).ok).toBe(true);
  });

  it("reports menus nothing leads to, and menus with no way to a person, as warnings", () => {
    const report = validateMenuGraph([
      ...example,
      menu({
        id: "orphan",
        name: "Orphan",
        parentId: "main-menu",
        items: [{ digit: "1", action: "agent", target: "q" }],
      }),
      menu({ id: "info", name: "Opening hours" }),
    ]);
    expect(report.ok).toBe(true);
    expect(report.warnings.map((w) => [w.code, w.menuId])).toEqual([
      ["no_exit", "info"],
      ["unreachable_menu", "orphan"],
    ]);
  });

  it("refuses a parent that does not exist or is the menu itself", () => {
    expect(codes(validateMenuGraph([menu({ id: "a", parentId: "zzz" })]).errors)).toEqual(["unknown_parent"]);
    expect(codes(validateMenuGraph([menu({ id: "a", parentId: "a" })]).errors)).toEqual(["unknown_parent"]);
  });
});

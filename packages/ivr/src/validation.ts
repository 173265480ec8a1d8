// Checks a menu, and a whole menu graph, before it is saved: every problem names its menu and item.
import { compileMenu } from "./compiled-menu.js";
import type { HandOff, Menu, MenuItem } from "./menu.js";
import { MAX_MENU_DEPTH } from "./session-state.js";

export type MenuIssueCode =
  | "invalid_field"
  | "invalid_digit"
  | "duplicate_digit"
  | "invalid_action"
  | "invalid_target"
  | "invalid_key"
  | "unknown_submenu"
  | "unknown_parent"
  | "submenu_cycle"
  | "too_deep"
  | "too_complex"
  | "too_many_options"
  | "key_shadowed"
  | "no_exit"
  | "unreachable_menu";

export interface MenuIssue {
  severity: "error" | "warning";
  code: MenuIssueCode;
  menuId: string;
  menuName: string;
  /** The item concerned, when there is one. */
  digit?: string;
  message: string;
}

export interface ValidationReport {
  ok: boolean;
  errors: MenuIssue[];
  warnings: MenuIssue[];
}

/** The specification's design advice: keep menus simple, at most five options. */
export const RECOMMENDED_MAX_OPTIONS = 5;
export const MAX_DIGITS_PER_ITEM = 10;
const E164 = /^\+[1-9][0-9]{1,14}$/;
const ITEM_DIGITS = new RegExp(`^[0-9*#]{1,${MAX_DIGITS_PER_ITEM}}$`);
const KEY = /^[0-9*#]$/;
/** Bounds the depth search so a pathological graph cannot stall a request. */
const DEPTH_SEARCH_BUDGET = 200_000;

export function isE164(value: string): boolean {
  return E164.test(value);
}

/** Problems of one menu on its own (fields, digits, targets' shapes); submenu targets are not looked up. */
export function validateMenu(menu: Menu): ValidationReport {
  return report(menuIssues(menu));
}

/**
 * Problems of a set of menus together: each menu's own, plus unknown submenus, cycles that trap a caller
 * (no agent, transfer or operator reachable), menus deeper than 12, and, as warnings, menus no entry menu
 * reaches. Entry menus are `roots`, by default the menus without a parent.
 */
export function validateMenuGraph(
  menus: Iterable<Menu>,
  options: { roots?: readonly string[] } = {},
): ValidationReport {
  const byId = new Map<string, Menu>();
  for (const menu of menus) byId.set(menu.id, menu);
  const issues: MenuIssue[] = [];
  for (const menu of byId.values()) issues.push(...menuIssues(menu));
  issues.push(...referenceIssues(byId));
  const edges = submenuEdges(byId);
  issues.push(...trapIssues(byId, edges));
  const roots = options.roots ?? [...byId.values()].filter((m) => m.parentId === null).map((m) => m.id);
  issues.push(...depthIssues(byId, edges, roots));
  issues.push(...reachabilityIssues(byId, edges, roots));
  return report(issues);
}

function report(issues: MenuIssue[]): ValidationReport {
  const errors = issues.filter((i) => i.severity === "error");
  return { ok: errors.length === 0, errors, warnings: issues.filter((i) => i.severity === "warning") };
}

function issue(
  severity: MenuIssue["severity"],
  code: MenuIssueCode,
  menu: Menu,
  detail: string,
  digit?: string,
): MenuIssue {
  const where = `menu "${menu.name}" (${menu.id})${digit === undefined ? "" : ` item "${digit}"`}`;
  return {
    severity,
    code,
    menuId: menu.id,
    menuName: menu.name,
    ...(digit === undefined ? {} : { digit }),
    message: `${where}: ${detail}`,
  };
}

function menuIssues(menu: Menu): MenuIssue[] {
  const out: MenuIssue[] = [];
  const field = (ok: boolean, detail: string) => {
    if (!ok) out.push(issue("error", "invalid_field", menu, detail));
  };
  field(typeof menu.id === "string" && menu.id.trim() !== "", "id must not be empty");
  field(
    typeof menu.name === "string" && menu.name.trim() !== "" && menu.name.length <= 255,
    "name must be 1-255 characters",
  );
  field(typeof menu.prompt === "string" && menu.prompt.trim() !== "", "prompt must not be empty");
  field(isIntIn(menu.timeout, 1, 600_000), "timeout must be an integer of milliseconds from 1 to 600000");
  field(isIntIn(menu.maxRetries, 0, 10), "maxRetries must be an integer from 0 to 10");
  field(
    isIntIn(menu.interDigitTimeout, 1, 60_000),
    "interDigitTimeout must be an integer of milliseconds from 1 to 60000",
  );
  field(typeof menu.invalidPrompt === "string" && menu.invalidPrompt.trim() !== "", "invalidPrompt must not be empty");
  field(typeof menu.timeoutPrompt === "string" && menu.timeoutPrompt.trim() !== "", "timeoutPrompt must not be empty");
  out.push(...keyIssues(menu));
  out.push(...handOffIssues(menu, menu.onMaxRetries, "onMaxRetries"));
  out.push(...handOffIssues(menu, menu.operator, "operator"));
  if (!Array.isArray(menu.items)) {
    out.push(issue("error", "invalid_field", menu, "items must be an array"));
    return out;
  }
  const seen = new Set<string>();
  for (const item of menu.items) out.push(...itemIssues(menu, item, seen));
  if (menu.items.length > RECOMMENDED_MAX_OPTIONS) {
    out.push(
      issue(
        "warning",
        "too_many_options",
        menu,
        `${menu.items.length} options; callers remember at most ${RECOMMENDED_MAX_OPTIONS}, consider a submenu`,
      ),
    );
  }
  return out;
}

function keyIssues(menu: Menu): MenuIssue[] {
  const out: MenuIssue[] = [];
  for (const [name, key] of [
    ["backKey", menu.backKey],
    ["operatorKey", menu.operatorKey],
  ] as const) {
    if (key === null) continue;
    if (typeof key !== "string" || !KEY.test(key)) {
      out.push(issue("error", "invalid_key", menu, `${name} must be one of 0-9, * or #, or null to disable it`));
    } else if (Array.isArray(menu.items) && menu.items.some((item) => item.digit === key)) {
      out.push(issue("warning", "key_shadowed", menu, `${name} "${key}" is also an item, so the item wins`, key));
    }
  }
  if (menu.backKey !== null && menu.backKey === menu.operatorKey) {
    out.push(issue("error", "invalid_key", menu, `backKey and operatorKey are both "${menu.backKey}"`));
  }
  return out;
}

function handOffIssues(menu: Menu, handOff: HandOff | null, name: string): MenuIssue[] {
  if (handOff === null) return [];
  if (typeof handOff !== "object" || (handOff.action !== "agent" && handOff.action !== "transfer")) {
    return [issue("error", "invalid_action", menu, `${name} must be an agent or transfer hand-off`)];
  }
  const problem = targetProblem(handOff.action, handOff.target);
  return problem ? [issue("error", "invalid_target", menu, `${name}: ${problem}`)] : [];
}

function itemIssues(menu: Menu, item: MenuItem, seen: Set<string>): MenuIssue[] {
  const out: MenuIssue[] = [];
  const digit = typeof item?.digit === "string" ? item.digit : String(item?.digit);
  if (!ITEM_DIGITS.test(digit)) {
    out.push(issue("error", "invalid_digit", menu, `digits must be 1-${MAX_DIGITS_PER_ITEM} of 0-9, * and #`, digit));
  } else if (seen.has(digit)) {
    out.push(issue("error", "duplicate_digit", menu, "is defined more than once", digit));
  }
  seen.add(digit);
  if (item?.label !== undefined && typeof item.label !== "string") {
    out.push(issue("error", "invalid_field", menu, "label must be a string", digit));
  }
  if (item?.action !== "submenu" && item?.action !== "agent" && item?.action !== "transfer") {
    out.push(issue("error", "invalid_action", menu, 'action must be "submenu", "agent" or "transfer"', digit));
    return out;
  }
  const problem = targetProblem(item.action, item.target);
  if (problem) out.push(issue("error", "invalid_target", menu, problem, digit));
  return out;
}

function targetProblem(action: string, target: unknown): string | undefined {
  if (typeof target !== "string" || target.trim() === "") return "target must not be empty";
  if (action === "transfer" && !isE164(target))
    return `transfer target "${target}" is not an E.164 number (+15551234567)`;
  return undefined;
}

function referenceIssues(byId: Map<string, Menu>): MenuIssue[] {
  const out: MenuIssue[] = [];
  for (const menu of byId.values()) {
    if (menu.parentId === menu.id) {
      out.push(issue("error", "unknown_parent", menu, "a menu cannot be its own parent"));
    } else if (menu.parentId !== null && !byId.has(menu.parentId)) {
      out.push(issue("error", "unknown_parent", menu, `parent menu "${menu.parentId}" does not exist`));
    }
    for (const item of itemsOf(menu)) {
      if (
        item.action === "submenu" &&
        typeof item.target === "string" &&
        item.target !== "" &&
        !byId.has(item.target)
      ) {
        out.push(issue("error", "unknown_submenu", menu, `submenu "${item.target}" does not exist`, item.digit));
      }
    }
  }
  return out;
}

type Edges = Map<string, { to: string; digit: string }[]>;

function submenuEdges(byId: Map<string, Menu>): Edges {
  const edges: Edges = new Map();
  for (const menu of byId.values()) {
    const out = itemsOf(menu)
      .filter((item) => item.action === "submenu" && byId.has(item.target))
      .map((item) => ({ to: item.target, digit: item.digit }));
    edges.set(menu.id, out);
  }
  return edges;
}

/** A menu "exits" if the caller can reach a person from it: an agent or transfer item, or an operator key. */
function hasExit(menu: Menu): boolean {
  if (itemsOf(menu).some((item) => item.action === "agent" || item.action === "transfer")) return true;
  if (menu.operator === null || menu.operatorKey === null) return false;
  return !compileMenu(menu).byDigits.has(menu.operatorKey);
}

/** Menus from which some exit is reachable by pressing keys. */
function menusThatExit(byId: Map<string, Menu>, edges: Edges): Set<string> {
  const reverse = new Map<string, string[]>();
  for (const [from, out] of edges) for (const { to } of out) reverse.set(to, [...(reverse.get(to) ?? []), from]);
  const exits = new Set([...byId.values()].filter(hasExit).map((m) => m.id));
  const queue = [...exits];
  while (queue.length > 0) {
    for (const from of reverse.get(queue.pop()!) ?? []) {
      if (!exits.has(from)) {
        exits.add(from);
        queue.push(from);
      }
    }
  }
  return exits;
}

/** Cycles are fine ("9 for the main menu") unless no menu in them leads to a person: then a caller circles forever. */
function trapIssues(byId: Map<string, Menu>, edges: Edges): MenuIssue[] {
  const exits = menusThatExit(byId, edges);
  const out: MenuIssue[] = [];
  const trapped = new Set<string>();
  for (const component of stronglyConnected([...byId.keys()], edges)) {
    const first = component[0]!;
    const cyclic = component.length > 1 || (edges.get(first) ?? []).some((e) => e.to === first);
    if (!cyclic || exits.has(first)) continue;
    for (const id of component) trapped.add(id);
    const names = component.map((id) => `"${byId.get(id)!.name}"`).join(" → ");
    out.push(
      issue(
        "error",
        "submenu_cycle",
        byId.get(first)!,
        `submenu cycle ${names} has no agent, transfer or operator to leave by`,
      ),
    );
  }
  for (const menu of byId.values()) {
    if (!exits.has(menu.id) && !trapped.has(menu.id)) {
      out.push(issue("warning", "no_exit", menu, "no agent, transfer or operator is reachable from this menu"));
    }
  }
  return out;
}

/** Tarjan's algorithm, iterative so deep graphs cannot overflow the stack. */
function stronglyConnected(nodes: string[], edges: Edges): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const out = edges.get(frame.node) ?? [];
      if (frame.edge < out.length) {
        const to = out[frame.edge++]!.to;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component.reverse());
      }
    }
  }
  return components;
}

/**
 * The engine's stack is a simple path (re-entering a menu on the stack unwinds to it), so the deepest a caller
 * can go is the longest simple path from an entry menu. Reported once per menu and item that leads too deep.
 */
function depthIssues(byId: Map<string, Menu>, edges: Edges, roots: readonly string[]): MenuIssue[] {
  const out: MenuIssue[] = [];
  const reported = new Set<string>();
  let budget = DEPTH_SEARCH_BUDGET;
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (id: string): boolean => {
    if (--budget < 0) return false;
    path.push(id);
    onPath.add(id);
    for (const { to, digit } of edges.get(id) ?? []) {
      if (onPath.has(to)) continue;
      if (path.length >= MAX_MENU_DEPTH) {
        const key = `${id}\u0000${digit}`;
        if (!reported.has(key)) {
          reported.add(key);
          out.push(issue("error", "too_deep", byId.get(id)!, `leads deeper than ${MAX_MENU_DEPTH} menus`, digit));
        }
        continue;
      }
      if (!visit(to)) return false;
    }
    path.pop();
    onPath.delete(id);
    return true;
  };
  for (const root of roots) {
    if (!byId.has(root)) continue;
    if (!visit(root)) {
      out.push(issue("error", "too_complex", byId.get(root)!, "the menu graph has too many paths to check its depth"));
      break;
    }
  }
  return out;
}

function reachabilityIssues(byId: Map<string, Menu>, edges: Edges, roots: readonly string[]): MenuIssue[] {
  const reached = new Set<string>();
  const queue = roots.filter((id) => byId.has(id));
  for (const id of queue) reached.add(id);
  while (queue.length > 0) {
    for (const { to } of edges.get(queue.pop()!) ?? []) {
      if (!reached.has(to)) {
        reached.add(to);
        queue.push(to);
      }
    }
  }
  return [...byId.values()]
    .filter((menu) => !reached.has(menu.id))
    .map((menu) => issue("warning", "unreachable_menu", menu, "no entry menu leads here"));
}

function itemsOf(menu: Menu): readonly MenuItem[] {
  return Array.isArray(menu.items) ? menu.items.filter((item) => item !== null && typeof item === "object") : [];
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

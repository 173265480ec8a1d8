// Per-menu lookup tables the engine needs on every key press, built once per (frozen) menu object.
import type { Menu, MenuItem } from "./menu.js";

export interface CompiledMenu {
  byDigits: ReadonlyMap<string, MenuItem>;
  /** Proper prefixes of multi-digit items: a partial entry equal to one of these waits for more keys. */
  prefixes: ReadonlySet<string>;
  /** Keys to gather: the longest item (built-in keys are one key). */
  maxDigits: number;
  /** "#" ends an entry unless a menu uses "#" itself; then entries end by length or silence only. */
  finishOnKey: string;
}

const cache = new WeakMap<Menu, CompiledMenu>();

export function compileMenu(menu: Menu): CompiledMenu {
  let compiled = cache.get(menu);
  if (!compiled) {
    compiled = build(menu);
    cache.set(menu, compiled);
  }
  return compiled;
}

function build(menu: Menu): CompiledMenu {
  const byDigits = new Map<string, MenuItem>();
  const prefixes = new Set<string>();
  let maxDigits = 1;
  let usesHash = menu.backKey === "#" || menu.operatorKey === "#";
  for (const item of menu.items) {
    if (!byDigits.has(item.digit)) byDigits.set(item.digit, item);
    maxDigits = Math.max(maxDigits, item.digit.length);
    if (item.digit.includes("#")) usesHash = true;
    for (let i = 1; i < item.digit.length; i++) prefixes.add(item.digit.slice(0, i));
  }
  return { byDigits, prefixes, maxDigits, finishOnKey: usesHash ? "" : "#" };
}

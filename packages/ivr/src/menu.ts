// IVR menus as the engine sees them: a prompt, items keyed by digits, and per-menu settings with their defaults.

export type ItemAction = "submenu" | "agent" | "transfer";

/** One choice of a menu: `digit` may be several keys long (an extension such as "101"). */
export interface MenuItem {
  digit: string;
  label?: string;
  action: ItemAction;
  /** A menu id for `submenu`, a queue or agent name for `agent`, an E.164 number for `transfer`. */
  target: string;
}

/** Where a call goes when it leaves the menus: the operator key, or the escape after too many retries. */
export interface HandOff {
  action: "agent" | "transfer";
  target: string;
}

export interface Menu {
  readonly id: string;
  readonly name: string;
  readonly prompt: string;
  readonly items: readonly MenuItem[];
  /** Milliseconds to wait for the first key. */
  readonly timeout: number;
  /** Retries allowed after an invalid entry, and separately after no input, before the escape. */
  readonly maxRetries: number;
  readonly invalidPrompt: string;
  readonly timeoutPrompt: string;
  /** Milliseconds to wait between the keys of a multi-digit entry. */
  readonly interDigitTimeout: number;
  /** Escape past `maxRetries`; null hangs up with reason `max_retries`. */
  readonly onMaxRetries: HandOff | null;
  /** Reached with `operatorKey`; null means this menu has no operator. */
  readonly operator: HandOff | null;
  /** Goes back one menu (repeats the prompt at the top); null disables it. */
  readonly backKey: string | null;
  readonly operatorKey: string | null;
  readonly parentId: string | null;
}

/** What `registerMenu` and `defineMenu` accept: the specification's fields, the rest optional. */
export interface MenuDefinition {
  id: string;
  name: string;
  prompt: string;
  items: readonly MenuItem[];
  timeout?: number;
  maxRetries?: number;
  invalidPrompt?: string;
  timeoutPrompt?: string;
  interDigitTimeout?: number;
  onMaxRetries?: HandOff | null;
  operator?: HandOff | null;
  backKey?: string | null;
  operatorKey?: string | null;
  parentId?: string | null;
}

/** The same defaults as the `ivr_menus` columns, so a menu behaves alike in memory and in the database. */
export const MENU_DEFAULTS = {
  timeout: 10_000,
  maxRetries: 3,
  invalidPrompt: "Sorry, that is not a valid option.",
  timeoutPrompt: "Sorry, we did not receive your selection.",
  interDigitTimeout: 3_000,
  backKey: "*",
  operatorKey: "0",
} as const;

/** Fills in defaults and freezes the menu: the engine caches per menu object, so menus never change in place. */
export function defineMenu(definition: MenuDefinition): Menu {
  const items = definition.items.map((item) => Object.freeze({ ...item }));
  return Object.freeze({
    id: definition.id,
    name: definition.name,
    prompt: definition.prompt,
    items: Object.freeze(items),
    timeout: definition.timeout ?? MENU_DEFAULTS.timeout,
    maxRetries: definition.maxRetries ?? MENU_DEFAULTS.maxRetries,
    invalidPrompt: definition.invalidPrompt ?? MENU_DEFAULTS.invalidPrompt,
    timeoutPrompt: definition.timeoutPrompt ?? MENU_DEFAULTS.timeoutPrompt,
    interDigitTimeout: definition.interDigitTimeout ?? MENU_DEFAULTS.interDigitTimeout,
    onMaxRetries: freezeHandOff(definition.onMaxRetries),
    operator: freezeHandOff(definition.operator),
    backKey: definition.backKey === undefined ? MENU_DEFAULTS.backKey : definition.backKey,
    operatorKey: definition.operatorKey === undefined ? MENU_DEFAULTS.operatorKey : definition.operatorKey,
    parentId: definition.parentId ?? null,
  });
}

function freezeHandOff(handOff: HandOff | null | undefined): HandOff | null {
  return handOff ? Object.freeze({ action: handOff.action, target: handOff.target }) : null;
}

/** Menus by id: a `Map` is one. The engine only asks for the menus a step touches. */
export interface MenuGraph {
  get(menuId: string): Menu | undefined;
}

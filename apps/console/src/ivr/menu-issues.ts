/**
 * Validation problems of the stored menus, by the same rules the API applies on save (the `@vx/ivr` validator is
 * pure, so the console bundles it): unreachable menus, shadowed keys, too many options and the like.
 */
import type { Menu } from "../../../../packages/ivr/src/menu";
import { validateMenuGraph } from "../../../../packages/ivr/src/validation";
import type { MenuJson } from "./menu-tree";

export interface Issue {
  severity: "error" | "warning";
  code: string;
  menuId: string;
  digit?: string;
  message: string;
}

function toMenu(json: MenuJson): Menu {
  return {
    id: json.id,
    name: json.name,
    prompt: json.prompt,
    items: json.items,
    timeout: json.timeout,
    maxRetries: json.max_retries,
    invalidPrompt: json.invalid_prompt,
    timeoutPrompt: json.timeout_prompt,
    interDigitTimeout: json.inter_digit_timeout,
    onMaxRetries: json.on_max_retries,
    operator: json.operator,
    backKey: json.back_key,
    operatorKey: json.operator_key,
    parentId: json.parent_menu_id,
  };
}

export function menuIssues(menus: MenuJson[]): Issue[] {
  const report = validateMenuGraph(menus.map(toMenu));
  return [...report.errors, ...report.warnings];
}

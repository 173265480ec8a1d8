/**
 * The menu tree as boxes and lines: each menu's keys lead to submenus, agents and transfers, plus its operator,
 * back key and where the call goes past the retries. A small tidy layout (leaves stacked top to bottom, one column
 * per level) instead of a graph library: menu trees are shallow and never cross.
 */
export interface MenuJson {
  id: string;
  name: string;
  prompt: string;
  items: { digit: string; label?: string; action: "submenu" | "agent" | "transfer"; target: string }[];
  timeout: number;
  max_retries: number;
  invalid_prompt: string;
  timeout_prompt: string;
  parent_menu_id: string | null;
  on_max_retries: { action: "agent" | "transfer"; target: string } | null;
  operator: { action: "agent" | "transfer"; target: string } | null;
  back_key: string | null;
  operator_key: string | null;
  inter_digit_timeout: number;
}

export type NodeKind = "menu" | "agent" | "transfer" | "operator" | "back" | "retries" | "missing" | "loop";

export interface TreeNode {
  key: string;
  kind: NodeKind;
  /** The keys that lead here from the parent ("1", "0", "*"), or what else does ("after retries"). */
  via: string;
  title: string;
  subtitle: string;
  menuId?: string;
  children: TreeNode[];
}

export interface PlacedNode extends TreeNode {
  x: number;
  y: number;
  parentKey?: string;
}

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 46;
const COLUMN = 250;
const ROW = 62;

export function buildTree(rootId: string, menus: Map<string, MenuJson>): TreeNode {
  return menuNode(rootId, "entry", menus, [], "root");
}

function menuNode(id: string, via: string, menus: Map<string, MenuJson>, path: string[], key: string): TreeNode {
  const menu = menus.get(id);
  if (!menu) return { key, kind: "missing", via, title: "Unknown menu", subtitle: id, children: [] };
  if (path.includes(id))
    return { key, kind: "loop", via, title: `Back to ${menu.name}`, subtitle: "loops", children: [] };
  const children: TreeNode[] = menu.items.map((item, i) => {
    const childKey = `${key}/${i}`;
    if (item.action === "submenu") return menuNode(item.target, item.digit, menus, [...path, id], childKey);
    return {
      key: childKey,
      kind: item.action,
      via: item.digit,
      title: item.label || (item.action === "agent" ? "Agent" : "Transfer"),
      subtitle: `${item.action} → ${item.target}`,
      children: [],
    };
  });
  if (menu.operator && menu.operator_key) {
    children.push({
      key: `${key}/operator`,
      kind: "operator",
      via: menu.operator_key,
      title: "Operator",
      subtitle: `${menu.operator.action} → ${menu.operator.target}`,
      children: [],
    });
  }
  if (menu.back_key) {
    children.push({
      key: `${key}/back`,
      kind: "back",
      via: menu.back_key,
      title: path.length ? "Back" : "Repeat menu",
      subtitle: path.length ? "to the previous menu" : "at the top menu",
      children: [],
    });
  }
  children.push({
    key: `${key}/retries`,
    kind: "retries",
    via: `after ${menu.max_retries + 1} tries`,
    title: menu.on_max_retries ? "Escape" : "Hang up",
    subtitle: menu.on_max_retries
      ? `${menu.on_max_retries.action} → ${menu.on_max_retries.target}`
      : "max retries reached",
    children: [],
  });
  return { key, kind: "menu", via, title: menu.name, subtitle: menu.prompt, menuId: id, children };
}

/** Positions every node: leaves take one row each, a parent sits level with the middle of its children. */
export function layoutTree(root: TreeNode): { nodes: PlacedNode[]; width: number; height: number } {
  const nodes: PlacedNode[] = [];
  let nextRow = 0;
  let depthMax = 0;
  const place = (node: TreeNode, depth: number, parentKey?: string): number => {
    depthMax = Math.max(depthMax, depth);
    const placed: PlacedNode = { ...node, x: depth * COLUMN + 10, y: 0, parentKey };
    nodes.push(placed);
    if (node.children.length === 0) {
      placed.y = nextRow++ * ROW + 10;
      return placed.y;
    }
    const ys = node.children.map((child) => place(child, depth + 1, node.key));
    placed.y = (Math.min(...ys) + Math.max(...ys)) / 2;
    return placed.y;
  };
  place(root, 0);
  return { nodes, width: (depthMax + 1) * COLUMN, height: Math.max(1, nextRow) * ROW + 10 };
}

/** The ids of the menus a tree shows, so problems can be listed for that tree only. */
export function menuIdsOf(node: TreeNode): string[] {
  return [...(node.menuId ? [node.menuId] : []), ...node.children.flatMap(menuIdsOf)];
}

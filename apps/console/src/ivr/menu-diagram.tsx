/** The SVG diagram of one menu tree; nodes with validation problems are marked, the simulator's menu highlighted. */
import type { Issue } from "./menu-issues";
import { buildTree, layoutTree, type MenuJson, NODE_HEIGHT, NODE_WIDTH, type PlacedNode } from "./menu-tree";

const KIND_LABEL: Record<string, string> = {
  menu: "menu",
  agent: "agent",
  transfer: "transfer",
  operator: "operator",
  back: "back",
  retries: "after retries",
  missing: "unknown",
  loop: "loop",
};

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function MenuDiagram(props: {
  rootId: string;
  menus: Map<string, MenuJson>;
  issues: Issue[];
  activeMenuId?: string | null;
}) {
  const { nodes, width, height } = layoutTree(buildTree(props.rootId, props.menus));
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const issuesOf = (node: PlacedNode) =>
    props.issues.filter((i) => node.menuId !== undefined && i.menuId === node.menuId);
  const root = props.menus.get(props.rootId);
  return (
    <figure class="diagram">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="img"
        aria-label={`Menu tree of ${root?.name ?? "menu"}: ${nodes.length} nodes`}
      >
        {nodes
          .filter((n) => n.parentKey)
          .map((n) => {
            const parent = byKey.get(n.parentKey!)!;
            const x1 = parent.x + NODE_WIDTH;
            const y1 = parent.y + NODE_HEIGHT / 2;
            const x2 = n.x;
            const y2 = n.y + NODE_HEIGHT / 2;
            const mid = (x1 + x2) / 2;
            return (
              <g key={`edge-${n.key}`} class="edge">
                <path d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} />
                <text x={x2 - 6} y={y2 - 5} text-anchor="end" class="via">
                  {clip(n.via, 16)}
                </text>
              </g>
            );
          })}
        {nodes.map((n) => {
          const problems = issuesOf(n);
          const classes = [
            "node",
            n.kind,
            problems.some((p) => p.severity === "error") ? "has-error" : problems.length ? "has-warning" : "",
            n.menuId && n.menuId === props.activeMenuId ? "active" : "",
          ].join(" ");
          return (
            <g key={n.key} class={classes} transform={`translate(${n.x},${n.y})`} data-menu-id={n.menuId}>
              <title>
                {`${KIND_LABEL[n.kind]}: ${n.title} (${n.subtitle})`}
                {problems.map((p) => `\n⚠ ${p.message}`).join("")}
              </title>
              <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx="6" />
              <text x="10" y="19" class="title">
                {problems.length ? "⚠ " : ""}
                {clip(n.title, 24)}
              </text>
              <text x="10" y="36" class="subtitle">
                {clip(n.subtitle, 30)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        Keys lead left to right. Menus with problems are marked ⚠ (hover for the reason); the simulator's current menu
        is outlined.
      </figcaption>
    </figure>
  );
}

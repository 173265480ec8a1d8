/** IVR menus: the list, a diagram of each entry menu's tree with its problems marked, a simulator, and new menus. */
import { useEffect, useState } from "preact/hooks";
import { allPages, api } from "../api";
import { MenuDiagram } from "../ivr/menu-diagram";
import { menuIssues } from "../ivr/menu-issues";
import { buildTree, type MenuJson, menuIdsOf } from "../ivr/menu-tree";
import { type Session, Simulator } from "../ivr/simulator";
import { navigate } from "../router";
import { ErrorMessage, Notice, useAction } from "../ui";

export function IvrPage({ id }: { id?: string }) {
  const [menus, setMenus] = useState<MenuJson[] | null>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState("");
  const action = useAction();
  const load = () => action.run(async () => setMenus(await allPages<MenuJson>("/v1/ivr/menus")));
  useEffect(() => {
    load();
  }, []);

  const byId = new Map((menus ?? []).map((m) => [m.id, m]));
  const roots = (menus ?? []).filter((m) => m.parent_menu_id === null);
  const selected = id ? byId.get(id) : roots[0];
  const issues = menus ? menuIssues(menus) : [];
  const inTree = new Set(selected ? menuIdsOf(buildTree(selected.id, byId)) : []);
  const selectedIssues = issues.filter((i) => inTree.has(i.menuId));

  return (
    <>
      <h1>IVR menus</h1>
      <ErrorMessage error={action.error} />
      {notice && <Notice>{notice}</Notice>}
      {menus && menus.length === 0 && <p>No menus yet: create an entry menu below, then its submenus.</p>}
      {menus && menus.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Menu</th>
                <th scope="col">Options</th>
                <th scope="col">Parent</th>
                <th scope="col">Problems</th>
              </tr>
            </thead>
            <tbody>
              {menus.map((m) => (
                <tr key={m.id} aria-current={selected?.id === m.id ? "true" : undefined}>
                  <th scope="row">
                    <a href={`#/ivr/${m.id}`}>{m.name}</a>
                  </th>
                  <td>{m.items.map((i) => i.digit).join(" ") || "none"}</td>
                  <td>{m.parent_menu_id ? (byId.get(m.parent_menu_id)?.name ?? m.parent_menu_id) : "entry menu"}</td>
                  <td>{issues.filter((i) => i.menuId === m.id).length || "none"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected && (
        <section aria-labelledby="diagram-heading">
          <h2 id="diagram-heading">Call flow from "{selected.name}"</h2>
          <div class="diagram-scroll">
            <MenuDiagram rootId={selected.id} menus={byId} issues={issues} activeMenuId={session?.current_menu_id} />
          </div>
          {selectedIssues.length > 0 && (
            <ul class="issues" aria-label="Problems">
              {selectedIssues.map((i) => (
                <li key={`${i.code}-${i.menuId}-${i.digit ?? ""}`} class={i.severity}>
                  <strong>{i.severity}</strong> {i.message}
                </li>
              ))}
            </ul>
          )}
          <Simulator key={selected.id} menu={selected} menus={byId} onSession={setSession} />
        </section>
      )}
      {menus && menus.length > 0 && (
        <EditOptionsForm
          menus={menus}
          initial={selected?.id ?? menus[0]!.id}
          onSaved={(menu, warnings) => {
            setNotice(`Saved "${menu.name}".${warnings.length ? ` Advice: ${warnings.join(" ")}` : ""}`);
            load();
          }}
        />
      )}
      <CreateMenuForm
        menus={menus ?? []}
        onCreated={(menu, warnings) => {
          setNotice(`Saved "${menu.name}".${warnings.length ? ` Advice: ${warnings.join(" ")}` : ""}`);
          load();
          if (!menu.parent_menu_id) navigate(`ivr/${menu.id}`);
        }}
      />
    </>
  );
}

/** Lines of `<keys> <submenu|agent|transfer> <target> [label]`; a submenu target may be a menu's name. */
function parseItems(text: string, menus: MenuJson[]): MenuJson["items"] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [digit = "", action = "", target = "", ...label] = line.split(/\s+/);
      const menu = menus.find((m) => m.name.toLowerCase() === target.toLowerCase());
      return {
        digit,
        action: action as "submenu" | "agent" | "transfer",
        target: action === "submenu" && menu ? menu.id : target,
        ...(label.length ? { label: label.join(" ") } : {}),
      };
    });
}

/** The options of a menu as editable lines, submenus shown by name. */
function itemsText(menu: MenuJson, menus: MenuJson[]): string {
  return menu.items
    .map((item) => {
      const target =
        item.action === "submenu" ? (menus.find((m) => m.id === item.target)?.name ?? item.target) : item.target;
      return [item.digit, item.action, target, item.label ?? ""].join(" ").trim();
    })
    .join("\n");
}

type Saved = MenuJson & { warnings: { message: string }[] };

function EditOptionsForm(props: {
  menus: MenuJson[];
  initial: string;
  onSaved: (m: MenuJson, warnings: string[]) => void;
}) {
  const { menus } = props;
  const [menuId, setMenuId] = useState(props.initial);
  const menu = menus.find((m) => m.id === menuId) ?? menus[0]!;
  const [text, setText] = useState(itemsText(menu, menus));
  const action = useAction();
  const choose = (id: string) => {
    setMenuId(id);
    setText(itemsText(menus.find((m) => m.id === id)!, menus));
  };
  return (
    <form
      class="card"
      aria-labelledby="edit-options-heading"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          const saved = await api<Saved>("PATCH", `/v1/ivr/menus/${menu.id}`, { items: parseItems(text, menus) });
          props.onSaved(
            saved,
            saved.warnings.map((w) => w.message),
          );
        });
      }}
    >
      <h2 id="edit-options-heading">Edit a menu's options</h2>
      <ErrorMessage error={action.error} />
      <div class="grid">
        <label for="edit-menu">Menu</label>
        <select id="edit-menu" value={menu.id} onChange={(e) => choose(e.currentTarget.value)}>
          {menus.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
        <label for="edit-items">Options, one a line: keys, action, target, label</label>
        <textarea id="edit-items" class="mono" rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      <button type="submit" disabled={action.busy}>
        Save options
      </button>
    </form>
  );
}

/** The optional caller-facing settings of the create form: only those filled in are sent; the API fills the rest. */
function callerSettings(form: { invalidPrompt: string; timeoutPrompt: string; waitSeconds: string; retries: string }) {
  return {
    ...(form.invalidPrompt.trim() ? { invalid_prompt: form.invalidPrompt.trim() } : {}),
    ...(form.timeoutPrompt.trim() ? { timeout_prompt: form.timeoutPrompt.trim() } : {}),
    ...(form.waitSeconds ? { timeout: Number(form.waitSeconds) * 1000 } : {}),
    ...(form.retries ? { max_retries: Number(form.retries) } : {}),
  };
}

function CreateMenuForm({
  menus,
  onCreated,
}: {
  menus: MenuJson[];
  onCreated: (m: MenuJson, warnings: string[]) => void;
}) {
  const empty = {
    name: "",
    prompt: "",
    parent: "",
    items: "",
    operator: "",
    invalidPrompt: "",
    timeoutPrompt: "",
    waitSeconds: "",
    retries: "",
  };
  const [form, setForm] = useState(empty);
  const action = useAction();
  const set = (name: keyof typeof empty) => (e: Event) =>
    setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="card"
      aria-labelledby="create-menu-heading"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          const saved = await api<Saved>("POST", "/v1/ivr/menus", {
            name: form.name,
            prompt: form.prompt,
            parent_menu_id: form.parent || null,
            items: parseItems(form.items, menus),
            operator: form.operator.trim() ? { action: "agent", target: form.operator.trim() } : null,
            ...callerSettings(form),
          });
          setForm(empty);
          onCreated(
            saved,
            saved.warnings.map((w) => w.message),
          );
        });
      }}
    >
      <h2 id="create-menu-heading">Create a menu</h2>
      <ErrorMessage error={action.error} />
      <div class="grid">
        <label for="menu-name">Name</label>
        <input id="menu-name" required value={form.name} onInput={set("name")} />
        <label for="menu-prompt">Prompt (what the caller hears)</label>
        <input id="menu-prompt" required value={form.prompt} onInput={set("prompt")} />
        <label for="menu-parent">Parent menu</label>
        <select id="menu-parent" value={form.parent} onChange={set("parent")}>
          <option value="">none: an entry menu</option>
          {menus.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
        <label for="menu-items">Options, one a line: keys, action, target, label</label>
        <textarea
          id="menu-items"
          class="mono"
          rows={4}
          value={form.items}
          onInput={set("items")}
          placeholder={"1 submenu Sales Sales\n2 agent support Support\n3 transfer +15551234567 Front desk"}
          aria-describedby="menu-items-hint"
        />
        <label for="menu-operator">Operator queue (key 0; empty: none)</label>
        <input id="menu-operator" value={form.operator} onInput={set("operator")} />
        <label for="menu-invalid-prompt">After a wrong key, the caller hears (empty: the default)</label>
        <input id="menu-invalid-prompt" value={form.invalidPrompt} onInput={set("invalidPrompt")} />
        <label for="menu-timeout-prompt">After silence, the caller hears (empty: the default)</label>
        <input id="menu-timeout-prompt" value={form.timeoutPrompt} onInput={set("timeoutPrompt")} />
        <label for="menu-wait">Seconds to wait for a key (empty: 10)</label>
        <input
          id="menu-wait"
          type="number"
          min={1}
          max={600}
          step={1}
          value={form.waitSeconds}
          onInput={set("waitSeconds")}
        />
        <label for="menu-retries">Retries before the escape (empty: 3)</label>
        <input
          id="menu-retries"
          type="number"
          min={0}
          max={10}
          step={1}
          value={form.retries}
          onInput={set("retries")}
        />
      </div>
      <p id="menu-items-hint" class="hint">
        A submenu's target is the name or id of an existing menu: create submenus first, or edit the entry menu's
        options afterwards.
      </p>
      <button type="submit" disabled={action.busy}>
        Create menu
      </button>
    </form>
  );
}

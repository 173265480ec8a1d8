/**
 * The call simulator: starts a real session at a menu over the public session routes, sends each key as the caller
 * presses it (`partial: true`, so multi-key entries buffer as on a phone), and shows what the IVR says and does.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorMessage, useAction } from "../ui";
import type { MenuJson } from "./menu-tree";

type Action =
  | { type: "say"; text: string }
  | { type: "gather"; num_digits: number; timeout_ms: number; finish_on_key: string }
  | { type: "transfer"; target: string }
  | { type: "agent"; target: string }
  | { type: "hangup"; reason: string };

export interface Session {
  session_id: string;
  current_menu_id: string | null;
  status: string;
  end_reason: string | null;
  menu_stack: string[];
  state: { buffer: string };
}

interface Turn {
  session: Session;
  actions: Action[];
}

interface Line {
  who: "caller" | "ivr" | "system";
  text: string;
}

const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

function describe(action: Action): Line {
  switch (action.type) {
    case "say":
      return { who: "ivr", text: action.text };
    case "gather":
      return {
        who: "system",
        text: `Waiting for up to ${action.num_digits} key${action.num_digits === 1 ? "" : "s"} (${action.timeout_ms / 1000} s)`,
      };
    case "agent":
      return { who: "system", text: `Connected to agent ${action.target}` };
    case "transfer":
      return { who: "system", text: `Transferred to ${action.target}` };
    case "hangup":
      return { who: "system", text: `Call ended: ${action.reason}` };
  }
}

export function Simulator(props: {
  menu: MenuJson;
  menus: Map<string, MenuJson>;
  onSession: (s: Session | null) => void;
}) {
  const [session, setSession] = useState<Session | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const action = useAction();
  const active = session?.status === "active";

  const apply = (turn: Turn, caller?: string) => {
    setSession(turn.session);
    props.onSession(turn.session);
    setLines((previous) => [
      ...previous,
      ...(caller ? [{ who: "caller" as const, text: caller }] : []),
      ...turn.actions.map(describe),
    ]);
  };
  const start = () =>
    action.run(async () => {
      setLines([]);
      const id = `console-${crypto.randomUUID()}`;
      apply(await api<Turn>("POST", "/v1/ivr/sessions", { session_id: id, menu_id: props.menu.id }));
    });
  const press = (key: string) =>
    action.run(async () => {
      if (!session) return;
      const path = `/v1/ivr/sessions/${encodeURIComponent(session.session_id)}/input`;
      apply(await api<Turn>("POST", path, { digits: key, partial: true }), `pressed ${key}`);
    });
  const event = (name: "timeout" | "end", caller: string) =>
    action.run(async () => {
      if (!session) return;
      apply(await api<Turn>("POST", `/v1/ivr/sessions/${encodeURIComponent(session.session_id)}/${name}`), caller);
    });

  const current = session?.current_menu_id ? props.menus.get(session.current_menu_id) : undefined;
  return (
    <section class="card simulator" aria-labelledby="sim-heading">
      <h2 id="sim-heading">Simulate a call to "{props.menu.name}"</h2>
      <ErrorMessage error={action.error} />
      <div class="toolbar">
        <button type="button" onClick={start} disabled={action.busy}>
          {session ? "Start a new call" : "Start call"}
        </button>
        <button type="button" onClick={() => event("timeout", "(stays silent)")} disabled={!active || action.busy}>
          Let the timeout pass
        </button>
        <button type="button" class="danger" onClick={() => event("end", "hung up")} disabled={!active || action.busy}>
          Hang up
        </button>
      </div>
      {session && (
        <p role="status" class="sim-state">
          Status: <strong>{session.status}</strong>
          {current && (
            <>
              {" "}
              · menu <strong>{current.name}</strong>
            </>
          )}
          {session.state.buffer && <> · keys so far {session.state.buffer}</>}
          {session.end_reason && <> · {session.end_reason}</>}
        </p>
      )}
      <div class="sim-body">
        <fieldset class="keypad" disabled={!active || action.busy}>
          <legend>Keypad</legend>
          {KEYS.map((key) => (
            <button type="button" key={key} onClick={() => press(key)} aria-label={`Press ${key}`}>
              {key}
            </button>
          ))}
        </fieldset>
        <ol class="transcript" aria-label="Call transcript" aria-live="polite">
          {lines.map((line, i) => (
            <li key={i} class={line.who}>
              <span class="who">{line.who === "caller" ? "Caller" : line.who === "ivr" ? "IVR" : "—"}</span> {line.text}
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}

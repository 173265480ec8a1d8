/** One endpoint: edit, rotate the secret, send a test, trigger an event, and its message log with replay/recover. */
import { useEffect, useState } from "preact/hooks";
import { api, type Page, query } from "../api";
import { ErrorMessage, formatDate, Notice, SecretOnce, useAction } from "../ui";
import { EventPicker, Health, useEventTypes, type Webhook, type WebhookLog } from "./webhooks";

interface Message {
  id: string;
  event: string;
  status: string;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

const STATUSES = ["", "pending", "sending", "delivered", "failed"];

export function WebhookDetail({ id }: { id: string }) {
  const [hook, setHook] = useState<Webhook | null>(null);
  const [notice, setNotice] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  const action = useAction();
  const load = () => action.run(async () => setHook(await api<Webhook>("GET", `/v1/webhooks/${id}`)));
  useEffect(() => {
    load();
  }, [id]);

  const sendTest = () =>
    action.run(async () => {
      const r = await api<{ success: boolean; status_code: number | null; duration_ms: number; error: string | null }>(
        "POST",
        `/v1/webhooks/${id}/test`,
      );
      setNotice(
        r.success
          ? `Test delivered: HTTP ${r.status_code} in ${Math.round(r.duration_ms)} ms.`
          : `Test failed: ${r.error ?? `HTTP ${r.status_code}`} after ${Math.round(r.duration_ms)} ms.`,
      );
      await load();
    });
  const rotate = () =>
    action.run(async () => {
      const r = await api<{ secret: string; previous_valid_until: string }>("POST", `/v1/webhooks/${id}/rotate-secret`);
      setSecret(r.secret);
      setNotice(`Secret rotated. The old one also signs deliveries until ${formatDate(r.previous_valid_until)}.`);
    });
  const remove = () =>
    action.run(async () => {
      if (!confirm("Delete this endpoint, its pending deliveries and its logs?")) return;
      await api("DELETE", `/v1/webhooks/${id}`);
      location.hash = "#/webhooks";
    });

  if (!hook) return <ErrorMessage error={action.error} />;
  return (
    <>
      <p>
        <a href="#/webhooks">← All endpoints</a>
      </p>
      <h1 class="mono">{hook.url}</h1>
      <ErrorMessage error={action.error} />
      {notice && <Notice>{notice}</Notice>}
      {secret && <SecretOnce label="New signing secret" value={secret} note="Give it to your receiver now." />}
      <dl class="facts">
        <dt>State</dt>
        <dd>{hook.enabled ? "enabled" : `disabled${hook.last_error ? `: ${hook.last_error}` : ""}`}</dd>
        <dt>Success rate</dt>
        <dd>
          <Health webhook={hook} />
        </dd>
        <dt>Last status</dt>
        <dd>
          {hook.last_status ?? "—"} at {formatDate(hook.last_triggered_at)}
        </dd>
        <dt>Last error</dt>
        <dd>{hook.last_error ?? "none"}</dd>
      </dl>
      <div class="toolbar">
        <button type="button" onClick={sendTest} disabled={action.busy}>
          Send test
        </button>
        <button type="button" onClick={rotate} disabled={action.busy}>
          Rotate secret
        </button>
        <button type="button" class="danger" onClick={remove} disabled={action.busy}>
          Delete endpoint
        </button>
      </div>
      <EditWebhookForm
        hook={hook}
        onSaved={(saved) => {
          setHook(saved);
          setNotice("Saved.");
        }}
      />
      <TriggerEventForm
        hook={hook}
        onSent={(text) => {
          setNotice(text);
          setRefresh(refresh + 1);
        }}
      />
      <MessageLog hookId={id} refresh={refresh} />
    </>
  );
}

function EditWebhookForm({ hook, onSaved }: { hook: Webhook; onSaved: (hook: Webhook) => void }) {
  const types = useEventTypes();
  const [url, setUrl] = useState(hook.url);
  const [events, setEvents] = useState(hook.events);
  const [enabled, setEnabled] = useState(hook.enabled);
  const action = useAction();
  return (
    <form
      class="card"
      aria-labelledby="edit-webhook-heading"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () =>
          onSaved(await api<Webhook>("PATCH", `/v1/webhooks/${hook.id}`, { url, events, enabled })),
        );
      }}
    >
      <h2 id="edit-webhook-heading">Settings</h2>
      <ErrorMessage error={action.error} />
      <div class="grid">
        <label for="edit-url">Endpoint URL</label>
        <input id="edit-url" type="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} required />
      </div>
      <label class="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> Enabled
      </label>
      <EventPicker types={types} selected={events} onChange={setEvents} />
      <button type="submit" disabled={action.busy}>
        Save settings
      </button>
    </form>
  );
}

function TriggerEventForm({ hook, onSent }: { hook: Webhook; onSent: (text: string) => void }) {
  const [event, setEvent] = useState(hook.events[0] ?? "");
  const [payload, setPayload] = useState('{"hello": "world"}');
  const action = useAction();
  return (
    <form
      class="card"
      aria-labelledby="trigger-heading"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          let data: unknown;
          try {
            data = JSON.parse(payload);
          } catch {
            throw new Error("The payload is not valid JSON");
          }
          const r = await api<{ deliveries: number }>("POST", "/v1/events", { event, payload: data });
          onSent(`Event ${event} enqueued: ${r.deliveries} ${r.deliveries === 1 ? "delivery" : "deliveries"}.`);
        });
      }}
    >
      <h2 id="trigger-heading">Trigger an event</h2>
      <p class="hint">Goes to every enabled endpoint of yours subscribed to it, through the delivery queue.</p>
      <ErrorMessage error={action.error} />
      <div class="grid">
        <label for="trigger-event">Event</label>
        <select id="trigger-event" value={event} onChange={(e) => setEvent(e.currentTarget.value)}>
          {hook.events.map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
        <label for="trigger-payload">Payload (JSON)</label>
        <textarea
          id="trigger-payload"
          class="mono"
          rows={3}
          value={payload}
          onInput={(e) => setPayload(e.currentTarget.value)}
        />
      </div>
      <button type="submit" disabled={action.busy}>
        Trigger event
      </button>
    </form>
  );
}

function MessageLog({ hookId, refresh }: { hookId: string; refresh: number }) {
  const [status, setStatus] = useState("");
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [notice, setNotice] = useState("");
  const [since, setSince] = useState(() => new Date(Date.now() - 86_400_000).toISOString().slice(0, 16));
  const action = useAction();
  const load = () =>
    action.run(async () => {
      const path = `/v1/webhooks/${hookId}/messages${query({ status, limit: 50 })}`;
      setMessages((await api<Page<Message>>("GET", path)).data);
    });
  useEffect(() => {
    load();
  }, [hookId, status, refresh]);

  const recover = () =>
    action.run(async () => {
      const r = await api<{ recovered: number }>("POST", `/v1/webhooks/${hookId}/recover`, {
        since: new Date(since).toISOString(),
      });
      setNotice(`${r.recovered} failed ${r.recovered === 1 ? "message gets" : "messages get"} another attempt.`);
      await load();
    });

  return (
    <section aria-labelledby="messages-heading">
      <h2 id="messages-heading">Messages</h2>
      <ErrorMessage error={action.error} />
      {notice && <Notice>{notice}</Notice>}
      <div class="toolbar">
        <label for="status-filter">Status</label>
        <select id="status-filter" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || "all"}
            </option>
          ))}
        </select>
        <button type="button" onClick={load} disabled={action.busy}>
          Refresh
        </button>
        <label for="recover-since">Recover failed since</label>
        <input
          id="recover-since"
          type="datetime-local"
          value={since}
          onInput={(e) => setSince(e.currentTarget.value)}
        />
        <button type="button" onClick={recover} disabled={action.busy}>
          Recover
        </button>
      </div>
      {messages && messages.length === 0 && <p>No messages{status ? ` with status ${status}` : ""}.</p>}
      <ul class="messages">
        {messages?.map((m) => (
          <li key={m.id}>
            <button
              type="button"
              class="message-row"
              aria-expanded={open === m.id}
              onClick={() => setOpen(open === m.id ? null : m.id)}
            >
              <span class={`badge ${m.status === "delivered" ? "ok" : m.status === "failed" ? "bad" : "warn"}`}>
                {m.status}
              </span>
              <code>{m.event}</code>
              <span>
                {m.attempts}/{m.max_attempts} attempts
              </span>
              <span class="hint">{formatDate(m.created_at)}</span>
            </button>
            {open === m.id && <MessageTimeline hookId={hookId} message={m} onReplayed={load} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function MessageTimeline({
  hookId,
  message,
  onReplayed,
}: {
  hookId: string;
  message: Message;
  onReplayed: () => void;
}) {
  const [logs, setLogs] = useState<WebhookLog[] | null>(null);
  const action = useAction();
  const load = () =>
    action.run(async () => {
      const detail = await api<{ logs: WebhookLog[] }>("GET", `/v1/webhooks/${hookId}/messages/${message.id}`);
      setLogs(detail.logs);
    });
  useEffect(() => {
    load();
  }, [message.id, message.attempts]);
  const replay = () =>
    action.run(async () => {
      await api("POST", `/v1/webhooks/${hookId}/messages/${message.id}/replay`);
      onReplayed();
      await load();
    });
  return (
    <div class="timeline-wrap">
      <ErrorMessage error={action.error} />
      <ol class="timeline" aria-label={`Attempts of message ${message.id}`}>
        {logs?.map((log) => (
          <li key={log.id} class={log.delivered_at ? "ok" : "bad"}>
            <strong>
              Attempt {log.attempt_number}: {log.status_code === null ? "no response" : `HTTP ${log.status_code}`}
            </strong>
            <span class="hint">
              {" "}
              {formatDate(log.created_at)}
              {typeof log.duration_ms === "number" && ` · ${Math.round(log.duration_ms)} ms`}
            </span>
            {log.error && <div>{log.error}</div>}
            {log.response_body && <pre class="excerpt">{log.response_body.slice(0, 300)}</pre>}
          </li>
        ))}
        {logs?.length === 0 && (
          <li>No attempts yet{message.next_attempt_at ? ` (next ${formatDate(message.next_attempt_at)})` : ""}.</li>
        )}
      </ol>
      <button type="button" onClick={replay} disabled={action.busy}>
        Replay now
      </button>
    </div>
  );
}

/** Webhook endpoints with their health, and creating one (its signing secret shown once). */
import { useEffect, useState } from "preact/hooks";
import { allPages, api, type Page } from "../api";
import { ErrorMessage, formatDate, SecretOnce, useAction } from "../ui";
import { WebhookDetail } from "./webhook-detail";

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  retry_count: number;
  agent_id: string | null;
  last_triggered_at: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
}

export interface WebhookLog {
  id: string;
  event: string;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  attempt_number: number;
  delivered_at: string | null;
  created_at: string;
  duration_ms?: number;
}

export interface EventType {
  name: string;
  description: string;
}

/** Hourly delivery counts, as `GET /v1/webhooks/:id/stats` reports them on API versions that have the route. */
interface StatsHour {
  delivered?: number;
  failed?: number;
  p95_ms?: number | null;
}

interface HealthSummary {
  /** Delivered share of attempts, 0-1; null before any attempt. */
  rate: number | null;
  attempts: number;
  /** Slowest 5% of the last day's attempts took at least this long, where the stats route reports it. */
  p95Ms?: number;
}

/** Success rate over the last day from the stats route where the API has one, else over the latest 50 attempts. */
export async function healthOf(webhook: Webhook): Promise<HealthSummary> {
  const stats = await api<{ data?: StatsHour[] }>("GET", `/v1/webhooks/${webhook.id}/stats`).catch(() => null);
  if (stats && Array.isArray(stats.data)) return summarizeStats(stats.data);
  const logs = (await api<Page<WebhookLog>>("GET", `/v1/webhooks/${webhook.id}/logs?limit=50`)).data;
  if (logs.length === 0) return { rate: null, attempts: 0 };
  const ok = logs.filter((l) => l.delivered_at !== null).length;
  return { rate: ok / logs.length, attempts: logs.length };
}

function summarizeStats(hours: StatsHour[]): HealthSummary {
  const delivered = hours.reduce((n, h) => n + (h.delivered ?? 0), 0);
  const attempts = delivered + hours.reduce((n, h) => n + (h.failed ?? 0), 0);
  const p95s = hours.map((h) => h.p95_ms).filter((v): v is number => typeof v === "number");
  return {
    rate: attempts === 0 ? null : delivered / attempts,
    attempts,
    ...(p95s.length ? { p95Ms: Math.max(...p95s) } : {}),
  };
}

export function useEventTypes(): EventType[] {
  const [types, setTypes] = useState<EventType[]>([]);
  useEffect(() => {
    api<{ data: EventType[] }>("GET", "/v1/event-types").then(
      (r) => setTypes(r.data),
      () => setTypes([]),
    );
  }, []);
  return types;
}

export function WebhooksPage({ id }: { id?: string }) {
  if (id) return <WebhookDetail id={id} />;
  return <WebhookList />;
}

function WebhookList() {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const action = useAction();
  const load = () => action.run(async () => setHooks(await allPages<Webhook>("/v1/webhooks")));
  useEffect(() => {
    load();
  }, []);
  return (
    <>
      <h1>Webhooks</h1>
      <ErrorMessage error={action.error} />
      {secret && (
        <SecretOnce
          label="Signing secret of the new endpoint"
          value={secret}
          note="Verify deliveries with it (Standard Webhooks). You can read it again from the endpoint's page."
        />
      )}
      <CreateWebhookForm
        onCreated={(s) => {
          setSecret(s);
          load();
        }}
      />
      <h2>Endpoints</h2>
      {hooks && hooks.length === 0 && <p>No endpoints yet.</p>}
      {hooks && hooks.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
                <th scope="col">Success rate</th>
                <th scope="col">Last status</th>
              </tr>
            </thead>
            <tbody>
              {hooks.map((hook) => (
                <tr key={hook.id}>
                  <th scope="row">
                    <a href={`#/webhooks/${hook.id}`}>{hook.url}</a>
                  </th>
                  <td>{hook.events.join(", ")}</td>
                  <td>
                    {hook.enabled ? <span class="badge ok">enabled</span> : <span class="badge bad">disabled</span>}
                    {!hook.enabled && hook.last_error && <div class="hint">{hook.last_error}</div>}
                  </td>
                  <td>
                    <Health webhook={hook} />
                  </td>
                  <td>
                    {hook.last_status ?? "—"} · {formatDate(hook.last_triggered_at)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function Health({ webhook }: { webhook: Webhook }) {
  const [health, setHealth] = useState<HealthSummary | null>(null);
  useEffect(() => {
    healthOf(webhook).then(setHealth, () => setHealth(null));
  }, [webhook.id, webhook.last_triggered_at]);
  if (!health) return <span>…</span>;
  if (health.rate === null) return <span>no attempts yet</span>;
  const percent = Math.round(health.rate * 100);
  return (
    <>
      <span class={`badge ${percent >= 95 ? "ok" : percent >= 50 ? "warn" : "bad"}`}>
        {percent}% of {health.attempts}
      </span>
      {health.p95Ms !== undefined && <span class="hint"> · p95 {Math.round(health.p95Ms)} ms</span>}
    </>
  );
}

function CreateWebhookForm({ onCreated }: { onCreated: (secret: string) => void }) {
  const types = useEventTypes();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>([]);
  const [retries, setRetries] = useState("");
  const action = useAction();
  return (
    <form
      class="card"
      aria-labelledby="create-webhook-heading"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          const created = await api<{ secret: string }>("POST", "/v1/webhooks", {
            url,
            events,
            ...(retries.trim() ? { retry_count: Number(retries) } : {}),
          });
          setUrl("");
          setEvents([]);
          onCreated(created.secret);
        });
      }}
    >
      <h2 id="create-webhook-heading">Add an endpoint</h2>
      <ErrorMessage error={action.error} />
      <div class="grid">
        <label for="webhook-url">Endpoint URL</label>
        <input id="webhook-url" type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
        <label for="webhook-retries">Retries after the first attempt (default 3)</label>
        <input
          id="webhook-retries"
          inputMode="numeric"
          value={retries}
          onInput={(e) => setRetries(e.currentTarget.value)}
        />
      </div>
      <EventPicker types={types} selected={events} onChange={setEvents} />
      <button type="submit" disabled={action.busy}>
        Add endpoint
      </button>
    </form>
  );
}

export function EventPicker(props: { types: EventType[]; selected: string[]; onChange: (events: string[]) => void }) {
  const { types, selected, onChange } = props;
  return (
    <fieldset>
      <legend>Events</legend>
      {types.map((type) => (
        <label key={type.name} class="check">
          <input
            type="checkbox"
            checked={selected.includes(type.name)}
            onChange={(e) =>
              onChange(
                e.currentTarget.checked ? [...selected, type.name] : selected.filter((name) => name !== type.name),
              )
            }
          />
          <code>{type.name}</code> <span class="hint">{type.description}</span>
        </label>
      ))}
    </fieldset>
  );
}

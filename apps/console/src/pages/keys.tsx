/**
 * API keys: list, create (the plain key shown once), details with credits to change, edit (identity, limits, credits
 * and meta too), revoke, rotate with a grace period, and usage.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import type { ApiKey, Identity } from "../keys/api-key";
import { CreateKeyForm } from "../keys/create-key-form";
import { EditKeyForm } from "../keys/edit-key-form";
import { identityName } from "../keys/identity-picker";
import { KeyDetails } from "../keys/key-details";
import { describeRefill, formatLimit } from "../keys/limits-text";
import { loadKeysAndIdentities } from "../keys/load-keys-and-identities";
import { ErrorMessage, formatDate, Notice, SecretOnce, useAction } from "../ui";
import { UsageChart, type UsageStats } from "../usage-chart";

/** GET /v1/api-keys/:id/stats beyond what every stats route answers. */
interface KeyStats extends UsageStats {
  remaining_quota: number | null;
  rate_limit: number | null;
  last_used_at: string | null;
}

type Panel = { kind: "details" | "edit" | "rotate" | "usage"; key: ApiKey } | null;

export function KeysPage() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [identities, setIdentities] = useState<Identity[]>([]);
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const [panel, setPanel] = useState<Panel>(null);
  const [notice, setNotice] = useState("");
  const action = useAction();

  const load = () =>
    action.run(async () => {
      const loaded = await loadKeysAndIdentities();
      setKeys(loaded.keys);
      setIdentities(loaded.identities);
    });
  useEffect(() => {
    load();
  }, []);

  const revoke = (key: ApiKey) =>
    action.run(async () => {
      if (!confirm(`Revoke "${key.name}"? It stops working at once.`)) return;
      await api("POST", `/v1/api-keys/${key.id}/revoke`);
      setNotice(`Revoked "${key.name}".`);
      await load();
    });

  return (
    <>
      <h1>API keys</h1>
      <ErrorMessage error={action.error} />
      {notice && <Notice>{notice}</Notice>}
      {secret && (
        <SecretOnce
          label={secret.label}
          value={secret.value}
          note="This is the only time the key is shown: copy it now and keep it somewhere safe."
        />
      )}
      <CreateKeyForm
        identities={identities}
        onCreated={(plain, key) => {
          setSecret({ label: `New key "${key.name}"`, value: plain });
          setNotice("");
          load();
        }}
      />
      <h2>Your keys</h2>
      {keys && keys.length === 0 && <p>No keys yet.</p>}
      {keys && keys.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Limits</th>
                <th scope="col">Used</th>
                <th scope="col">State</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id}>
                  <th scope="row">{key.name}</th>
                  <td class="mono">{key.key_prefix}…</td>
                  <td>{key.scopes.length ? key.scopes.join(", ") : "all"}</td>
                  <td>
                    <KeyLimits keyInfo={key} identities={identities} />
                  </td>
                  <td>
                    {key.usage_count} · last {formatDate(key.last_used_at)}
                  </td>
                  <td>
                    <KeyState keyInfo={key} />
                  </td>
                  <td class="actions">
                    <button type="button" onClick={() => setPanel({ kind: "details", key })}>
                      Details<span class="sr-only"> of {key.name}</span>
                    </button>
                    <button type="button" onClick={() => setPanel({ kind: "usage", key })}>
                      Usage<span class="sr-only"> of {key.name}</span>
                    </button>
                    <button type="button" onClick={() => setPanel({ kind: "edit", key })}>
                      Edit<span class="sr-only"> {key.name}</span>
                    </button>
                    <button type="button" disabled={!key.enabled} onClick={() => setPanel({ kind: "rotate", key })}>
                      Rotate<span class="sr-only"> {key.name}</span>
                    </button>
                    <button type="button" class="danger" disabled={!key.enabled} onClick={() => revoke(key)}>
                      Revoke<span class="sr-only"> {key.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {panel?.kind === "details" && (
        <KeyDetails
          key={panel.key.id}
          // The list's copy, not the one the button was clicked on, so a change of credits shows once reloaded.
          apiKey={keys?.find((k) => k.id === panel.key.id) ?? panel.key}
          identities={identities}
          onCreditsChanged={(remaining) => {
            setNotice(`"${panel.key.name}" has ${remaining} credits.`);
            load();
          }}
        />
      )}
      {panel?.kind === "usage" && (
        <UsageChart<KeyStats>
          key={panel.key.id}
          path={`/v1/api-keys/${panel.key.id}/stats`}
          title={`Usage of "${panel.key.name}"`}
          facts={(stats) => (
            <>
              <dt>Total requests</dt>
              <dd>{stats.total_requests}</dd>
              <dt>This hour</dt>
              <dd>
                {stats.requests_this_hour}
                {stats.rate_limit !== null && ` of ${stats.rate_limit}`}
              </dd>
              <dt>Quota left</dt>
              <dd>{stats.remaining_quota ?? "unlimited"}</dd>
              <dt>Last used</dt>
              <dd>{formatDate(stats.last_used_at)}</dd>
            </>
          )}
        />
      )}
      {panel?.kind === "edit" && (
        <EditKeyForm
          key={panel.key.id}
          apiKey={panel.key}
          identities={identities}
          onDone={(message) => {
            setPanel(null);
            setNotice(message);
            load();
          }}
        />
      )}
      {panel?.kind === "rotate" && (
        <RotateKeyForm
          key={panel.key.id}
          apiKey={panel.key}
          onRotated={(plain) => {
            setSecret({ label: `Replacement for "${panel.key.name}"`, value: plain });
            setPanel(null);
            load();
          }}
        />
      )}
    </>
  );
}

/**
 * The list's limits column: the hourly limit and quota, then each named limit and the credits, one to a line, and
 * the identity whose limits and credits the key shares.
 */
function KeyLimits({ keyInfo, identities }: { keyInfo: ApiKey; identities: Identity[] }) {
  const { credits } = keyInfo;
  return (
    <ul class="plain">
      <li>
        {keyInfo.rate_limit ?? "∞"}/h · quota {keyInfo.usage_quota ?? "∞"}
      </li>
      {keyInfo.ratelimits.map((limit) => (
        <li key={limit.name}>
          {limit.name} {formatLimit(limit)}
        </li>
      ))}
      {credits && (
        <li>
          {credits.remaining} credits{credits.refill ? `, ${describeRefill(credits.refill)}` : ""}
        </li>
      )}
      {keyInfo.identity_id && <li>shared with identity {identityName(keyInfo.identity_id, identities)}</li>}
    </ul>
  );
}

function KeyState({ keyInfo }: { keyInfo: ApiKey }) {
  if (!keyInfo.enabled) return <span class="badge bad">revoked</span>;
  if (keyInfo.expires_at && new Date(keyInfo.expires_at) <= new Date()) return <span class="badge bad">expired</span>;
  if (keyInfo.expires_at) return <span class="badge warn">expires {formatDate(keyInfo.expires_at)}</span>;
  return <span class="badge ok">active</span>;
}

function RotateKeyForm({ apiKey, onRotated }: { apiKey: ApiKey; onRotated: (plain: string) => void }) {
  const [grace, setGrace] = useState("24");
  const action = useAction();
  return (
    <form
      class="card"
      aria-labelledby="rotate-heading"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          const rotated = await api<{ plain_key: string }>("POST", `/v1/api-keys/${apiKey.id}/rotate`, {
            grace_period_hours: Number(grace),
          });
          onRotated(rotated.plain_key);
        });
      }}
    >
      <h2 id="rotate-heading">Rotate "{apiKey.name}"</h2>
      <p>A replacement key is issued. The old key keeps working for the grace period, then expires.</p>
      <ErrorMessage error={action.error} />
      <label for="grace">Grace period (hours, 0 stops the old key at once)</label>
      <input id="grace" value={grace} onInput={(e) => setGrace(e.currentTarget.value)} inputMode="decimal" />
      <button type="submit" disabled={action.busy}>
        Rotate key
      </button>
    </form>
  );
}

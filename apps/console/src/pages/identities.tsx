/**
 * Identities: your customers, each with named limits and credits that all its keys share (checked in the same
 * statement as each key's own). List, create, details with its keys and credits to change, edit, delete.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { CreateIdentityForm } from "../identities/create-identity-form";
import { EditIdentityForm } from "../identities/edit-identity-form";
import { IdentityDetails } from "../identities/identity-details";
import type { ApiKey, Identity } from "../keys/api-key";
import { describeCredits, formatLimit } from "../keys/limits-text";
import { loadKeysAndIdentities } from "../keys/load-keys-and-identities";
import { ErrorMessage, Notice, useAction } from "../ui";
import { UsageChart, type UsageStats } from "../usage-chart";

type Panel = { kind: "details" | "edit" | "usage"; id: string } | null;

/** `id` (from `#/identities/<id>`, a key's details link there) opens that identity's details. */
export function IdentitiesPage({ id }: { id?: string }) {
  const [identities, setIdentities] = useState<Identity[] | null>(null);
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [panel, setPanel] = useState<Panel>(id ? { kind: "details", id } : null);
  useEffect(() => {
    if (id) setPanel({ kind: "details", id });
  }, [id]);
  const [notice, setNotice] = useState("");
  const action = useAction();

  const load = () =>
    action.run(async () => {
      const loaded = await loadKeysAndIdentities();
      setIdentities(loaded.identities);
      setKeys(loaded.keys);
    });
  useEffect(() => {
    load();
  }, []);

  const keysOf = (identity: Identity) => keys.filter((k) => k.identity_id === identity.id);
  const remove = (identity: Identity) =>
    action.run(async () => {
      const count = keysOf(identity).length;
      const keep = count ? ` Its ${count} key${count === 1 ? "" : "s"} keep working, with their own limits only.` : "";
      if (!confirm(`Delete identity "${identity.external_id}"?${keep}`)) return;
      await api("DELETE", `/v1/identities/${identity.id}`);
      setPanel(null);
      setNotice(`Deleted "${identity.external_id}".`);
      await load();
    });
  const open = panel && identities?.find((i) => i.id === panel.id);

  return (
    <>
      <h1>Identities</h1>
      <p class="hint">
        An identity is one of your customers: its named limits and credits are shared by all the keys you give it, and
        its meta comes back with every verification of them.
      </p>
      <ErrorMessage error={action.error} />
      {notice && <Notice>{notice}</Notice>}
      <CreateIdentityForm
        onCreated={(identity) => {
          setNotice(`Created "${identity.external_id}". Choose it as a key's identity on the API keys page.`);
          load();
        }}
      />
      <h2>Your identities</h2>
      {identities && identities.length === 0 && <p>No identities yet.</p>}
      {identities && identities.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">External id</th>
                <th scope="col">Named limits</th>
                <th scope="col">Credits</th>
                <th scope="col">Keys</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {identities.map((identity) => (
                <tr key={identity.id}>
                  <th scope="row">{identity.external_id}</th>
                  <td>
                    {identity.ratelimits.length === 0
                      ? "none"
                      : identity.ratelimits.map((l) => `${l.name} ${formatLimit(l)}`).join(", ")}
                  </td>
                  <td>{describeCredits(identity.credits)}</td>
                  <td>{keysOf(identity).length}</td>
                  <td class="actions">
                    <button type="button" onClick={() => setPanel({ kind: "details", id: identity.id })}>
                      Details<span class="sr-only"> of {identity.external_id}</span>
                    </button>
                    <button type="button" onClick={() => setPanel({ kind: "usage", id: identity.id })}>
                      Usage<span class="sr-only"> of {identity.external_id}</span>
                    </button>
                    <button type="button" onClick={() => setPanel({ kind: "edit", id: identity.id })}>
                      Edit<span class="sr-only"> {identity.external_id}</span>
                    </button>
                    <button type="button" class="danger" onClick={() => remove(identity)}>
                      Delete<span class="sr-only"> {identity.external_id}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && panel.kind === "details" && (
        <IdentityDetails
          key={open.id}
          identity={open}
          keys={keysOf(open)}
          onCreditsChanged={(remaining) => {
            setNotice(`"${open.external_id}" has ${remaining} credits.`);
            load();
          }}
        />
      )}
      {open && panel.kind === "usage" && (
        <UsageChart<UsageStats & { key_ids: string[] }>
          key={open.id}
          path={`/v1/identities/${open.id}/stats`}
          title={`Usage of "${open.external_id}"`}
          facts={(stats) => (
            <>
              <dt>Keys</dt>
              <dd>{stats.key_ids.length}</dd>
              <dt>Total requests</dt>
              <dd>{stats.total_requests}</dd>
              <dt>This hour</dt>
              <dd>{stats.requests_this_hour}</dd>
            </>
          )}
        />
      )}
      {open && panel.kind === "edit" && (
        <EditIdentityForm
          key={open.id}
          identity={open}
          onDone={(message) => {
            setPanel(null);
            setNotice(message);
            load();
          }}
        />
      )}
    </>
  );
}

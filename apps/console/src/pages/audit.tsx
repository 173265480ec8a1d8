/** Your audit trail, your data export (GDPR access), and your consents. */
import { useEffect, useState } from "preact/hooks";
import { api, type Page, query } from "../api";
import { ErrorMessage, formatDate, Notice, useAction } from "../ui";

interface AuditEntry {
  id: string;
  actor_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
}

interface Consent {
  purpose: string;
  granted: boolean;
  granted_at: string | null;
  withdrawn_at: string | null;
  updated_at: string;
}

export function AuditPage() {
  return (
    <>
      <h1>Audit log &amp; privacy</h1>
      <DataExport />
      <Consents />
      <AuditLog />
    </>
  );
}

function AuditLog() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const action = useAction();
  const load = (after?: string) =>
    action.run(async () => {
      const page = await api<Page<AuditEntry>>("GET", `/v1/audit-logs${query({ limit: 25, cursor: after })}`);
      setEntries((previous) => (after ? [...previous, ...page.data] : page.data));
      setCursor(page.next_cursor);
      setLoaded(true);
    });
  useEffect(() => {
    load();
  }, []);
  return (
    <section aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit log</h2>
      <ErrorMessage error={action.error} />
      {loaded && entries.length === 0 && <p>Nothing recorded yet.</p>}
      {entries.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
                <th scope="col">By</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td>{formatDate(e.created_at)}</td>
                  <th scope="row">
                    <code>{e.action}</code>
                  </th>
                  <td class="mono">
                    {e.resource_type} {e.resource_id?.slice(0, 8)}
                  </td>
                  <td>{e.actor_id ? "you" : "system"}</td>
                  <td class="mono small">{JSON.stringify(e.metadata)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <button type="button" onClick={() => load(cursor)} disabled={action.busy}>
          Load older entries
        </button>
      )}
    </section>
  );
}

function DataExport() {
  const [notice, setNotice] = useState("");
  const action = useAction();
  const download = () =>
    action.run(async () => {
      const data = await api<{ tables: Record<string, unknown[]> }>("GET", "/v1/me/export");
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `vx-export-${new Date().toISOString().slice(0, 10)}.json`;
      link.click();
      URL.revokeObjectURL(link.href);
      const rows = Object.values(data.tables).reduce((n, t) => n + t.length, 0);
      setNotice(`Downloaded ${rows} rows from ${Object.keys(data.tables).length} tables.`);
    });
  return (
    <section class="card" aria-labelledby="export-heading">
      <h2 id="export-heading">Your data</h2>
      <p>Everything stored about you, as one JSON document. Key hashes and webhook secrets are never included.</p>
      <ErrorMessage error={action.error} />
      {notice && <Notice>{notice}</Notice>}
      <button type="button" onClick={download} disabled={action.busy}>
        Download my data
      </button>
    </section>
  );
}

function Consents() {
  const [consents, setConsents] = useState<Consent[] | null>(null);
  const [purpose, setPurpose] = useState("");
  const action = useAction();
  const load = () =>
    action.run(async () => setConsents((await api<{ data: Consent[] }>("GET", "/v1/me/consents")).data));
  useEffect(() => {
    load();
  }, []);
  const change = (changes: { purpose: string; granted: boolean }[]) =>
    action.run(async () => {
      setConsents((await api<{ data: Consent[] }>("PUT", "/v1/me/consents", { consents: changes })).data);
    });
  return (
    <section class="card" aria-labelledby="consents-heading">
      <h2 id="consents-heading">Consents</h2>
      <ErrorMessage error={action.error} />
      {consents && consents.length === 0 && <p>No consents recorded.</p>}
      <ul class="consents">
        {consents?.map((c) => (
          <li key={c.purpose}>
            <label class="check">
              <input
                type="checkbox"
                checked={c.granted}
                disabled={action.busy}
                onChange={(e) => change([{ purpose: c.purpose, granted: e.currentTarget.checked }])}
              />
              <code>{c.purpose}</code>
            </label>{" "}
            <span class="hint">
              {c.granted ? `granted ${formatDate(c.granted_at)}` : `withdrawn ${formatDate(c.withdrawn_at)}`}
            </span>
          </li>
        ))}
      </ul>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          change([{ purpose: purpose.trim(), granted: true }]);
          setPurpose("");
        }}
      >
        <label for="consent-purpose">Grant a purpose</label>
        <input
          id="consent-purpose"
          value={purpose}
          onInput={(e) => setPurpose(e.currentTarget.value)}
          placeholder="marketing_email"
          required
        />
        <button type="submit" disabled={action.busy}>
          Grant
        </button>
      </form>
    </section>
  );
}

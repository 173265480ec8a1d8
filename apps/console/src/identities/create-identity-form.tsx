/** Creating an identity: your id for the customer, and the named limits, credits and meta its keys share. */
import { useState } from "preact/hooks";
import { api } from "../api";
import type { Identity } from "../keys/api-key";
import { EMPTY_EXTRAS, type ExtrasForm, newExtras } from "../keys/extras-changes";
import { ExtrasFields, showMetaProblem } from "../keys/extras-fields";
import { parseMeta } from "../keys/meta-json";
import { ErrorMessage, useAction } from "../ui";

export function CreateIdentityForm({ onCreated }: { onCreated: (identity: Identity) => void }) {
  const [externalId, setExternalId] = useState("");
  const [extras, setExtras] = useState<ExtrasForm>(EMPTY_EXTRAS);
  const [metaError, setMetaError] = useState("");
  const action = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    const meta = parseMeta(extras.metaText);
    if (showMetaProblem(meta.ok ? "" : meta.error, "identity-create-meta", setMetaError, action) || !meta.ok) return;
    action.run(async () => {
      const created = await api<Identity>("POST", "/v1/identities", {
        external_id: externalId,
        ...newExtras(extras, meta.meta),
      });
      setExternalId("");
      setExtras(EMPTY_EXTRAS);
      onCreated(created);
    });
  };

  return (
    <form class="card" aria-labelledby="create-identity-heading" onSubmit={submit}>
      <h2 id="create-identity-heading">Create an identity</h2>
      <ErrorMessage error={action.error} />
      <div class="grid">
        <label for="identity-create-external_id">External id (yours for the customer, unique among yours)</label>
        <input
          id="identity-create-external_id"
          value={externalId}
          onInput={(e) => setExternalId(e.currentTarget.value)}
          placeholder="customer-42"
          required
        />
      </div>
      <ExtrasFields
        idPrefix="identity-create"
        form={extras}
        onChange={setExtras}
        error={action.error}
        metaError={metaError}
        onMetaEdited={() => setMetaError("")}
        metaLabel="Meta (a JSON object returned with each verification of its keys; empty: none)"
        creditsHint={<p class="hint">Shared: a verification with any of the identity's keys spends them.</p>}
      />
      <button type="submit" disabled={action.busy}>
        Create identity
      </button>
    </form>
  );
}

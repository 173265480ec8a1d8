/** Editing an identity's named limits, credits and meta (its external id stays); only changes are sent. */
import { useState } from "preact/hooks";
import { api } from "../api";
import type { Identity } from "../keys/api-key";
import { type ExtrasForm, extrasChanges, toExtrasForm } from "../keys/extras-changes";
import { CreditsEditHint, ExtrasFields, showMetaProblem } from "../keys/extras-fields";
import { ErrorMessage, useAction } from "../ui";

export function EditIdentityForm({ identity, onDone }: { identity: Identity; onDone: (message: string) => void }) {
  const [form, setForm] = useState<ExtrasForm>(() => toExtrasForm(identity));
  const [metaError, setMetaError] = useState("");
  const action = useAction();
  const name = identity.external_id;

  const submit = (e: Event) => {
    e.preventDefault();
    const changes = extrasChanges(identity, form);
    const problem = changes.ok ? "" : changes.metaError;
    if (showMetaProblem(problem, "identity-edit-meta", setMetaError, action) || !changes.ok) return;
    action.run(async () => {
      if (Object.keys(changes.body).length === 0) return onDone(`Nothing changed in "${name}".`);
      await api<Identity>("PATCH", `/v1/identities/${identity.id}`, changes.body);
      onDone(`Saved "${name}".`);
    });
  };

  return (
    <form class="card" aria-labelledby="edit-identity-heading" onSubmit={submit}>
      <h2 id="edit-identity-heading">Edit "{name}"</h2>
      <ErrorMessage error={action.error} />
      <ExtrasFields
        idPrefix="identity-edit"
        form={form}
        onChange={setForm}
        error={action.error}
        metaError={metaError}
        onMetaEdited={() => setMetaError("")}
        metaLabel="Meta (a JSON object; empty: none, which removes it)"
        creditsHint={<CreditsEditHint owner="identity" />}
      />
      <button type="submit" disabled={action.busy}>
        Save
      </button>
    </form>
  );
}

/** Editing a key: name, scopes, the hourly limit and quota, identity, named limits, credits and meta; only changes are sent. */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorMessage, useAction } from "../ui";
import type { ApiKey, Identity } from "./api-key";
import { CreditsEditHint, ExtrasFields, showMetaProblem } from "./extras-fields";
import { IdentityPicker } from "./identity-picker";
import { type EditForm, keyChanges, toEditForm } from "./key-changes";

interface EditKeyFormProps {
  apiKey: ApiKey;
  identities: Identity[];
  onDone: (message: string) => void;
}

export function EditKeyForm({ apiKey, identities, onDone }: EditKeyFormProps) {
  const [form, setForm] = useState<EditForm>(() => toEditForm(apiKey));
  const [metaError, setMetaError] = useState("");
  const action = useAction();
  const set = <K extends keyof EditForm>(name: K, value: EditForm[K]) => setForm({ ...form, [name]: value });
  const text = (name: "name" | "scopes" | "rateLimit" | "usageQuota") => ({
    id: `edit-${name}`,
    value: form[name],
    onInput: (e: Event) => set(name, (e.currentTarget as HTMLInputElement).value),
  });

  const submit = (e: Event) => {
    e.preventDefault();
    const changes = keyChanges(apiKey, form);
    if (showMetaProblem(changes.ok ? "" : changes.metaError, "edit-meta", setMetaError, action) || !changes.ok) return;
    action.run(async () => {
      if (Object.keys(changes.body).length === 0) return onDone(`Nothing changed in "${apiKey.name}".`);
      const saved = await api<ApiKey>("PATCH", `/v1/api-keys/${apiKey.id}`, changes.body);
      onDone(`Saved "${saved.name}".`);
    });
  };

  return (
    <form class="card" aria-labelledby="edit-key-heading" onSubmit={submit}>
      <h2 id="edit-key-heading">Edit "{apiKey.name}"</h2>
      <ErrorMessage error={action.error} />
      <div class="grid">
        <label for="edit-name">Name</label>
        <input {...text("name")} required />
        <label for="edit-scopes">Scopes</label>
        <input {...text("scopes")} />
        <label for="edit-rateLimit">Rate limit per hour</label>
        <input {...text("rateLimit")} inputMode="numeric" />
        <label for="edit-usageQuota">Lifetime quota</label>
        <input {...text("usageQuota")} inputMode="numeric" />
        <IdentityPicker
          id="edit-identity"
          value={form.identityId}
          identities={identities}
          onChange={(identityId) => set("identityId", identityId)}
        />
      </div>
      <ExtrasFields
        idPrefix="edit"
        form={form}
        onChange={(extras) => setForm({ ...form, ...extras })}
        error={action.error}
        metaError={metaError}
        onMetaEdited={() => setMetaError("")}
        metaLabel="Meta (a JSON object; empty: none, which removes it)"
        creditsHint={<CreditsEditHint owner="key" />}
      />
      <button type="submit" disabled={action.busy}>
        Save
      </button>
    </form>
  );
}

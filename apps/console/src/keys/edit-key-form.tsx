/** Editing a key: name, scopes, the hourly limit and quota, named limits, credits and meta; only changes are sent. */
import { useState } from "preact/hooks";
import { ApiProblem, api } from "../api";
import { ErrorMessage, useAction } from "../ui";
import type { ApiKey } from "./api-key";
import { CreditsFields } from "./credits-fields";
import { type EditForm, keyChanges, toEditForm } from "./key-changes";
import { refusedLimitFields } from "./limit-problems";
import { LimitsEditor } from "./limits-editor";
import { MetaField } from "./meta-field";

export function EditKeyForm({ apiKey, onDone }: { apiKey: ApiKey; onDone: (message: string) => void }) {
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
    setMetaError(changes.ok ? "" : changes.metaError);
    if (!changes.ok) {
      action.setError(null);
      document.getElementById("edit-meta")?.focus();
      return;
    }
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
      </div>
      <LimitsEditor
        rows={form.limits}
        onChange={(limits) => set("limits", limits)}
        refused={refusedLimitFields(action.error instanceof ApiProblem ? action.error.fields : [])}
      />
      <CreditsFields form={form.credits} onChange={(credits) => set("credits", credits)} idPrefix="edit">
        <p class="hint">
          A change of the refill alone keeps the credits left; a change of the count sets it to what is typed. To add or
          take credits, use the key's Details.
        </p>
      </CreditsFields>
      <MetaField
        id="edit-meta"
        label="Meta (a JSON object; empty: none, which removes it)"
        text={form.metaText}
        error={metaError}
        onInput={(metaText) => {
          set("metaText", metaText);
          setMetaError("");
        }}
      />
      <button type="submit" disabled={action.busy}>
        Save
      </button>
    </form>
  );
}

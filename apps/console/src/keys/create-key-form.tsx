/** Creating a key: name, scopes, the hourly limit and quota, its identity, named limits, credits, meta and expiry. */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorMessage, optionalInt, splitList, useAction } from "../ui";
import type { ApiKey, Identity } from "./api-key";
import { EMPTY_EXTRAS, type ExtrasForm, newExtras } from "./extras-changes";
import { ExtrasFields, showMetaProblem } from "./extras-fields";
import { IdentityPicker } from "./identity-picker";
import { parseMeta } from "./meta-json";

const EMPTY_FORM = { name: "", scopes: "", rate_limit: "", usage_quota: "", expires_in_days: "" };

interface CreateKeyFormProps {
  /** Yours, to choose the key's identity from. */
  identities: Identity[];
  onCreated: (plain: string, key: ApiKey) => void;
}

export function CreateKeyForm({ identities, onCreated }: CreateKeyFormProps) {
  const [form, setForm] = useState(EMPTY_FORM);
  const [identityId, setIdentityId] = useState("");
  const [extras, setExtras] = useState<ExtrasForm>(EMPTY_EXTRAS);
  const [metaError, setMetaError] = useState("");
  const action = useAction();
  const field = (name: keyof typeof form) => ({
    id: `create-${name}`,
    value: form[name],
    onInput: (e: Event) => setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value }),
  });

  const submit = (e: Event) => {
    e.preventDefault();
    const meta = parseMeta(extras.metaText);
    if (showMetaProblem(meta.ok ? "" : meta.error, "create-meta", setMetaError, action) || !meta.ok) return;
    action.run(async () => {
      const created = await api<{ api_key: ApiKey; plain_key: string }>("POST", "/v1/api-keys", {
        name: form.name,
        scopes: splitList(form.scopes),
        rate_limit: optionalInt(form.rate_limit),
        usage_quota: optionalInt(form.usage_quota),
        expires_in_days: optionalInt(form.expires_in_days),
        ...newExtras(extras, meta.meta),
        identity_id: identityId || undefined,
      });
      setForm(EMPTY_FORM);
      setExtras(EMPTY_EXTRAS);
      setIdentityId("");
      onCreated(created.plain_key, created.api_key);
    });
  };

  return (
    <form class="card" aria-labelledby="create-key-heading" onSubmit={submit}>
      <h2 id="create-key-heading">Create a key</h2>
      <ErrorMessage error={action.error} />
      <div class="grid">
        <label for="create-name">Name</label>
        <input {...field("name")} required />
        <label for="create-scopes">Scopes (comma separated; empty: all)</label>
        <input {...field("scopes")} placeholder="ivr:read, webhooks:*" />
        <label for="create-rate_limit">Rate limit per hour (empty: none)</label>
        <input {...field("rate_limit")} inputMode="numeric" />
        <label for="create-usage_quota">Lifetime quota (empty: none)</label>
        <input {...field("usage_quota")} inputMode="numeric" />
        <label for="create-expires_in_days">Expires in days (empty: never)</label>
        <input {...field("expires_in_days")} inputMode="numeric" />
        <IdentityPicker id="create-identity" value={identityId} identities={identities} onChange={setIdentityId} />
      </div>
      <ExtrasFields
        idPrefix="create"
        form={extras}
        onChange={setExtras}
        error={action.error}
        metaError={metaError}
        onMetaEdited={() => setMetaError("")}
        metaLabel="Meta (a JSON object returned with each verification; empty: none)"
      />
      <button type="submit" disabled={action.busy}>
        Create key
      </button>
    </form>
  );
}

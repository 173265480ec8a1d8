/** Creating a key: name, scopes, the hourly limit and quota, named limits, credits, meta and expiry. */
import { useState } from "preact/hooks";
import { ApiProblem, api } from "../api";
import { ErrorMessage, optionalInt, splitList, useAction } from "../ui";
import type { ApiKey } from "./api-key";
import { CreditsFields, type CreditsForm, EMPTY_CREDITS, toCredits } from "./credits-fields";
import { refusedLimitFields } from "./limit-problems";
import { type LimitRow, LimitsEditor, toRateLimits } from "./limits-editor";
import { MetaField } from "./meta-field";
import { parseMeta } from "./meta-json";

const EMPTY_FORM = { name: "", scopes: "", rate_limit: "", usage_quota: "", expires_in_days: "" };

export function CreateKeyForm({ onCreated }: { onCreated: (plain: string, key: ApiKey) => void }) {
  const [form, setForm] = useState(EMPTY_FORM);
  const [limits, setLimits] = useState<LimitRow[]>([]);
  const [credits, setCredits] = useState<CreditsForm>(EMPTY_CREDITS);
  const [metaText, setMetaText] = useState("");
  const [metaError, setMetaError] = useState("");
  const action = useAction();
  const field = (name: keyof typeof form) => ({
    id: `create-${name}`,
    value: form[name],
    onInput: (e: Event) => setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value }),
  });

  const submit = (e: Event) => {
    e.preventDefault();
    // Meta is checked here because the textarea is where the mistake is: the inline message sits beside it.
    const meta = parseMeta(metaText);
    setMetaError(meta.ok ? "" : meta.error);
    if (!meta.ok) {
      action.setError(null);
      document.getElementById("create-meta")?.focus();
      return;
    }
    action.run(async () => {
      const created = await api<{ api_key: ApiKey; plain_key: string }>("POST", "/v1/api-keys", {
        name: form.name,
        scopes: splitList(form.scopes),
        rate_limit: optionalInt(form.rate_limit),
        usage_quota: optionalInt(form.usage_quota),
        expires_in_days: optionalInt(form.expires_in_days),
        ratelimits: limits.length ? toRateLimits(limits) : undefined,
        credits: toCredits(credits),
        meta: meta.meta,
      });
      setForm(EMPTY_FORM);
      setLimits([]);
      setCredits(EMPTY_CREDITS);
      setMetaText("");
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
      </div>
      <LimitsEditor
        rows={limits}
        onChange={setLimits}
        refused={refusedLimitFields(action.error instanceof ApiProblem ? action.error.fields : [])}
      />
      <CreditsFields form={credits} onChange={setCredits} idPrefix="create" />
      <MetaField
        id="create-meta"
        label="Meta (a JSON object returned with each verification; empty: none)"
        text={metaText}
        error={metaError}
        onInput={(text) => {
          setMetaText(text);
          setMetaError("");
        }}
      />
      <button type="submit" disabled={action.busy}>
        Create key
      </button>
    </form>
  );
}

/**
 * The Edit form's PATCH body: only the fields the user changed, so an untouched field is never rewritten (a rewrite
 * of credits would also restart their refill clock).
 */
import { optionalInt, splitList } from "../ui";
import type { ApiKey } from "./api-key";
import { type Changes, type ExtrasForm, extrasChanges, toExtrasForm } from "./extras-changes";

export interface EditForm extends ExtrasForm {
  name: string;
  scopes: string;
  rateLimit: string;
  usageQuota: string;
  /** The identity's id; empty: none. */
  identityId: string;
}

export type KeyChanges = Changes;

/** The form as it opens on a key. */
export function toEditForm(key: ApiKey): EditForm {
  return {
    name: key.name,
    scopes: key.scopes.join(", "),
    rateLimit: key.rate_limit?.toString() ?? "",
    usageQuota: key.usage_quota?.toString() ?? "",
    ...toExtrasForm(key),
    identityId: key.identity_id ?? "",
  };
}

/** Each field that differs from the form as it opened, as the API takes it (limits, credits and meta: `extrasChanges`). */
export function keyChanges(key: ApiKey, form: EditForm): KeyChanges {
  const opened = toEditForm(key);
  const changed = (field: keyof EditForm) => JSON.stringify(form[field]) !== JSON.stringify(opened[field]);
  const extras = extrasChanges(key, form);
  if (!extras.ok) return extras;
  const body = extras.body;
  if (changed("name")) body.name = form.name;
  if (changed("scopes")) body.scopes = splitList(form.scopes);
  if (changed("rateLimit")) body.rate_limit = optionalInt(form.rateLimit);
  if (changed("usageQuota")) body.usage_quota = optionalInt(form.usageQuota);
  if (changed("identityId")) body.identity_id = form.identityId || null;
  return { ok: true, body };
}

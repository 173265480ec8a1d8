/**
 * The Edit form's PATCH body: only the fields the user changed, so an untouched field is never rewritten (a rewrite
 * of credits would also restart their refill clock).
 */
import { optionalInt, splitList } from "../ui";
import type { ApiKey } from "./api-key";
import { type CreditsForm, toCredits, toCreditsForm } from "./credits-fields";
import { type LimitRow, toLimitRows, toRateLimits } from "./limits-editor";
import { formatMeta, parseMeta } from "./meta-json";

export interface EditForm {
  name: string;
  scopes: string;
  rateLimit: string;
  usageQuota: string;
  limits: LimitRow[];
  credits: CreditsForm;
  metaText: string;
}

export type KeyChanges = { ok: true; body: Record<string, unknown> } | { ok: false; metaError: string };

/** The form as it opens on a key. */
export function toEditForm(key: ApiKey): EditForm {
  return {
    name: key.name,
    scopes: key.scopes.join(", "),
    rateLimit: key.rate_limit?.toString() ?? "",
    usageQuota: key.usage_quota?.toString() ?? "",
    limits: toLimitRows(key.ratelimits),
    credits: toCreditsForm(key.credits),
    metaText: formatMeta(key.meta),
  };
}

/**
 * Each field that differs from the form as it opened, as the API takes it: all the named limits (the API replaces
 * them whole), emptied meta as `null`, which removes it, and credits: the refill alone when only it changed (the
 * API keeps the credits left, including any spent since the form opened), else whole (none typed is `null`,
 * unlimited).
 */
export function keyChanges(key: ApiKey, form: EditForm): KeyChanges {
  const opened = toEditForm(key);
  const changed = (field: keyof EditForm) => JSON.stringify(form[field]) !== JSON.stringify(opened[field]);
  const body: Record<string, unknown> = {};
  if (changed("metaText")) {
    const meta = parseMeta(form.metaText);
    if (!meta.ok) return { ok: false, metaError: meta.error };
    body.meta = meta.meta ?? null;
  }
  if (changed("name")) body.name = form.name;
  if (changed("scopes")) body.scopes = splitList(form.scopes);
  if (changed("rateLimit")) body.rate_limit = optionalInt(form.rateLimit);
  if (changed("usageQuota")) body.usage_quota = optionalInt(form.usageQuota);
  if (changed("limits")) body.ratelimits = toRateLimits(form.limits);
  if (changed("credits")) {
    const credits = toCredits(form.credits) ?? null;
    const refillAlone = key.credits !== null && credits !== null && form.credits.remaining === opened.credits.remaining;
    body.credits = refillAlone ? { refill: credits.refill ?? null } : credits;
  }
  return { ok: true, body };
}

/**
 * What keys and identities both have, as their Edit forms hold it (named limits, credits, meta), and the PATCH body
 * for what the user changed: an untouched field is never rewritten (a rewrite of credits would also restart their
 * refill clock).
 */
import type { Credits, RateLimitConfig } from "./api-key";
import { type CreditsForm, changedCredits, EMPTY_CREDITS, toCredits, toCreditsForm } from "./credits-fields";
import { type LimitRow, toLimitRows, toRateLimits } from "./limits-editor";
import { formatMeta, parseMeta } from "./meta-json";

export interface Extras {
  ratelimits: RateLimitConfig[];
  credits: Credits | null;
  meta: Record<string, unknown> | null;
}

export interface ExtrasForm {
  limits: LimitRow[];
  credits: CreditsForm;
  metaText: string;
}

export const EMPTY_EXTRAS: ExtrasForm = { limits: [], credits: EMPTY_CREDITS, metaText: "" };

/** A create form's limits, credits and meta as the API takes them (none typed: left out). */
export function newExtras(form: ExtrasForm, meta: Record<string, unknown> | undefined) {
  return {
    ratelimits: form.limits.length ? toRateLimits(form.limits) : undefined,
    credits: toCredits(form.credits),
    meta,
  };
}

export type Changes = { ok: true; body: Record<string, unknown> } | { ok: false; metaError: string };

export function toExtrasForm(stored: Extras): ExtrasForm {
  return {
    limits: toLimitRows(stored.ratelimits),
    credits: toCreditsForm(stored.credits),
    metaText: formatMeta(stored.meta),
  };
}

/**
 * Each of them that differs from the form as it opened, as the API takes it: all the named limits (the API replaces
 * them whole), emptied meta as `null`, which removes it, and credits as `changedCredits` says.
 */
export function extrasChanges(stored: Extras, form: ExtrasForm): Changes {
  const opened = toExtrasForm(stored);
  const changed = (field: keyof ExtrasForm) => JSON.stringify(form[field]) !== JSON.stringify(opened[field]);
  const body: Record<string, unknown> = {};
  if (changed("metaText")) {
    const meta = parseMeta(form.metaText);
    if (!meta.ok) return { ok: false, metaError: meta.error };
    body.meta = meta.meta ?? null;
  }
  if (changed("limits")) body.ratelimits = toRateLimits(form.limits);
  if (changed("credits")) body.credits = changedCredits(stored.credits, form.credits);
  return { ok: true, body };
}

/** A key's credits: how many it has, and optionally a daily or monthly refill; typed on create and on edit. */
import type { ComponentChildren } from "preact";
import type { Credits } from "./api-key";

export interface CreditsForm {
  remaining: string;
  interval: "" | "daily" | "monthly";
  amount: string;
  refillDay: string;
}

export const EMPTY_CREDITS: CreditsForm = { remaining: "", interval: "", amount: "", refillDay: "1" };

/**
 * No credits and no refill is none at all (unlimited); anything else goes to the API as typed, for it to judge. A
 * refill without a count is NaN (null on the wire), refused as `credits.remaining`, rather than a silent 0.
 */
export function toCredits(form: CreditsForm): Credits | undefined {
  const typed = form.remaining.trim();
  if (typed === "" && form.interval === "") return undefined;
  const remaining = typed === "" ? Number.NaN : Number(typed);
  if (form.interval === "") return { remaining };
  const amount = Number(form.amount.trim());
  if (form.interval === "daily") return { remaining, refill: { interval: "daily", amount } };
  return { remaining, refill: { interval: "monthly", amount, refill_day: Number(form.refillDay.trim()) } };
}

/**
 * What an Edit form sends for credits the user changed: the refill alone when only it changed (the API keeps the
 * credits left, including any spent since the form opened), else the credits whole (none typed is `null`, unlimited).
 */
export function changedCredits(stored: Credits | null, form: CreditsForm): unknown {
  const credits = toCredits(form) ?? null;
  const refillAlone = stored !== null && credits !== null && form.remaining === toCreditsForm(stored).remaining;
  return refillAlone ? { refill: credits.refill ?? null } : credits;
}

/** A key's stored credits as the form shows them: none is the empty form (unlimited). */
export function toCreditsForm(credits: Credits | null): CreditsForm {
  if (credits === null) return EMPTY_CREDITS;
  const { remaining, refill } = credits;
  if (!refill) return { ...EMPTY_CREDITS, remaining: String(remaining) };
  return {
    remaining: String(remaining),
    interval: refill.interval,
    amount: String(refill.amount),
    refillDay: String(refill.refill_day ?? 1),
  };
}

interface CreditsFieldsProps {
  form: CreditsForm;
  onChange: (form: CreditsForm) => void;
  /** Starts every input's id ("create", "edit"): both forms can be on the page at once. */
  idPrefix: string;
  /** A further hint under the fieldset's own. */
  children?: ComponentChildren;
}

export function CreditsFields({ form, onChange, idPrefix, children }: CreditsFieldsProps) {
  const set = (name: keyof CreditsForm) => (e: Event) =>
    onChange({ ...form, [name]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  const id = (name: string) => `${idPrefix}-credits-${name}`;
  return (
    <fieldset>
      <legend>Credits</legend>
      <p class="hint">Each verification spends its cost in credits; a key with none left is refused until a refill.</p>
      {children}
      <div class="grid">
        <label for={id("remaining")}>Credits remaining (empty: unlimited)</label>
        <input id={id("remaining")} value={form.remaining} inputMode="numeric" onInput={set("remaining")} />
        <label for={id("interval")}>Refill</label>
        <select id={id("interval")} value={form.interval} onChange={set("interval")}>
          <option value="">never</option>
          <option value="daily">daily (at 00:00 UTC)</option>
          <option value="monthly">monthly</option>
        </select>
        {form.interval !== "" && (
          <>
            <label for={id("amount")}>Refill to</label>
            <input id={id("amount")} value={form.amount} inputMode="numeric" onInput={set("amount")} />
          </>
        )}
        {form.interval === "monthly" && (
          <>
            <label for={id("day")}>Refill on day of the month (1–31; the last day in a shorter month)</label>
            <input id={id("day")} value={form.refillDay} inputMode="numeric" onInput={set("refillDay")} />
          </>
        )}
      </div>
    </fieldset>
  );
}

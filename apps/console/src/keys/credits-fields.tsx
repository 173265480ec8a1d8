/** A new key's credits: how many it starts with, and optionally a daily or monthly refill. */
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

export function CreditsFields({ form, onChange }: { form: CreditsForm; onChange: (form: CreditsForm) => void }) {
  const set = (name: keyof CreditsForm) => (e: Event) =>
    onChange({ ...form, [name]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  return (
    <fieldset>
      <legend>Credits</legend>
      <p class="hint">Each verification spends its cost in credits; a key with none left is refused until a refill.</p>
      <div class="grid">
        <label for="create-credits-remaining">Credits remaining (empty: unlimited)</label>
        <input id="create-credits-remaining" value={form.remaining} inputMode="numeric" onInput={set("remaining")} />
        <label for="create-credits-interval">Refill</label>
        <select id="create-credits-interval" value={form.interval} onChange={set("interval")}>
          <option value="">never</option>
          <option value="daily">daily (at 00:00 UTC)</option>
          <option value="monthly">monthly</option>
        </select>
        {form.interval !== "" && (
          <>
            <label for="create-credits-amount">Refill to</label>
            <input id="create-credits-amount" value={form.amount} inputMode="numeric" onInput={set("amount")} />
          </>
        )}
        {form.interval === "monthly" && (
          <>
            <label for="create-credits-day">Refill on day of the month (1–31; the last day in a shorter month)</label>
            <input id="create-credits-day" value={form.refillDay} inputMode="numeric" onInput={set("refillDay")} />
          </>
        )}
      </div>
    </fieldset>
  );
}

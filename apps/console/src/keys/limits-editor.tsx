/** The named rate limits of a key being created or edited: one row per limit, added and removed as needed. */
import type { RateLimitConfig } from "./api-key";
import { splitDuration, toDurationMs, UNIT_LABELS, WINDOW_UNITS, type WindowUnit } from "./durations";
import { limitFieldKey } from "./limit-problems";

/** A limit as typed: text until it is sent, so a half-typed number is not lost to a re-render. */
export interface LimitRow {
  name: string;
  limit: string;
  window: string;
  unit: WindowUnit;
  autoApply: boolean;
}

/** A new row reads "… per 1 second" and applies to every verification, which is what a limit set here is usually for. */
export const NEW_LIMIT_ROW: LimitRow = { name: "", limit: "", window: "1", unit: "s", autoApply: true };

export function toRateLimits(rows: LimitRow[]): RateLimitConfig[] {
  return rows.map((row) => ({
    name: row.name.trim(),
    limit: Number(row.limit.trim()),
    duration_ms: toDurationMs(row.window, row.unit),
    auto_apply: row.autoApply,
  }));
}

/** A key's stored limits as rows, each window in the largest unit that divides it (60000 ms is "1 min"). */
export function toLimitRows(limits: RateLimitConfig[]): LimitRow[] {
  return limits.map((limit) => {
    const { amount, unit } = splitDuration(limit.duration_ms);
    return { name: limit.name, limit: String(limit.limit), window: String(amount), unit, autoApply: limit.auto_apply };
  });
}

interface LimitsEditorProps {
  rows: LimitRow[];
  onChange: (rows: LimitRow[]) => void;
  /** Inputs the API refused, as `limitFieldKey`s: marked invalid. */
  refused: Set<string>;
}

export function LimitsEditor({ rows, onChange, refused }: LimitsEditorProps) {
  const invalid = (row: number, field: keyof RateLimitConfig) =>
    refused.has(limitFieldKey(row, field)) ? "true" : undefined;
  const update = (index: number, change: Partial<LimitRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...change } : row)));
  const text = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  return (
    <fieldset>
      <legend>Named rate limits</legend>
      <p class="hint">
        Each allows so many requests per window. One that is not applied to every verification counts only when a
        verification names it.
      </p>
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="compact limits-editor">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Requests</th>
                <th scope="col">per window</th>
                <th scope="col">Every verification</th>
                <th scope="col">
                  <span class="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => {
                const n = i + 1;
                return (
                  <tr key={i}>
                    <td>
                      <input
                        aria-label={`Limit ${n} name`}
                        aria-invalid={invalid(i, "name")}
                        value={row.name}
                        placeholder="burst"
                        onInput={(e) => update(i, { name: text(e) })}
                      />
                    </td>
                    <td>
                      <input
                        aria-label={`Limit ${n} requests`}
                        aria-invalid={invalid(i, "limit")}
                        value={row.limit}
                        inputMode="numeric"
                        size={8}
                        onInput={(e) => update(i, { limit: text(e) })}
                      />
                    </td>
                    <td class="window">
                      <input
                        aria-label={`Limit ${n} window`}
                        aria-invalid={invalid(i, "duration_ms")}
                        value={row.window}
                        inputMode="decimal"
                        size={6}
                        onInput={(e) => update(i, { window: text(e) })}
                      />
                      <select
                        aria-label={`Limit ${n} window unit`}
                        value={row.unit}
                        onChange={(e) => update(i, { unit: e.currentTarget.value as WindowUnit })}
                      >
                        {WINDOW_UNITS.map((unit) => (
                          <option key={unit} value={unit}>
                            {UNIT_LABELS[unit]}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Limit ${n} applies to every verification`}
                        checked={row.autoApply}
                        onChange={(e) => update(i, { autoApply: e.currentTarget.checked })}
                      />
                    </td>
                    <td>
                      <button type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                        Remove<span class="sr-only"> limit {n}</span>
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <button type="button" onClick={() => onChange([...rows, NEW_LIMIT_ROW])}>
        Add a limit
      </button>
    </fieldset>
  );
}

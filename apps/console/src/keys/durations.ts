/** Rate-limit windows in the units a person thinks in, and back to the milliseconds the API stores. */

export const WINDOW_UNITS = ["ms", "s", "min", "h", "d"] as const;
export type WindowUnit = (typeof WINDOW_UNITS)[number];

export const UNIT_MS: Record<WindowUnit, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

export const UNIT_LABELS: Record<WindowUnit, string> = {
  ms: "milliseconds",
  s: "seconds",
  min: "minutes",
  h: "hours",
  d: "days",
};

/**
 * Milliseconds from what was typed. Nothing typed is 0 and text is NaN (sent as null): the API refuses both with a
 * message naming the field, so one place says what a valid window is, not two.
 */
export function toDurationMs(amount: string, unit: WindowUnit): number {
  return Math.round(Number(amount.trim()) * UNIT_MS[unit]);
}

/** The largest unit that divides the window exactly: 60000 is 1 min, 90000 is 90 s, 1500 is 1500 ms. */
export function splitDuration(ms: number): { amount: number; unit: WindowUnit } {
  const unit = [...WINDOW_UNITS].reverse().find((u) => ms !== 0 && ms % UNIT_MS[u] === 0) ?? "ms";
  return { amount: ms / UNIT_MS[unit], unit };
}

/** "1 s", "15 min", "1500 ms": how a limit's window reads in a list ("10 / 1 s"). */
export function formatDuration(ms: number): string {
  const { amount, unit } = splitDuration(ms);
  return `${amount} ${unit}`;
}

/** A clock tests move by hand, so schedules, leases and timestamps are exact. */

export interface ManualClock {
  now: () => Date;
  advance(ms: number): Date;
  set(date: Date): void;
}

export function manualClock(start: Date = new Date("2030-01-01T00:00:00.000Z")): ManualClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(ms) {
      current += ms;
      return new Date(current);
    },
    set(date) {
      current = date.getTime();
    },
  };
}

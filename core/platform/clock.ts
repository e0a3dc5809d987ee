/**
 * Where "now" comes from for code whose outcome depends on the time (SLA sweeps, booking
 * retries). Production uses the system clock; a test hands a sweep a clock it can move.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock fixed at `at` (tests: "run the sweep as if it were 10:48"). */
export function fixedClock(at: Date): Clock {
  return { now: () => new Date(at.getTime()) };
}

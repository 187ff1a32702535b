/**
 * The relay's one wall clock. Token expiry, signature timestamps, retry schedules, leases, replay
 * windows and stored timestamps all read it, so that a test can move the relay's time (a clock
 * jump: NTP stepping the clock, a VM resumed, a wrong clock corrected) and see every part of the
 * relay move together. Production uses the system clock; `useClock` / `shiftClock` exist for tests
 * (relay-child.ts exposes shifting over IPC to the chaos suite). Durations of one process (timeouts,
 * poll waits) use timers and performance.now(), which do not jump.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

let current: Clock = systemClock;

/** Milliseconds since the epoch, on the relay's clock. */
export function now(): number {
  return current.now();
}

export function nowDate(): Date {
  return new Date(current.now());
}

/** The last nowIso() answer and its millisecond: flags arriving together share it (toISOString is not cheap). */
let lastIsoMs = NaN;
let lastIso = '';

export function nowIso(): string {
  const ms = current.now();
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

/** Replaces the clock (tests); returns the previous one. */
export function useClock(clock: Clock): Clock {
  const previous = current;
  current = clock;
  return previous;
}

/** The system clock moved by `offsetMs` (tests: a clock jump of the relay's host). */
export function shiftClock(offsetMs: number): void {
  current = offsetMs === 0 ? systemClock : { now: () => Date.now() + offsetMs };
}

/** The one source of "now": fixed in demos and tests (FAKE_NOW), the system clock otherwise. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(instant: Date): Clock {
  return { now: () => new Date(instant.getTime()) };
}

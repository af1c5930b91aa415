/** Time as a dependency, so tests and audit records agree on what "now" was. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

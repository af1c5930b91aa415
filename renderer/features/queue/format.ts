const count = new Intl.NumberFormat(undefined);
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** 1234 → "1,234" in the operator's locale: queue counts run to six digits. */
export const formatCount = (value: number) => count.format(value);

/** "14:03:22": when a read was made, to the second, as the "as of" of a queue page. */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : clock.format(date);
}

/** Seconds between an ISO time and `now` (ms), never negative (clocks of server and workstation differ a little). */
export function secondsSince(iso: string, now: number): number {
  const then = Date.parse(iso);
  return Number.isNaN(then) ? 0 : Math.max(0, (now - then) / 1000);
}

export const plural = (n: number, word: string, words = `${word}s`) => `${formatCount(n)} ${n === 1 ? word : words}`;

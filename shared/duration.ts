/**
 * Durations as operators type them in a filter ("30m", "2h", "1d", "1h 30m", "90 seconds") and as the queue pages
 * show ages ("3 h 12 min"). Pure, so it is tested without a browser.
 */

const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86_400,
  day: 86_400,
  days: 86_400,
  w: 604_800,
  week: 604_800,
  weeks: 604_800,
};

export const DURATION_HINT = 'Write a duration such as 30m, 2h, 1d or 1h 30m.';

/** A year is far beyond any queue lifetime (Postfix gives up after 5 days by default): larger is a typing error. */
const MAX_SECONDS = 366 * 86_400;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Reads "30m", "2h", "1d", "1h30m", "1 h 30 min", "90 seconds". A bare number is refused rather than guessed: "30"
 * could be seconds or minutes, and a filter that silently means the other one deletes the wrong mail.
 */
export function parseDuration(text: string): Parsed<number> {
  const input = text.trim().toLowerCase();
  if (input === '') return { ok: false, message: DURATION_HINT };
  const part = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/y;
  let seconds = 0;
  let position = 0;
  const seen = new Set<number>();
  while (position < input.length) {
    part.lastIndex = position;
    const found = part.exec(input);
    if (!found) return { ok: false, message: /^\d+(\.\d+)?$/.test(input) ? `Add a unit: ${input}m, ${input}h or ${input}d?` : DURATION_HINT };
    const amount = Number(found[1]);
    const unit = UNIT_SECONDS[found[2] ?? ''];
    if (unit === undefined) return { ok: false, message: `“${found[2] ?? ''}” is not a unit. ${DURATION_HINT}` };
    if (seen.has(unit)) return { ok: false, message: `The same unit appears twice. ${DURATION_HINT}` };
    seen.add(unit);
    seconds += amount * unit;
    position = part.lastIndex;
  }
  const rounded = Math.round(seconds);
  if (rounded > MAX_SECONDS) return { ok: false, message: 'That is more than a year; no message waits that long.' };
  return { ok: true, value: rounded };
}

/** The shortest form parseDuration reads back to the same value: 300 → "5m", 5400 → "1h30m", 90061 → "1d1h1m1s". */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds <= 0) return '0s';
  let rest = Math.round(totalSeconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const amount = Math.floor(rest / size);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  return parts.join('');
}

/** An age for reading, two units at most: "45 s", "8 min", "3 h 12 min", "2 days 4 h". */
export function formatAge(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds)) return '?';
  const seconds = Math.max(0, Math.round(totalSeconds));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  const dayWord = `${days} day${days === 1 ? '' : 's'}`;
  return hours % 24 ? `${dayWord} ${hours % 24} h` : dayWord;
}

import { CopperError, DkimSelector } from '../../../shared/contract';

/**
 * The selector for a key prepared on `date`: the pattern with {yyyy}, {mm}, {dd} filled in (UTC), and "-2", "-3"…
 * appended when the domain already used that name — a selector is never reused, so a record deleted long ago can
 * never come back to mean a different key.
 */
export function nextSelector(pattern: string, date: Date, used: ReadonlySet<string>): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const base = pattern
    .replace(/\{yyyy\}/g, String(date.getUTCFullYear()))
    .replace(/\{mm\}/g, two(date.getUTCMonth() + 1))
    .replace(/\{dd\}/g, two(date.getUTCDate()))
    .toLowerCase();
  for (let n = 1; n < 1000; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    const valid = DkimSelector.safeParse(candidate);
    if (!valid.success) {
      throw new CopperError('INVALID_INPUT', `The selector pattern "${pattern}" gives "${candidate}", which is not a single DNS label. Change the pattern (copper dkim policy DOMAIN --pattern …).`);
    }
    if (!used.has(valid.data)) return valid.data;
  }
  throw new CopperError('INVALID_INPUT', `The selector pattern "${pattern}" has no unused name left for this date. Change the pattern.`);
}

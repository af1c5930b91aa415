import type { DnsCheckStatus, DnsCounts } from '../../../shared/contract';
import { DNS_RECORD_KIND_NAMES } from '../../../shared/contract';

export const statusLook: Record<DnsCheckStatus, { label: string; color: string }> = {
  ok: { label: 'ok', color: 'teal' },
  missing: { label: 'missing', color: 'orange' },
  mismatch: { label: 'mismatch', color: 'red' },
};

export const kindLabel = DNS_RECORD_KIND_NAMES;

/** One line for a check's outcome, e.g. "5 ok, 1 mismatched". */
export function countsInWords(counts: DnsCounts): string {
  const parts = [`${counts.ok} ok`];
  if (counts.missing) parts.push(`${counts.missing} missing`);
  if (counts.mismatch) parts.push(`${counts.mismatch} mismatched`);
  return parts.join(', ');
}

export const allOk = (counts: DnsCounts) => counts.missing === 0 && counts.mismatch === 0;

export const checkedAt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

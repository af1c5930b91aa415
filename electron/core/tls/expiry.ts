import type { TlsExpiryLevel } from '../../../shared/contract/tls';

const DAY_MS = 86_400_000;

/**
 * Whole days left until notAfter, rounded down: 0 on the last day. Once it has passed, minus the whole days since (at
 * least 1), so "-1" reads "expired a day ago" rather than a rounding artefact.
 */
export function daysLeft(notAfter: string, now: Date): number {
  const ms = Date.parse(notAfter) - now.getTime();
  return ms > 0 ? Math.floor(ms / DAY_MS) : -Math.max(1, Math.floor(-ms / DAY_MS));
}

/**
 * The warning level for a certificate ending at notAfter: the operator is told at 30, 14 and 7 days, so a renewal that
 * needs the organisation's CA (days, not minutes, on an air-gapped network) can still be done in time.
 */
export function expiryLevel(notAfter: string | null, now: Date): TlsExpiryLevel {
  if (notAfter === null) return 'none';
  if (Date.parse(notAfter) <= now.getTime()) return 'expired';
  const days = daysLeft(notAfter, now);
  if (days < 7) return 'within-7-days';
  if (days < 14) return 'within-14-days';
  if (days < 30) return 'within-30-days';
  return 'ok';
}

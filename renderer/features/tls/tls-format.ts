import type { TlsDeployment, TlsExpiryLevel, TlsListener } from '../../../shared/contract';

/** The expiry level in the operator's words, and the colour of its badge. */
export const LEVEL_LOOK: Record<TlsExpiryLevel, { label: string; color: string }> = {
  ok: { label: 'valid', color: 'teal' },
  'within-30-days': { label: 'renew within 30 days', color: 'yellow' },
  'within-14-days': { label: 'renew within 14 days', color: 'orange' },
  'within-7-days': { label: 'renew within 7 days', color: 'red' },
  expired: { label: 'expired', color: 'red' },
  none: { label: 'none deployed', color: 'gray' },
};

export const LISTENER_LABEL: Record<TlsListener, string> = {
  smtp: 'SMTP STARTTLS',
  submission: 'Submission STARTTLS',
  smtps: 'SMTPS',
  imaps: 'IMAPS',
  https: 'HTTPS (proxy)',
};

export const STATE_LOOK: Record<TlsDeployment['state'], { label: string; color: string }> = {
  writing: { label: 'in progress', color: 'blue' },
  verified: { label: 'verified', color: 'teal' },
  'rolled-back': { label: 'rolled back', color: 'orange' },
  'rollback-failed': { label: 'rollback failed', color: 'red' },
  superseded: { label: 'taken over', color: 'gray' },
};

export const day = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
export const moment = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A fingerprint short enough for a table cell; the whole one is in its title. */
export const shortFingerprint = (fingerprint: string) => `${fingerprint.slice(0, 23)}…`;

export const daysText = (days: number | null) => (days === null ? '—' : days < 0 ? `${-days} days ago` : days === 1 ? '1 day' : `${days} days`);

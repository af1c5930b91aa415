import type { DkimDomainStatus, DkimKeyState, DkimStep } from '../../../shared/contract';

export const stateColor: Record<DkimKeyState, string> = {
  prepared: 'orange',
  published: 'blue',
  active: 'teal',
  retiring: 'grape',
  retired: 'gray',
};

/** The rotate button's label: the step it takes, in the operator's words. */
export const stepLabel: Record<DkimStep, string> = {
  prepare: 'Prepare a new key',
  verify: 'Verify the record',
  activate: 'Activate the new key',
  retire: 'Retire the old key',
  wait: 'Nothing to do yet',
  resume: 'Finish the interrupted step',
};

export function recordsInWords(status: DkimDomainStatus): { text: string; color: string } {
  if (status.recordsError) return { text: 'not checked', color: 'orange' };
  if (!status.records.length) return { text: 'no key yet', color: 'gray' };
  const bad = status.records.filter((r) => r.status === 'missing' || r.status === 'mismatch');
  if (bad.length) {
    const missing = bad.filter((r) => r.status === 'missing').length;
    const mismatch = bad.length - missing;
    return { text: [missing ? `${missing} missing` : '', mismatch ? `${mismatch} mismatched` : ''].filter(Boolean).join(', '), color: 'red' };
  }
  if (status.records.every((r) => r.status === 'unchecked')) return { text: 'not checked', color: 'gray' };
  return { text: `${status.records.length} ok`, color: 'teal' };
}

export const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

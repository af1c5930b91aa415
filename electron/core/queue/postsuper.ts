import type { QueueActionResult } from '../../../shared/contract/queue';

export type QueueAction = QueueActionResult['action'];

/** postsuper's flag for each action; each reads queue IDs, one per line, from standard input when given `-`. */
export const POSTSUPER_FLAG: Record<QueueAction, string> = { hold: '-h', release: '-H', requeue: '-r', delete: '-d' };

/** The queues each action can touch: holding a held message or releasing one that is not held does nothing. */
export const ACTION_QUEUES: Record<QueueAction, readonly string[] | null> = {
  hold: ['maildrop', 'incoming', 'active', 'deferred'],
  release: ['hold'],
  requeue: null,
  delete: null,
};

/** The lines postsuper prints per ID ("postsuper: 4Bx…: placed on hold") and its totals ("Placed on hold: 3 messages"). */
export interface PostsuperReport {
  ids: Set<string>;
  totals: string[];
}

const PER_ID = /^postsuper: ([0-9A-Za-z]{5,32}): (placed on hold|released from hold|requeued|removed)$/;
const TOTAL = /^postsuper: ((?:Placed on hold|Released from hold|Requeued|Deleted): \d+ messages?)$/;

export function parsePostsuperOutput(stderr: string): PostsuperReport {
  const report: PostsuperReport = { ids: new Set(), totals: [] };
  for (const line of stderr.split('\n')) {
    const perId = PER_ID.exec(line.trim());
    if (perId?.[1]) report.ids.add(perId[1]);
    const total = TOTAL.exec(line.trim());
    if (total?.[1]) report.totals.push(total[1]);
  }
  return report;
}

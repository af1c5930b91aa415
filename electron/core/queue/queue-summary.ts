import {
  AGE_BUCKETS_MINUTES,
  QUEUE_NAMES,
  type QueueMessage,
  type QueueName,
  type QueueShape,
  type QueueSummary,
} from '../../../shared/contract/queue';
import { DeferralCauseCounter } from './deferral-causes';
import { domainOf } from './queue-filter';

export const SHAPE_ROWS = 20;
export const TOP_REASONS = 12;
export const TOP_SENDERS = 10;
const MAX_UNREADABLE_KEPT = 20;
/** qshape's name for the null sender's row. */
const NULL_SENDER_DOMAIN = 'MAILER-DAEMON';

const BUCKETS = AGE_BUCKETS_MINUTES.length + 1;

/** The parts of a summary that come from the messages alone; growth and alerts need history and thresholds. */
export type QueueFacts = Omit<QueueSummary, 'host' | 'asOf' | 'growthPerMinute' | 'alerts'>;

function bucketOf(ageMinutes: number): number {
  for (let i = 0; i < AGE_BUCKETS_MINUTES.length; i++) if (ageMinutes <= (AGE_BUCKETS_MINUTES[i] ?? 0)) return i;
  return AGE_BUCKETS_MINUTES.length;
}

class ShapeCounter {
  private readonly rows = new Map<string, number[]>();

  add(domain: string, bucket: number, count = 1): void {
    let row = this.rows.get(domain);
    if (!row) {
      row = new Array<number>(BUCKETS).fill(0);
      this.rows.set(domain, row);
    }
    row[bucket] = (row[bucket] ?? 0) + count;
  }

  shape(counting: QueueShape['counting']): QueueShape {
    const totals = [...this.rows.entries()]
      .map(([domain, buckets]) => ({ domain, total: buckets.reduce((a, b) => a + b, 0), buckets }))
      .sort((a, b) => b.total - a.total || a.domain.localeCompare(b.domain));
    const rest = totals.slice(SHAPE_ROWS);
    const others = new Array<number>(BUCKETS).fill(0);
    for (const row of rest) row.buckets.forEach((count, i) => (others[i] = (others[i] ?? 0) + count));
    return {
      counting,
      rows: totals.slice(0, SHAPE_ROWS),
      others: { domains: rest.length, total: others.reduce((a, b) => a + b, 0), buckets: others },
    };
  }
}

/**
 * Builds the summary one message at a time, so a reader can summarise while the listing streams in and nothing but
 * the counters stays in memory.
 */
export class QueueSummariser {
  private messages = 0;
  private recipients = 0;
  private bytes = 0;
  private readonly perQueue = new Map<QueueName, { messages: number; bytes: number }>(QUEUE_NAMES.map((q) => [q, { messages: 0, bytes: 0 }]));
  private oldest: string | null = null;
  private readonly recipientDomains = new ShapeCounter();
  private readonly senderDomains = new ShapeCounter();
  private readonly causes = new DeferralCauseCounter();
  private readonly senders = new Map<string, { messages: number; bytes: number }>();
  private readonly unreadable: string[] = [];
  private readonly nowMs: number;
  private lastArrival = '';
  private lastBucket = 0;

  constructor(now: Date) {
    this.nowMs = now.getTime();
  }

  add(message: QueueMessage): void {
    this.messages++;
    this.recipients += message.recipients.length;
    this.bytes += message.size;
    const queue = this.perQueue.get(message.queue);
    if (queue) {
      queue.messages++;
      queue.bytes += message.size;
    }
    if (this.oldest === null || message.arrivalTime < this.oldest) this.oldest = message.arrivalTime;
    if (message.arrivalTime !== this.lastArrival) {
      // Messages come in bursts from the same second (and share its string): compute each second's bucket once.
      this.lastArrival = message.arrivalTime;
      this.lastBucket = bucketOf(Math.max(0, (this.nowMs - Date.parse(message.arrivalTime)) / 60_000));
    }
    const bucket = this.lastBucket;
    this.senderDomains.add(message.sender === '' ? NULL_SENDER_DOMAIN : domainOf(message.sender) || message.sender.toLowerCase(), bucket);
    for (const recipient of message.recipients) this.recipientDomains.add(domainOf(recipient.address) || recipient.address.toLowerCase(), bucket);
    this.causes.addMessage(message.recipients.map((r) => r.reason));
    const sender = this.senders.get(message.sender);
    if (sender) {
      sender.messages++;
      sender.bytes += message.size;
    } else {
      this.senders.set(message.sender, { messages: 1, bytes: message.size });
    }
  }

  addUnreadable(excerpt: string): void {
    if (this.unreadable.length < MAX_UNREADABLE_KEPT) this.unreadable.push(excerpt);
  }

  facts(): QueueFacts {
    return {
      messages: this.messages,
      recipients: this.recipients,
      bytes: this.bytes,
      queues: QUEUE_NAMES.map((queue) => ({ queue, ...(this.perQueue.get(queue) ?? { messages: 0, bytes: 0 }) })),
      oldestArrivalTime: this.oldest,
      recipientDomains: this.recipientDomains.shape('recipients'),
      senderDomains: this.senderDomains.shape('messages'),
      reasons: this.causes.top(TOP_REASONS),
      topSenders: [...this.senders.entries()]
        .sort((a, b) => b[1].messages - a[1].messages || a[0].localeCompare(b[0]))
        .slice(0, TOP_SENDERS)
        .map(([sender, counts]) => ({ sender, ...counts })),
      unreadable: [...this.unreadable],
    };
  }
}

export function summarise(messages: Iterable<QueueMessage>, now: Date, unreadable: readonly string[] = []): QueueFacts {
  const summariser = new QueueSummariser(now);
  for (const message of messages) summariser.add(message);
  for (const excerpt of unreadable) summariser.addUnreadable(excerpt);
  return summariser.facts();
}

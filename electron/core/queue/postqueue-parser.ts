import { z } from 'zod';
import { QueueName, type QueueListItem } from '../../../shared/contract/queue';

/**
 * One record of `postqueue -j` exactly as Postfix 3.x prints it: one JSON object per line. Everything from the server
 * is checked against this before it becomes a QueueMessage; anything else is "unreadable" and kept verbatim.
 */
const PostqueueRecord = z.object({
  queue_name: QueueName,
  queue_id: z.string().regex(/^[0-9A-Za-z]{5,32}$/),
  arrival_time: z.number().int().nonnegative(),
  message_size: z.number().int().nonnegative(),
  sender: z.string(),
  recipients: z.array(z.object({ address: z.string(), delay_reason: z.string().optional() })),
});

/** A record longer than this (a message with very many recipients) is skipped as unreadable rather than held. */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;
/** How much of an unreadable record is kept for the operator. */
const UNREADABLE_KEPT_CHARS = 300;
const NEWLINE = 0x0a;

export interface ParserSink {
  message(message: QueueListItem): void;
  unreadable(excerpt: string): void;
}

/**
 * Splits a byte stream into records as it arrives, so the listing is never held as one string: memory stays at one
 * partial line however large the queue is. Lines are split on bytes before decoding, so a multi-byte character cut
 * between two chunks is decoded whole, and invalid UTF-8 becomes U+FFFD instead of an error.
 */
export class PostqueueParser {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Discarding the rest of an over-long record until its newline. */
  private skipping = false;
  private records = 0;
  private readonly strings = new StringPool();

  /** `host` is stamped on every message, so fleet-wide lists need no copies. */
  constructor(
    private readonly sink: ParserSink,
    private readonly host = '',
  ) {}

  get recordsRead(): number {
    return this.records;
  }

  /** True when the stream stopped in the middle of a record: the listing is incomplete. */
  get midRecord(): boolean {
    return this.pendingBytes > 0 || this.skipping;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE, start); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      if (this.skipping) {
        this.skipping = false;
      } else if (this.pendingBytes > 0) {
        this.pending.push(chunk.subarray(start, newline));
        const line = Buffer.concat(this.pending).toString('utf8');
        this.pending = [];
        this.pendingBytes = 0;
        this.line(line);
      } else {
        this.line(chunk.toString('utf8', start, newline));
      }
      start = newline + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  private hold(part: Buffer): void {
    if (this.skipping) return;
    if (this.pendingBytes + part.length > MAX_RECORD_BYTES) {
      const head = Buffer.concat(this.pending).toString('utf8', 0, UNREADABLE_KEPT_CHARS);
      this.sink.unreadable(`${head}… (a record longer than ${MAX_RECORD_BYTES / 1024 / 1024} MiB, skipped)`);
      this.pending = [];
      this.pendingBytes = 0;
      this.skipping = true;
      return;
    }
    // Copied: the chunk's buffer may be reused by the stream after this call.
    this.pending.push(Buffer.from(part));
    this.pendingBytes += part.length;
  }

  private line(text: string): void {
    if (text.trim() === '') return;
    const message = parsePostqueueLine(text, this.host, this.strings);
    if (message) {
      this.records++;
      this.sink.message(message);
    } else {
      this.sink.unreadable(text.length > UNREADABLE_KEPT_CHARS ? `${text.slice(0, UNREADABLE_KEPT_CHARS)}…` : text);
    }
  }
}

/**
 * Equal texts repeated across a queue (arrival times, the same deferral reason on 100,000 recipients) share one string,
 * which keeps a large snapshot small. Bounded, so a queue of all-different reasons cannot grow it without limit.
 */
class StringPool {
  private readonly pool = new Map<string, string>();
  private readonly times = new Map<number, string>();

  intern(text: string): string {
    const known = this.pool.get(text);
    if (known !== undefined) return known;
    if (this.pool.size < 50_000) this.pool.set(text, text);
    return text;
  }

  /**
   * A queue holds messages from relatively few distinct seconds, listed in no time order: convert each second once
   * (and share the string), up to a bound.
   */
  isoTime(epochSeconds: number): string {
    let iso = this.times.get(epochSeconds);
    if (iso === undefined) {
      iso = new Date(epochSeconds * 1000).toISOString();
      if (this.times.size < 100_000) this.times.set(epochSeconds, iso);
    }
    return iso;
  }
}

/** One line of `postqueue -j` as a queue message, or null when it is not a record Postfix would print. */
export function parsePostqueueLine(line: string, host = '', strings = new StringPool()): QueueListItem | null {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = PostqueueRecord.safeParse(json);
  if (!parsed.success) return null;
  const record = parsed.data;
  return {
    host,
    id: record.queue_id,
    queue: record.queue_name,
    arrivalTime: strings.isoTime(record.arrival_time),
    size: record.message_size,
    sender: record.sender,
    recipients: record.recipients.map((r) => ({ address: r.address, reason: r.delay_reason === undefined ? null : strings.intern(r.delay_reason) })),
  };
}

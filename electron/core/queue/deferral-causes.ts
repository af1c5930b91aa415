import type { DeferralCause } from '../../../shared/contract/queue';

type Category = DeferralCause['category'];

const MAX_CAUSE_CHARS = 200;

/**
 * The cause behind a deferral reason, with what varies between messages generalised away, so that 40,000 recipients
 * deferred by one dead relay read as one line: "connect to 127.0.0.1[127.0.0.1]:9: Connection refused" and
 * "connect to mx2.example[10.0.0.7]:25: Connection refused" are both "connect to [host]:port: Connection refused".
 */
export function normaliseReason(reason: string): string {
  const cause = reason
    // Postfix prefixes the reason once it marks a destination dead; the cause is the same.
    .replace(/^delivery temporarily suspended: /i, '')
    // mx.example.org[192.0.2.7]:25 or [2001:db8::1]:25 — the peer, then its port.
    .replace(/(?:[A-Za-z0-9.-]*)\[[0-9A-Fa-f:.]+\](?::\d+)?/g, (match) => (/\]:\d+$/.test(match) ? '[host]:port' : '[host]'))
    .replace(/<[^<>\s]*@[^<>\s]*>/g, '<address>')
    .replace(/\b[^\s<>()"]+@[A-Za-z0-9.-]+\b/g, '<address>')
    .replace(/\bname=[^\s]+/g, 'name=[domain]')
    .replace(/\bhost [A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, 'host [host]')
    // Long numbers are IDs, timestamps and sizes; SMTP codes (3 digits, x.y.z) stay.
    .replace(/\b\d{5,}\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
  return cause.length > MAX_CAUSE_CHARS ? `${cause.slice(0, MAX_CAUSE_CHARS)}…` : cause;
}

const CATEGORY_RULES: ReadonlyArray<[Category, RegExp]> = [
  ['dns', /name service error|host or domain name not found|dns|no mx|nxdomain|servfail/i],
  ['tls', /\btls\b|ssl|certificate|starttls/i],
  ['mailbox', /mailbox (?:is )?full|quota|over ?quota|mailbox unavailable|insufficient storage for user|4\.2\.2|5\.2\.2/i],
  ['policy', /greylist|rate.?limit|too many|blocked|blacklist|blocklist|spam|policy|rejected|denied|try again later|4\.7\.\d/i],
  ['timeout', /timed out|timeout/i],
  ['connection', /connection refused|connect to|lost connection|network is unreachable|no route to host|connection reset/i],
  ['resources', /insufficient system storage|disk|transport unavailable|resource|out of memory|4\.3\.\d/i],
];

export function categoryOf(reason: string): Category {
  for (const [category, pattern] of CATEGORY_RULES) if (pattern.test(reason)) return category;
  return 'other';
}

/** Counts recipients and messages per cause; the top `limit` causes, most recipients first. */
export class DeferralCauseCounter {
  private readonly causes = new Map<string, { recipients: number; messages: number; example: string; lastMessage: number }>();
  /** Normalising is regex work: each distinct raw reason is normalised once. */
  private readonly memo = new Map<string, string>();
  private messageSerial = 0;

  /** Call once per message with its recipients' reasons (nulls skipped). */
  addMessage(reasons: ReadonlyArray<string | null>): void {
    const serial = ++this.messageSerial;
    for (const reason of reasons) {
      if (reason === null || reason === '') continue;
      let cause = this.memo.get(reason);
      if (cause === undefined) {
        cause = normaliseReason(reason);
        if (this.memo.size < 10_000) this.memo.set(reason, cause);
      }
      const entry = this.causes.get(cause);
      if (!entry) {
        this.causes.set(cause, { recipients: 1, messages: 1, example: reason, lastMessage: serial });
        continue;
      }
      entry.recipients++;
      if (entry.lastMessage !== serial) {
        entry.messages++;
        entry.lastMessage = serial;
      }
    }
  }

  top(limit: number): DeferralCause[] {
    return [...this.causes.entries()]
      .sort((a, b) => b[1].recipients - a[1].recipients || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([cause, entry]) => ({
        cause,
        category: categoryOf(entry.example),
        recipients: entry.recipients,
        messages: entry.messages,
        example: entry.example.length > 1000 ? `${entry.example.slice(0, 1000)}…` : entry.example,
      }));
  }
}

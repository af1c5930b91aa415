import type { QueueFilter, QueueListItem, QueueMessage, QueueSort } from '../../../shared/contract/queue';

type Predicate = (message: QueueMessage) => boolean;

/**
 * An address pattern: with `*` or `?` a wildcard over the whole address, otherwise any part of it; always
 * case-insensitive. Built as a RegExp from escaped parts, so operator text never becomes regex syntax.
 */
export function addressMatcher(pattern: string): (address: string) => boolean {
  const lower = pattern.toLowerCase();
  if (!/[*?]/.test(lower)) return (address) => address.toLowerCase().includes(lower);
  const source = lower
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`, 'is');
  return (address) => regex.test(address);
}

/** The domain of an address, lower-cased: after the last @, without a trailing dot or bracket. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  if (at === -1) return '';
  const domain = address.slice(at + 1).toLowerCase();
  const last = domain.charCodeAt(domain.length - 1);
  return last === 0x2e || last === 0x3e ? domain.replace(/[.>]+$/, '') : domain;
}

function inDomain(domain: string, wanted: string): boolean {
  return domain === wanted || domain.endsWith(`.${wanted}`);
}

/** Every condition of the filter, as one predicate; an empty filter matches everything. */
export function compileFilter(filter: QueueFilter, now: Date): Predicate {
  const tests: Predicate[] = [];
  if (filter.queues) {
    const queues = new Set<string>(filter.queues);
    tests.push((m) => queues.has(m.queue));
  }
  if (filter.sender !== undefined) {
    const matches = addressMatcher(filter.sender);
    tests.push((m) => matches(m.sender));
  }
  if (filter.recipient !== undefined) {
    const matches = addressMatcher(filter.recipient);
    tests.push((m) => m.recipients.some((r) => matches(r.address)));
  }
  if (filter.domain !== undefined) {
    const wanted = filter.domain.toLowerCase().replace(/^@/, '').replace(/\.$/, '');
    tests.push((m) => inDomain(domainOf(m.sender), wanted) || m.recipients.some((r) => inDomain(domainOf(r.address), wanted)));
  }
  if (filter.reason !== undefined) {
    const text = filter.reason.toLowerCase();
    tests.push((m) => m.recipients.some((r) => r.reason !== null && r.reason.toLowerCase().includes(text)));
  }
  const nowMs = now.getTime();
  if (filter.olderThanSeconds !== undefined) {
    const before = nowMs - filter.olderThanSeconds * 1000;
    tests.push((m) => Date.parse(m.arrivalTime) <= before);
  }
  if (filter.youngerThanSeconds !== undefined) {
    const after = nowMs - filter.youngerThanSeconds * 1000;
    tests.push((m) => Date.parse(m.arrivalTime) >= after);
  }
  if (filter.minSize !== undefined) {
    const min = filter.minSize;
    tests.push((m) => m.size >= min);
  }
  if (filter.maxSize !== undefined) {
    const max = filter.maxSize;
    tests.push((m) => m.size <= max);
  }
  return (message) => tests.every((test) => test(message));
}

export function isEmptyFilter(filter: QueueFilter): boolean {
  return Object.values(filter).every((value) => value === undefined);
}

/** Orders messages; ties fall back to host then ID so pages are stable between calls. */
export function comparator(sort: QueueSort): (a: QueueListItem, b: QueueListItem) => number {
  const sign = sort.direction === 'desc' ? -1 : 1;
  const key = keyOf(sort.field);
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    const primary = ka < kb ? -1 : ka > kb ? 1 : 0;
    if (primary !== 0) return primary * sign;
    return a.host < b.host ? -1 : a.host > b.host ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

function keyOf(field: QueueSort['field']): (m: QueueListItem) => string | number {
  switch (field) {
    case 'arrivalTime':
      // ISO times in UTC sort as strings.
      return (m) => m.arrivalTime;
    case 'size':
      return (m) => m.size;
    case 'sender':
      return (m) => m.sender.toLowerCase();
    case 'recipient':
      return (m) => (m.recipients[0]?.address ?? '').toLowerCase();
    case 'queue':
      return (m) => m.queue;
    case 'id':
      return (m) => m.id;
    case 'host':
      return (m) => m.host;
  }
}

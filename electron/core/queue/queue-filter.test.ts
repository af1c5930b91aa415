import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QueueListItem } from '../../../shared/contract/queue';
import { addressMatcher, comparator, compileFilter, domainOf } from './queue-filter';

const now = new Date('2026-11-20T12:00:00Z');
const message = (id: string, minutesAgo: number, sender: string, recipients: Array<[string, string | null]>, size = 1000, queue: QueueListItem['queue'] = 'deferred'): QueueListItem => ({
  host: 'mx1',
  id,
  queue,
  arrivalTime: new Date(now.getTime() - minutesAgo * 60_000).toISOString(),
  size,
  sender,
  recipients: recipients.map(([address, reason]) => ({ address, reason })),
});

const queue = [
  message('AAAAA1', 5, 'alice@corp.example', [['bob@gmail.example', 'connect to x[1.2.3.4]:25: Connection refused']]),
  message('AAAAA2', 120, 'spam@hijacked.example', [['x@mail.ru.example', 'Mailbox full'], ['y@sub.corp.example', null]], 50_000),
  message('AAAAA3', 3000, '', [['postmaster@corp.example', null]], 300, 'hold'),
];
const ids = (filter: Parameters<typeof compileFilter>[0]) => queue.filter(compileFilter(filter, now)).map((m) => m.id);

describe('queue filters', () => {
  test('an empty filter matches everything', () => assert.deepEqual(ids({}), ['AAAAA1', 'AAAAA2', 'AAAAA3']));

  test('address patterns: text matches any part, wildcards the whole address, case-insensitive', () => {
    assert.deepEqual(ids({ sender: 'HIJACKED' }), ['AAAAA2']);
    assert.deepEqual(ids({ sender: '*@corp.example' }), ['AAAAA1']);
    assert.deepEqual(ids({ recipient: '?@*' }), ['AAAAA2']);
    assert.equal(addressMatcher('a.b*')('axb@c'), false, 'a dot in a pattern is a dot');
    assert.equal(addressMatcher('(x|y)*')('x@y'), false, 'regex syntax is literal text');
  });

  test('a domain covers its subdomains, for the sender or any recipient', () => {
    assert.deepEqual(ids({ domain: 'corp.example' }), ['AAAAA1', 'AAAAA2', 'AAAAA3']);
    assert.deepEqual(ids({ domain: 'ru.example' }), ['AAAAA2']);
    assert.deepEqual(ids({ domain: 'example' }), ['AAAAA1', 'AAAAA2', 'AAAAA3']);
    assert.equal(domainOf('"odd@local"@Mail.Example.'), 'mail.example');
  });

  test('reason, age, size and queue', () => {
    assert.deepEqual(ids({ reason: 'mailbox FULL' }), ['AAAAA2']);
    assert.deepEqual(ids({ olderThanSeconds: 3600 }), ['AAAAA2', 'AAAAA3']);
    assert.deepEqual(ids({ youngerThanSeconds: 3600 }), ['AAAAA1']);
    assert.deepEqual(ids({ minSize: 1000, maxSize: 1000 }), ['AAAAA1']);
    assert.deepEqual(ids({ queues: ['hold'] }), ['AAAAA3']);
    assert.deepEqual(ids({ queues: ['deferred'], olderThanSeconds: 60 }), ['AAAAA2', 'AAAAA1'].sort());
  });

  test('sorting is stable: ties fall back to the ID', () => {
    const sorted = [...queue].sort(comparator({ field: 'size', direction: 'desc' })).map((m) => m.id);
    assert.deepEqual(sorted, ['AAAAA2', 'AAAAA1', 'AAAAA3']);
    const tie = [message('B2', 1, 'a@x', []), message('B1', 1, 'a@x', [])].sort(comparator({ field: 'sender', direction: 'asc' }));
    assert.deepEqual(tie.map((m) => m.id), ['B1', 'B2']);
  });
});

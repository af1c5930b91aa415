import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_QUEUE_THRESHOLDS, type QueueMessage } from '../../../shared/contract/queue';
import { SHAPE_ROWS, summarise } from './queue-summary';
import { queueAlerts } from './queue-alerts';

const now = new Date('2026-11-20T12:00:00Z');
const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
const message = (id: string, minutesAgo: number, sender: string, recipients: string[], queue: QueueMessage['queue'] = 'deferred', size = 100): QueueMessage => ({
  id,
  queue,
  arrivalTime: at(minutesAgo),
  size,
  sender,
  recipients: recipients.map((address) => ({ address, reason: 'connect to x[1.2.3.4]:25: Connection refused' })),
});

describe('queue summary', () => {
  test('counts per queue, recipients, bytes and the oldest arrival', () => {
    const facts = summarise([message('A1', 1, 'a@x.example', ['r@y.example', 's@y.example']), message('A2', 50, '', ['t@z.example'], 'hold', 900)], now);
    assert.equal(facts.messages, 2);
    assert.equal(facts.recipients, 3);
    assert.equal(facts.bytes, 1000);
    assert.deepEqual(facts.queues.filter((q) => q.messages).map((q) => [q.queue, q.messages, q.bytes]), [['deferred', 1, 100], ['hold', 1, 900]]);
    assert.equal(facts.queues.length, 6, 'every queue, zeros included');
    assert.equal(facts.oldestArrivalTime, at(50));
  });

  test('shapes domains by age as qshape does: recipients per recipient domain, messages per sender domain', () => {
    const facts = summarise(
      [message('A1', 1, 'a@x.example', ['r@y.example', 's@y.example']), message('A2', 7, 'b@x.example', ['t@y.example']), message('A3', 5000, '', ['u@z.example'])],
      now,
    );
    const y = facts.recipientDomains.rows.find((r) => r.domain === 'y.example');
    assert.deepEqual(y?.buckets, [2, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(y?.total, 3);
    assert.deepEqual(facts.senderDomains.rows.map((r) => [r.domain, r.total]), [['x.example', 2], ['MAILER-DAEMON', 1]]);
    assert.equal(facts.senderDomains.rows[1]?.buckets[9], 1, 'older than 1280 minutes goes in the last bucket');
  });

  test('keeps the top domains and sums the rest', () => {
    const many = Array.from({ length: SHAPE_ROWS + 5 }, (_, i) => message(`M${i}XXXX`, 1, 'a@x.example', [`r@d${i}.example`]));
    const facts = summarise(many, now);
    assert.equal(facts.recipientDomains.rows.length, SHAPE_ROWS);
    assert.deepEqual([facts.recipientDomains.others.domains, facts.recipientDomains.others.total], [5, 5]);
  });

  test('top senders and causes', () => {
    const facts = summarise([message('A1', 1, 'spam@hijacked.example', ['a@b.example']), message('A2', 1, 'spam@hijacked.example', ['c@d.example']), message('A3', 1, 'ok@corp.example', ['e@f.example'])], now);
    assert.deepEqual(facts.topSenders[0], { sender: 'spam@hijacked.example', messages: 2, bytes: 200 });
    assert.deepEqual(facts.reasons.map((r) => [r.cause, r.recipients, r.messages]), [['connect to [host]:port: Connection refused', 3, 3]]);
  });

  test('alerts name what crossed which threshold', () => {
    const facts = summarise([message('A1', 2 * 24 * 60, 'a@x.example', ['r@y.example'])], now);
    const alerts = queueAlerts(facts, { ...DEFAULT_QUEUE_THRESHOLDS, deferredMessages: 1 }, 150, now);
    assert.deepEqual(alerts.map((a) => a.kind), ['deferredMessages', 'growthPerMinute', 'oldestAgeSeconds']);
    assert.match(alerts[2]?.message ?? '', /2 days/);
    assert.deepEqual(queueAlerts(summarise([], now), DEFAULT_QUEUE_THRESHOLDS, null, now), []);
  });
});

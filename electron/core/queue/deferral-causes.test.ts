import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { categoryOf, DeferralCauseCounter, normaliseReason } from './deferral-causes';

describe('deferral causes', () => {
  test('generalises peers, ports, addresses and IDs so one cause reads as one line', () => {
    const same = [
      'connect to 127.0.0.1[127.0.0.1]:9: Connection refused',
      'delivery temporarily suspended: connect to mx2.example.org[10.0.0.7]:25: Connection refused',
      'connect to [2001:db8::1]:25: Connection refused',
    ].map(normaliseReason);
    assert.deepEqual(new Set(same), new Set(['connect to [host]:port: Connection refused']));
    assert.equal(
      normaliseReason('host mx.example.org[192.0.2.1] said: 452 4.2.2 <bob@example.org>: Mailbox full (in reply to RCPT TO command)'),
      'host [host] said: 452 4.2.2 <address>: Mailbox full (in reply to RCPT TO command)',
    );
    assert.equal(
      normaliseReason('Host or domain name not found. Name service error for name=gone.example type=MX: Host not found, try again'),
      'Host or domain name not found. Name service error for name=[domain] type=MX: Host not found, try again',
    );
  });

  test('puts causes into the classes operators think in', () => {
    assert.equal(categoryOf('connect to x[1.2.3.4]:25: Connection refused'), 'connection');
    assert.equal(categoryOf('Host or domain name not found. Name service error for name=a type=MX'), 'dns');
    assert.equal(categoryOf('host x[1.2.3.4] said: 452 4.2.2 Mailbox full'), 'mailbox');
    assert.equal(categoryOf('host x[1.2.3.4] said: 450 4.7.1 Greylisted, try again later'), 'policy');
    assert.equal(categoryOf('conversation with x[1.2.3.4] timed out while receiving the initial server greeting'), 'timeout');
    assert.equal(categoryOf('TLS is required, but host x[1.2.3.4] refused to start TLS'), 'tls');
    assert.equal(categoryOf('something new'), 'other');
  });

  test('counts recipients and messages per cause, most recipients first', () => {
    const counter = new DeferralCauseCounter();
    counter.addMessage(['connect to a[1.1.1.1]:25: Connection refused', 'connect to b[2.2.2.2]:25: Connection refused']);
    counter.addMessage(['host a[1.1.1.1] said: 452 4.2.2 Mailbox full', null]);
    const top = counter.top(10);
    assert.deepEqual(
      top.map((c) => [c.cause, c.recipients, c.messages, c.category]),
      [
        ['connect to [host]:port: Connection refused', 2, 1, 'connection'],
        ['host [host] said: 452 4.2.2 Mailbox full', 1, 1, 'mailbox'],
      ],
    );
    assert.equal(top[0]?.example, 'connect to a[1.1.1.1]:25: Connection refused');
  });
});

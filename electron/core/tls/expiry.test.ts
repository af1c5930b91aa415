import assert from 'node:assert/strict';
import { test } from 'node:test';
import { daysLeft, expiryLevel } from './expiry';

const now = new Date('2026-11-21T12:00:00Z');
const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();

test('warns at 30, 14 and 7 days and names an expired certificate', () => {
  assert.equal(expiryLevel(inDays(90), now), 'ok');
  assert.equal(expiryLevel(inDays(30), now), 'ok');
  assert.equal(expiryLevel(inDays(29.5), now), 'within-30-days');
  assert.equal(expiryLevel(inDays(14), now), 'within-30-days');
  assert.equal(expiryLevel(inDays(13.9), now), 'within-14-days');
  assert.equal(expiryLevel(inDays(6.9), now), 'within-7-days');
  assert.equal(expiryLevel(inDays(0.01), now), 'within-7-days');
  assert.equal(expiryLevel(inDays(0), now), 'expired');
  assert.equal(expiryLevel(inDays(-3), now), 'expired');
  assert.equal(expiryLevel(null, now), 'none');
});

test('counts whole days left, negative once expired', () => {
  assert.equal(daysLeft(inDays(10.9), now), 10);
  assert.equal(daysLeft(inDays(0.5), now), 0);
  assert.equal(daysLeft(inDays(-0.5), now), -1);
  assert.equal(daysLeft(inDays(-1.2), now), -1);
  assert.equal(daysLeft(inDays(-2.5), now), -2);
});

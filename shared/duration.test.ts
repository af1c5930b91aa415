import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAge, formatDuration, parseDuration } from './duration';

const seconds = (text: string) => {
  const parsed = parseDuration(text);
  assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.message}`);
  return parsed.value;
};

test('reads the durations operators type: 30m, 2h, 1d, combinations and long unit names', () => {
  assert.equal(seconds('30m'), 1800);
  assert.equal(seconds('2h'), 7200);
  assert.equal(seconds('1d'), 86_400);
  assert.equal(seconds('1h30m'), 5400);
  assert.equal(seconds(' 1 h 30 min '), 5400);
  assert.equal(seconds('90 seconds'), 90);
  assert.equal(seconds('2 Days'), 172_800);
  assert.equal(seconds('1w'), 604_800);
  assert.equal(seconds('1.5h'), 5400);
});

test('refuses a bare number instead of guessing its unit, and says how to write it', () => {
  const bare = parseDuration('30');
  assert.equal(bare.ok, false);
  assert.match(bare.ok ? '' : bare.message, /30m, 30h or 30d/);
});

test('refuses empty text, unknown units, repeated units, junk and absurd lengths', () => {
  for (const text of ['', '   ', '5 parsecs', '1h 2h', 'soon', 'h', '-5m', '5m later', '400d']) {
    assert.equal(parseDuration(text).ok, false, text);
  }
});

test('writes durations back in the shortest form that reads back the same', () => {
  for (const value of [1, 59, 60, 300, 5400, 76_800, 86_400, 90_061]) {
    const text = formatDuration(value);
    assert.equal(seconds(text), value, text);
  }
  assert.equal(formatDuration(300), '5m');
  assert.equal(formatDuration(76_800), '21h20m');
  assert.equal(formatDuration(0), '0s');
});

test('shows ages in two units at most', () => {
  assert.equal(formatAge(45), '45 s');
  assert.equal(formatAge(8 * 60 + 59), '8 min');
  assert.equal(formatAge(3 * 3600 + 12 * 60), '3 h 12 min');
  assert.equal(formatAge(2 * 3600), '2 h');
  assert.equal(formatAge(86_400), '1 day');
  assert.equal(formatAge(2 * 86_400 + 4 * 3600 + 59), '2 days 4 h');
  assert.equal(formatAge(-5), '0 s');
});

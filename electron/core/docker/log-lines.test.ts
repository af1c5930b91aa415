import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogLineCollector } from './log-lines';

test('reassembles a line and a UTF-8 character cut across chunks, per stream', () => {
  const collector = new LogLineCollector();
  const euro = Buffer.from('€', 'utf8');
  collector.push('stdout', Buffer.concat([Buffer.from('pri'), euro.subarray(0, 1)]));
  collector.push('stderr', Buffer.from('warn\nsecond'));
  collector.push('stdout', Buffer.concat([euro.subarray(1), Buffer.from('ce\nnext\n')]));
  assert.deepEqual(collector.finish(), [
    { stream: 'stderr', text: 'warn' },
    { stream: 'stdout', text: 'pri€ce' },
    { stream: 'stdout', text: 'next' },
    { stream: 'stderr', text: 'second' },
  ]);
});

test('turns invalid UTF-8 into U+FFFD and keeps ANSI escapes and carriage returns verbatim', () => {
  const collector = new LogLineCollector();
  collector.push('stdout', Buffer.from([0x1b, 0x5b, 0x31, 0x6d, 0xff, 0x0d, 0x0a]));
  assert.deepEqual(collector.finish(), [{ stream: 'stdout', text: '\x1b[1m\uFFFD\r' }]);
});

test('drops the carriage return a TTY adds before each newline, and only that one', () => {
  const collector = new LogLineCollector(true);
  collector.push('stdout', Buffer.from('one\r\ntwo\r\r\n\n'));
  assert.deepEqual(
    collector.finish().map((line) => line.text),
    ['one', 'two\r', ''],
  );
});

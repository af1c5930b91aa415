import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BODY_PREVIEW_CHARS, parsePostcat } from './postcat-parser';
import { parsePostsuperOutput } from './postsuper';

// Captured from the lab: `postcat -q 857F716A68C` on a deferred message.
const captured = readFileSync(join(__dirname, 'fixtures', 'postcat-deferred.txt'), 'utf8');

describe('postcat output', () => {
  test('splits envelope, headers and body', () => {
    const message = parsePostcat(captured, false);
    assert.equal(message.queueFile, 'deferred/8/857F716A68C');
    assert.deepEqual(message.envelope.find((e) => e.name === 'sender'), { name: 'sender', value: 'sender1@src.example' });
    assert.deepEqual(message.headers.map((h) => h.name), ['Received', 'Subject', 'Message-Id', 'Date', 'From']);
    assert.match(message.headers[0]?.value ?? '', /\n\tid 857F716A68C/, 'a folded header keeps its continuation');
    assert.equal(message.bodyPreview, 'hello');
    assert.equal(message.bodyTruncated, false);
  });

  test('bounds the body preview', () => {
    const long = captured.replace('hello', 'x'.repeat(BODY_PREVIEW_CHARS * 2));
    const message = parsePostcat(long, false);
    assert.ok(message.bodyPreview.length <= BODY_PREVIEW_CHARS);
    assert.equal(message.bodyTruncated, true);
  });
});

describe('postsuper output', () => {
  test('reads the IDs it changed and its totals', () => {
    const report = parsePostsuperOutput('postsuper: 901C216A694: placed on hold\npostsuper: 857F716A68C: removed\npostsuper: Placed on hold: 1 message\npostsuper: Deleted: 3 messages\npostsuper: warning: odd\n');
    assert.deepEqual([...report.ids], ['901C216A694', '857F716A68C']);
    assert.deepEqual(report.totals, ['Placed on hold: 1 message', 'Deleted: 3 messages']);
  });
});

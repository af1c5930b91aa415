import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { QueueListItem } from '../../../shared/contract/queue';
import { MAX_RECORD_BYTES, PostqueueParser } from './postqueue-parser';

// Captured from the lab's Postfix 3.7: `postqueue -j` with two deferred messages and one on hold, and entries whose
// addresses and deferral reasons carry HTML, quotes, bidi overrides and (sanitised by Postfix) control characters.
const captured = readFileSync(join(__dirname, 'fixtures', 'postqueue-deferred-and-hold.jsonl'));
const hostile = readFileSync(join(__dirname, 'fixtures', 'postqueue-hostile.jsonl'));

function parse(chunks: Buffer[]): { messages: QueueListItem[]; unreadable: string[]; parser: PostqueueParser } {
  const messages: QueueListItem[] = [];
  const unreadable: string[] = [];
  const parser = new PostqueueParser({ message: (m) => messages.push(m), unreadable: (u) => unreadable.push(u) }, 'mx1');
  for (const chunk of chunks) parser.push(chunk);
  return { messages, unreadable, parser };
}

describe('postqueue -j parser', () => {
  test('reads every field of real records', () => {
    const { messages, unreadable, parser } = parse([captured]);
    assert.equal(unreadable.length, 0);
    assert.equal(parser.midRecord, false);
    assert.deepEqual(
      messages.map((m) => [m.id, m.queue]),
      [
        ['857F716A68C', 'deferred'],
        ['8B18216A68E', 'deferred'],
        ['901C216A694', 'hold'],
      ],
    );
    assert.deepEqual(messages[0], {
      host: 'mx1',
      id: '857F716A68C',
      queue: 'deferred',
      arrivalTime: '2026-11-21T00:01:58.000Z',
      size: 270,
      sender: 'sender1@src.example',
      recipients: [
        { address: 'other@dest1.example', reason: 'connect to 127.0.0.1[127.0.0.1]:9: Connection refused' },
        { address: 'rcpt1@dest1.example', reason: 'connect to 127.0.0.1[127.0.0.1]:9: Connection refused' },
      ],
    });
  });

  test('gives the same records however the stream is cut, even inside a multi-byte character', () => {
    const whole = parse([hostile]).messages;
    assert.equal(whole.length, 6);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < hostile.length; i += size) chunks.push(hostile.subarray(i, i + size));
      assert.deepEqual(parse(chunks).messages, whole, `chunks of ${size} bytes`);
    }
    assert.ok(whole.some((m) => m.sender.includes('\u202e')), 'the bidi override survives as a character');
    assert.ok(whole.some((m) => m.sender === '"<script>alert(1)</script>"@evil.example'));
  });

  test('turns invalid UTF-8 into replacement characters instead of failing', () => {
    const line = Buffer.concat([Buffer.from('{"queue_name": "deferred", "queue_id": "ABCDE12345", "arrival_time": 1, "message_size": 1, "sender": "a'), Buffer.from([0xff, 0xfe]), Buffer.from('@x.example", "recipients": []}\n')]);
    const { messages } = parse([line]);
    assert.equal(messages[0]?.sender, 'a\ufffd\ufffd@x.example');
  });

  test('keeps JSON-escaped control characters as characters (they are shown escaped, never interpreted)', () => {
    const { messages } = parse([Buffer.from('{"queue_name": "hold", "queue_id": "ABCDE12345", "arrival_time": 1, "message_size": 1, "sender": "\\u001b[31mred", "recipients": [{"address": "x@y", "delay_reason": "a\\nb"}]}\n')]);
    assert.equal(messages[0]?.sender, '\u001b[31mred');
    assert.equal(messages[0]?.recipients[0]?.reason, 'a\nb');
  });

  test('reports records it cannot read, verbatim and bounded, and goes on', () => {
    const text = `not json\n{"queue_name": "elsewhere", "queue_id": "ABCDE12345", "arrival_time": 1, "message_size": 1, "sender": "", "recipients": []}\n{"queue_name": "deferred", "queue_id": "A; rm -rf /", "arrival_time": 1, "message_size": 1, "sender": "", "recipients": []}\n${'x'.repeat(5000)}\n`;
    const { messages, unreadable } = parse([Buffer.from(text), captured]);
    assert.equal(messages.length, 3);
    assert.equal(unreadable.length, 4, 'bad JSON, an unknown queue, an ID that is not alphanumeric, an over-long line');
    assert.ok(unreadable.every((u) => u.length <= 301));
  });

  test('says when the stream stopped in the middle of a record', () => {
    const cut = captured.subarray(0, captured.length - 40);
    const { messages, parser } = parse([cut]);
    assert.equal(messages.length, 2);
    assert.equal(parser.midRecord, true);
  });

  test('skips a record past the size bound without holding it', () => {
    const big = Buffer.alloc(MAX_RECORD_BYTES + 10, 0x61);
    const { messages, unreadable, parser } = parse([big, Buffer.from('\n'), captured]);
    assert.equal(messages.length, 3);
    assert.equal(unreadable.length, 1);
    assert.match(unreadable[0] ?? '', /longer than 8 MiB/);
    assert.equal(parser.midRecord, false);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decode } from 'dns-packet';
import { DecodedResponse, parseAnswers, presentBytes, presentRecord, txtBytes } from './dns-answers';

const fixture = (name: string) => {
  const packet = DecodedResponse.parse(decode(Buffer.from(readFileSync(join(__dirname, 'fixtures', name), 'utf8').trim(), 'hex')));
  return packet;
};

describe('DNS answers from the lab BIND server', () => {
  test('TXT through a CNAME: the target’s records, character-strings joined, hostile bytes escaped for display', () => {
    const packet = fixture('bind-txt-via-cname.hex');
    assert.equal(packet.rcode, 'NOERROR');
    const records = parseAnswers(packet.answers, 'fixture-alias.lab.example', 'TXT');
    assert.equal(records.length, 2);
    const shown = records.map(presentRecord).sort();
    assert.deepEqual(shown, ['v=DKIM1; k=rsa; p=ABCDEF"q\\\\b\\200\\007end', 'v=spf1 -all']);
    const dkim = records.find((r) => r.type === 'TXT' && r.strings.length === 2);
    assert.ok(dkim && dkim.type === 'TXT');
    assert.deepEqual(txtBytes(dkim), Buffer.concat([Buffer.from('v=DKIM1; k=rsa; p=ABCDEF"q\\b'), Buffer.from([200, 7]), Buffer.from('end')]));
  });

  test('records at names outside the asked name’s CNAME chain are ignored', () => {
    const packet = fixture('bind-txt-via-cname.hex');
    assert.deepEqual(parseAnswers(packet.answers, 'other.lab.example', 'TXT'), []);
    const smuggled = [...packet.answers, { name: 'evil.example', type: 'TXT', data: [Buffer.from('v=spf1 +all')] }];
    assert.equal(parseAnswers(smuggled, 'fixture-alias.lab.example', 'TXT').length, 2);
  });

  test('MX: preference and exchange, names lower-cased with the final dot', () => {
    const packet = fixture('bind-mx.hex');
    const records = parseAnswers(packet.answers, 'fixture-mx.lab.example', 'MX');
    assert.deepEqual(records.map(presentRecord).sort(), ['10 mx1.lab.example.', '20 mx2.lab.example.']);
  });

  test('NXDOMAIN is an answer with no records', () => {
    const packet = fixture('bind-nxdomain.hex');
    assert.equal(packet.rcode, 'NXDOMAIN');
    assert.deepEqual(parseAnswers(packet.answers, 'nothing-here.lab.example', 'TXT'), []);
  });

  test('a record of the asked type that cannot be read is refused, not guessed', () => {
    assert.throws(() => parseAnswers([{ name: 'a.example', type: 'MX', data: { preference: 'x', exchange: 1 } }], 'a.example', 'MX'), /cannot be read/);
    assert.throws(() => parseAnswers([{ name: 'a.example', type: 'TXT', data: 'not buffers' }], 'a.example', 'TXT'), /cannot be read/);
  });

  test('a CNAME loop ends', () => {
    const loop = [
      { name: 'a.example', type: 'CNAME', data: 'b.example' },
      { name: 'b.example', type: 'CNAME', data: 'a.example' },
    ];
    assert.deepEqual(parseAnswers(loop, 'a.example', 'TXT'), []);
  });

  test('display escapes control characters, non-ASCII and backslashes, keeps the rest', () => {
    assert.equal(presentBytes(Buffer.from('ok \x1b[31m\\ é', 'utf8')), 'ok \\027[31m\\\\ \\195\\169');
  });

  test('a datagram that is not a response is refused by the header check', () => {
    const parsed = DecodedResponse.safeParse({ flag_qr: false, flag_tc: false, rcode: 'NOERROR', questions: [], answers: [] });
    assert.equal(parsed.success, false);
  });
});

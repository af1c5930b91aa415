import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExpectedRecord } from '../../../shared/contract';
import { quoteTxtString, rdataOf, renderZone, splitTxt } from './zone-file';

const dkimText = `v=DKIM1; k=rsa; p=${'B'.repeat(600)}`;

describe('TXT splitting and zone-file rendering', () => {
  test('long texts split into strings of at most 255 bytes that join back to the text', () => {
    const strings = splitTxt(dkimText);
    assert.deepEqual(strings.map((s) => s.length), [255, 255, 108]);
    assert.equal(Buffer.concat(strings).toString(), dkimText);
    assert.deepEqual(splitTxt('v=spf1 -all').map(String), ['v=spf1 -all']);
    assert.equal(splitTxt('x'.repeat(255)).length, 1);
    assert.equal(splitTxt('x'.repeat(256)).length, 2);
  });

  test('quoting escapes quotes, backslashes and non-printable bytes', () => {
    assert.equal(quoteTxtString(Buffer.from('a"b\\c\n')), '"a\\"b\\\\c\\010"');
  });

  test('rdata for nsupdate and zone files', () => {
    assert.equal(rdataOf('MX', '10 mx1.example.org.'), '10 mx1.example.org.');
    assert.equal(rdataOf('TXT', 'x'.repeat(300)), `"${'x'.repeat(255)}" "${'x'.repeat(45)}"`);
  });

  test('the fragment lists every record with absolute names, long TXT records in parentheses', () => {
    const records: ExpectedRecord[] = [
      { kind: 'mx', name: 'example.org', type: 'MX', values: ['10 mx1.example.org.', '20 mx2.example.org.'], label: 'MX' },
      { kind: 'spf', name: 'example.org', type: 'TXT', values: ['v=spf1 mx -all'], label: 'SPF' },
      { kind: 'dkim', name: 'cu-2026-11._domainkey.example.org', type: 'TXT', values: [dkimText], label: 'DKIM selector cu-2026-11' },
      { kind: 'tlsa', name: '_25._tcp.mx1.example.org', type: 'TLSA', values: ['3 1 1 abcd'], label: 'TLSA' },
    ];
    const zone = renderZone('example.org', records, { site: 'hq', generatedAt: '2026-11-21T00:00:00.000Z', warnings: ['no certificate\nknown'] });
    const lines = zone.split('\n');
    assert.ok(lines.includes('; NOTE: no certificate known'), 'a warning stays one comment line');
    assert.ok(lines.some((l) => /^example\.org\. +3600 IN MX {3}10 mx1\.example\.org\.$/.test(l)));
    assert.ok(lines.some((l) => /^example\.org\. +3600 IN MX {3}20 mx2\.example\.org\.$/.test(l)));
    assert.ok(lines.some((l) => /^example\.org\. +3600 IN TXT {2}"v=spf1 mx -all"$/.test(l)));
    assert.ok(lines.some((l) => /^_25\._tcp\.mx1\.example\.org\. +3600 IN TLSA 3 1 1 abcd$/.test(l)));
    const start = lines.findIndex((l) => l.startsWith('cu-2026-11._domainkey.example.org.'));
    assert.match(lines[start] ?? '', /IN TXT {2}\( "v=DKIM1; k=rsa; p=B+"$/);
    assert.match(lines[start + 1] ?? '', /^ +"B{255}"$/);
    assert.match(lines[start + 2] ?? '', /^ +"B{108}" \)$/);
    // What a zone-file parser would read back: the quoted strings, joined.
    const joined = [lines[start], lines[start + 1], lines[start + 2]].join(' ').match(/"([^"]*)"/g)?.map((s) => s.slice(1, -1)).join('');
    assert.equal(joined, dkimText);
  });
});

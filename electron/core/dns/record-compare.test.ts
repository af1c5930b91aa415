import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExpectedRecord } from '../../../shared/contract';
import type { FoundRecord } from './dns-answers';
import { compareRecord, difference } from './record-compare';

const txt = (...strings: string[]): FoundRecord => ({ type: 'TXT', strings: strings.map((s) => Buffer.from(s, 'latin1')) });
const mx = (preference: number, exchange: string): FoundRecord => ({ type: 'MX', preference, exchange });
const tlsa = (hex: string): FoundRecord => ({ type: 'TLSA', usage: 3, selector: 1, matchingType: 1, data: Buffer.from(hex, 'hex') });

const spf: ExpectedRecord = { kind: 'spf', name: 'example.org', type: 'TXT', values: ['v=spf1 mx -all'], label: 'SPF' };
const dmarc: ExpectedRecord = { kind: 'dmarc', name: '_dmarc.example.org', type: 'TXT', values: ['v=DMARC1; p=reject; rua=mailto:d@example.org'], label: 'DMARC' };
const dkimText = `v=DKIM1; k=rsa; p=${'A'.repeat(392)}`;
const dkim: ExpectedRecord = { kind: 'dkim', name: 'cu-2026-11._domainkey.example.org', type: 'TXT', values: [dkimText], label: 'DKIM' };
const mxSet: ExpectedRecord = { kind: 'mx', name: 'example.org', type: 'MX', values: ['10 mx1.example.org.', '20 mx2.example.org.'], label: 'MX' };
const tlsaSet: ExpectedRecord = { kind: 'tlsa', name: '_25._tcp.mx1.example.org', type: 'TLSA', values: ['3 1 1 aabbcc'], label: 'TLSA' };

describe('found against expected', () => {
  test('nothing published is missing', () => {
    const result = compareRecord(spf, []);
    assert.equal(result.status, 'missing');
    assert.deepEqual(result.found, []);
    assert.match(result.message, /No SPF record is published at example\.org/);
  });

  test('TXT compares the joined character-strings, wherever they were split', () => {
    assert.equal(compareRecord(dkim, [txt(dkimText.slice(0, 255), dkimText.slice(255))]).status, 'ok');
    assert.equal(compareRecord(dkim, [txt(dkimText.slice(0, 100), dkimText.slice(100, 101), dkimText.slice(101))]).status, 'ok');
  });

  test('TXT is byte-exact: case, spaces and a one-letter typo are mismatches naming where they differ', () => {
    const typo = compareRecord(dmarc, [txt('v=DMARC1; p=rejct; rua=mailto:d@example.org')]);
    assert.equal(typo.status, 'mismatch');
    assert.deepEqual(typo.found, ['v=DMARC1; p=rejct; rua=mailto:d@example.org']);
    assert.deepEqual(typo.values, ['v=DMARC1; p=reject; rua=mailto:d@example.org']);
    assert.match(typo.message, /differ from character 16: found “…MARC1; p=rejct; rua=mail…”, expected “…MARC1; p=reject; rua=mai…”/);
    assert.equal(compareRecord(spf, [txt('v=spf1 mx  -all')]).status, 'mismatch');
    assert.equal(compareRecord(spf, [txt('V=SPF1 MX -ALL')]).status, 'mismatch');
  });

  test('SPF looks only at SPF records among the apex TXT records', () => {
    const result = compareRecord(spf, [txt('site-verification=abc'), txt('v=spf1 mx -all')]);
    assert.equal(result.status, 'ok');
    assert.deepEqual(result.found, ['v=spf1 mx -all']);
    assert.equal(compareRecord(spf, [txt('site-verification=abc')]).status, 'missing');
  });

  test('a second SPF or DMARC record is flagged as extra even when the expected one is there', () => {
    const two = compareRecord(spf, [txt('v=spf1 mx -all'), txt('v=spf1 a ~all')]);
    assert.equal(two.status, 'mismatch');
    assert.deepEqual(two.extra, ['v=spf1 a ~all']);
    assert.match(two.message, /delete the extra record/);
    const dmarcs = compareRecord(dmarc, [txt(dmarc.values[0] ?? ''), txt('v=DMARC1; p=none')]);
    assert.equal(dmarcs.status, 'mismatch');
    assert.deepEqual(dmarcs.extra, ['v=DMARC1; p=none']);
  });

  test('unrelated TXT at the DMARC name is shown but is not an extra DMARC record', () => {
    const result = compareRecord(dmarc, [txt(dmarc.values[0] ?? ''), txt('hello')]);
    assert.equal(result.status, 'ok');
    assert.deepEqual(result.extra, []);
  });

  test('hostile TXT content is data: shown escaped, never equal by accident', () => {
    const result = compareRecord(spf, [txt('v=spf1 mx -all\x1b[2J\u00ff')]);
    assert.equal(result.status, 'mismatch');
    assert.deepEqual(result.found, ['v=spf1 mx -all\\027[2J\\255']);
    assert.match(result.message, /goes on after the expected end/);
  });

  test('MX must be exactly the expected set; names compare case-insensitively', () => {
    assert.equal(compareRecord(mxSet, [mx(20, 'MX2.example.org'), mx(10, 'mx1.example.org.')]).status, 'ok');
    const stray = compareRecord(mxSet, [mx(10, 'mx1.example.org'), mx(20, 'mx2.example.org'), mx(5, 'evil.example')]);
    assert.equal(stray.status, 'mismatch');
    assert.deepEqual(stray.extra, ['5 evil.example.']);
    const wrongPreference = compareRecord(mxSet, [mx(10, 'mx1.example.org'), mx(30, 'mx2.example.org')]);
    assert.equal(wrongPreference.status, 'mismatch');
    assert.match(wrongPreference.message, /missing 20 mx2\.example\.org\.; unexpected 30 mx2\.example\.org\./);
  });

  test('TLSA must contain the expected association; another one (a rollover) is tolerated and shown', () => {
    assert.equal(compareRecord(tlsaSet, [tlsa('AABBCC')]).status, 'ok');
    const rollover = compareRecord(tlsaSet, [tlsa('aabbcc'), tlsa('ddeeff')]);
    assert.equal(rollover.status, 'ok');
    assert.deepEqual(rollover.extra, ['3 1 1 ddeeff']);
    assert.equal(compareRecord(tlsaSet, [tlsa('ddeeff')]).status, 'mismatch');
    assert.equal(compareRecord(tlsaSet, []).status, 'missing');
  });

  test('difference names the first differing character', () => {
    assert.equal(difference(Buffer.from('abc'), Buffer.from('abc')), '');
    assert.match(difference(Buffer.from('ab'), Buffer.from('abc')), /stops at character 3/);
  });
});

describe('found against expected, bounded', () => {
  test('thousands of records at one name are shown as a bounded sample', () => {
    const many = Array.from({ length: 500 }, (_, i) => txt(`v=spf1 ip4:10.0.${Math.floor(i / 256)}.${i % 256} -all`));
    const result = compareRecord(spf, many);
    assert.equal(result.status, 'mismatch');
    assert.equal(result.found.length, 64);
    assert.equal(result.extra.length, 64);
    assert.match(result.message, /Only the first 64 of 500 records found are shown/);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Host } from '../../../shared/contract';
import { defaultPolicy, mtaStsId, policyChanges } from './dns-policy';
import { expectedRecords } from './expected-records';
import { spkiSha256 } from './record-sources';
import { parseResolverAddress } from './resolver-address';

const host = (name: string, mailNames: string[]): Host => ({
  name,
  site: 'hq',
  ssh: { user: 'copper', address: '10.0.0.5', port: 22 },
  auth: 'agent',
  jumpHost: null,
  pinnedFingerprint: null,
  mode: 'native',
  privilege: 'none',
  dockerSocket: '/var/run/docker.sock',
  tags: [],
  notes: '',
  mailNames,
  storedSecrets: [],
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
});
const hosts = [host('mx2', ['mx2.example.org']), host('mx1', ['mx1.example.org', 'smtp.example.org']), host('backup', [])];

describe('the records a domain needs', () => {
  test('default policy: every host with a mail name is an MX host, monitoring DMARC, MTA-STS testing, DANE on', () => {
    const policy = defaultPolicy('example.org', hosts, '2026-11-21T08:30:12.345Z');
    assert.deepEqual(policy.mx, [
      { host: 'mx1', preference: 10 },
      { host: 'mx2', preference: 20 },
    ]);
    assert.deepEqual(policy.dmarc, { policy: 'none', rua: 'postmaster@example.org' });
    assert.deepEqual(policy.mtaSts, { mode: 'testing', id: '20261121T083012' });
    assert.equal(mtaStsId('2026-01-02T03:04:05Z'), '20260102T030405');
    assert.equal(policy.dane, true);
  });

  test('every kind of record, at its name, with the text receivers expect', () => {
    const policy = defaultPolicy('example.org', hosts, '2026-11-21T08:30:12.345Z');
    const { records, warnings } = expectedRecords({
      domain: 'example.org',
      site: 'hq',
      policy: { ...policy, dmarc: { policy: 'reject', rua: 'dmarc@example.org' } },
      hosts,
      dkim: [{ selector: 'cu-2026-11', text: 'v=DKIM1; k=ed25519; p=abc' }],
      servedKeys: new Map([['mx1', ['aa11']]]),
    });
    const byKind = Object.fromEntries(records.map((r) => [r.kind, r]));
    assert.deepEqual(byKind.mx?.values, ['10 mx1.example.org.', '20 mx2.example.org.']);
    assert.deepEqual(byKind.spf?.values, ['v=spf1 mx -all']);
    assert.equal(byKind.dkim?.name, 'cu-2026-11._domainkey.example.org');
    assert.deepEqual(byKind.dmarc?.values, ['v=DMARC1; p=reject; rua=mailto:dmarc@example.org']);
    assert.equal(byKind.dmarc?.name, '_dmarc.example.org');
    assert.deepEqual(byKind['mta-sts']?.values, ['v=STSv1; id=20261121T083012']);
    assert.equal(byKind['tls-rpt']?.name, '_smtp._tls.example.org');
    assert.deepEqual(byKind['tls-rpt']?.values, ['v=TLSRPTv1; rua=mailto:postmaster@example.org']);
    assert.deepEqual(records.filter((r) => r.kind === 'tlsa').map((r) => [r.name, r.values]), [['_25._tcp.mx1.example.org', ['3 1 1 aa11']]]);
    assert.equal(warnings.length, 1, 'mx2 serves no known certificate');
    assert.match(warnings[0] ?? '', /no certificate that mx2 serves/);
  });

  test('what cannot be worked out becomes a warning that says how to fix it', () => {
    const { records, warnings } = expectedRecords({
      domain: 'example.org',
      site: 'hq',
      policy: { ...defaultPolicy('example.org', [], '2026-11-21T00:00:00Z'), mx: [{ host: 'backup', preference: 10 }, { host: 'gone', preference: 20 }], mtaSts: null, tlsRpt: null },
      hosts,
      dkim: [{ selector: 'bad selector!', text: 'x' }],
      servedKeys: new Map(),
    });
    assert.deepEqual(records.map((r) => r.kind), ['spf', 'dmarc']);
    assert.ok(warnings.some((w) => w.includes('copper host edit backup --mail-name')));
    assert.ok(warnings.some((w) => w.includes('names gone as an MX host')));
    assert.ok(warnings.some((w) => w.includes('"bad selector!" is not a valid DNS label')));
  });

  test('policy changes are listed part by part', () => {
    const before = defaultPolicy('example.org', hosts, '2026-11-21T00:00:00Z');
    const after = { ...before, dmarc: { policy: 'reject' as const, rua: null }, dane: false };
    assert.deepEqual(
      policyChanges('example.org', before, after).map((c) => c.target),
      ['DMARC policy of example.org', 'DANE policy of example.org'],
    );
  });

  test('DANE 3 1 1 is the SHA-256 of the certificate’s public key, as openssl computes it', () => {
    const dir = join(__dirname, 'fixtures');
    const pem = readFileSync(join(dir, 'mx1-lab-example.pem'), 'utf8');
    assert.equal(spkiSha256(pem), readFileSync(join(dir, 'mx1-lab-example.spki-sha256'), 'utf8').trim());
  });

  test('resolver addresses: IPv4 and IPv6 with or without a port, never a host name', () => {
    assert.deepEqual(parseResolverAddress('10.0.0.53'), { host: '10.0.0.53', port: 53, family: 4, text: '10.0.0.53' });
    assert.deepEqual(parseResolverAddress('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353, family: 4, text: '127.0.0.1:5353' });
    assert.deepEqual(parseResolverAddress('[fd00::53]:5353'), { host: 'fd00::53', port: 5353, family: 6, text: '[fd00::53]:5353' });
    assert.equal(parseResolverAddress('fd00::53').port, 53);
    assert.throws(() => parseResolverAddress('dns.example.org'), /not an IP address/);
    assert.throws(() => parseResolverAddress('10.0.0.53:0'), /not an IP address/);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type DnsCheckResult, type ExpectedRecord } from '../../shared/contract';
import { systemClock } from '../../electron/core/app/clock';
import { DnsService } from '../../electron/core/dns/dns.service';
import { ResolverClient } from '../../electron/core/dns/dns-client';
import { parseResolverAddress } from '../../electron/core/dns/resolver-address';
import { noServedCertificates } from '../../electron/core/dns/record-sources';
import { confirmAndRun, tempCore, type TempCore } from '../support/temp-core';
import { dig, labDns, publishRecord, publishTxt, removeRecords, txtRdata, uniqueDomain } from '../support/dns';
import { repoRoot, runCopper } from '../support/run-copper';
import { rejection } from '../support/rejection';

const PASSPHRASE = 'test-passphrase-1';
const certificate = join(repoRoot, 'electron/core/dns/fixtures/mx1-lab-example.pem');

/** A real RSA-2048 DKIM public-key record: long enough that the DNS team must split it into 255-byte strings. */
function dkimRecordText(): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
}

/** The DANE 3 1 1 digest as openssl computes it, independently of the console. */
function opensslSpkiSha256(pemFile: string): string {
  const run = spawnSync('bash', ['-c', `openssl x509 -in '${pemFile}' -pubkey -noout | openssl pkey -pubin -outform der | sha256sum`], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split(' ')[0] ?? '';
}

const byKind = (result: DnsCheckResult, kind: string) => {
  const item = result.items.find((i) => i.kind === kind);
  assert.ok(item, `no ${kind} item in ${JSON.stringify(result.items.map((i) => i.kind))}`);
  return item;
};

describe('DNS checks through the lab resolver only', () => {
  let t: TempCore;
  let domain: string;
  let dkimText: string;
  /** A DnsService with the DKIM and certificate sources the DKIM and TLS parts will supply, here given by the test. */
  let dns: DnsService;
  const published = new Set<string>();

  /** The DNS team publishes what the console asks for, record by record, from the console's own export. */
  async function publishExpected(records: ExpectedRecord[], except: string[] = []): Promise<void> {
    for (const record of records) {
      if (except.includes(record.kind)) continue;
      for (const value of record.values) {
        await publishRecord(record.name, record.type, record.type === 'TXT' ? txtRdata(value) : value);
        published.add(record.name);
      }
    }
  }

  before(async () => {
    const lab = labDns();
    t = tempCore(PASSPHRASE);
    domain = uniqueDomain('dns');
    dkimText = dkimRecordText();
    await confirmAndRun(t.client, 'inventory.sites.create', { name: 'hq', resolver: lab.resolver });
    await confirmAndRun(t.client, 'inventory.domains.create', { name: domain, site: 'hq' });
    for (const name of ['mx1', 'mx2']) {
      await confirmAndRun(t.client, 'inventory.hosts.create', {
        name,
        site: 'hq',
        ssh: { user: 'copper', address: '127.0.0.1' },
        auth: 'agent',
        mailNames: [`${name}.${domain}`],
      });
    }
    dns = new DnsService(t.core.db, systemClock, t.core.inventory, {
      dkim: { expected: async (d) => (d === domain ? [{ selector: 'cu-2026-11', text: dkimText }] : []) },
      certificates: { served: async (host) => (host.name === 'mx1' ? [readFileSync(certificate, 'utf8')] : []) },
    });
  });

  after(async () => {
    for (const name of published) await removeRecords(name).catch(() => undefined);
    t.close();
  });

  test('before the DNS team acts, every record is reported missing', async () => {
    const result = await t.client.task('dns.check', { domain });
    assert.deepEqual(result.counts, { ok: 0, missing: 5, mismatch: 0 });
    assert.equal(result.resolver, labDns().resolver);
    assert.deepEqual(byKind(result, 'mx').values, [`10 mx1.${domain}.`, `20 mx2.${domain}.`]);
  });

  test('after the DNS team publishes the exported records, every record is ok — DKIM split in 255-byte strings, TLSA as openssl computes it', async () => {
    const zone = await dns.zone(domain);
    assert.match(zone.zone, /cu-2026-11\._domainkey\./);
    const tlsa = zone.records.find((r) => r.kind === 'tlsa');
    assert.deepEqual(tlsa?.values, [`3 1 1 ${opensslSpkiSha256(certificate)}`]);
    // TLSA comes from openssl, not from the console, so the check proves the console's digest is the right one.
    await publishExpected(zone.records, ['tlsa']);
    await publishRecord(`_25._tcp.mx1.${domain}`, 'TLSA', `3 1 1 ${opensslSpkiSha256(certificate)}`);
    published.add(`_25._tcp.mx1.${domain}`);
    assert.ok(dig(`cu-2026-11._domainkey.${domain}`, 'TXT')[0]?.includes('" "'), 'the DKIM record is published as several strings');

    const progress: string[] = [];
    const result = await dns.check(domain, undefined, (p) => progress.push(p.message));
    assert.deepEqual(
      result.items.map((i) => [i.kind, i.status]),
      [['mx', 'ok'], ['spf', 'ok'], ['dkim', 'ok'], ['dmarc', 'ok'], ['mta-sts', 'ok'], ['tls-rpt', 'ok'], ['tlsa', 'ok']],
    );
    assert.deepEqual(result.counts, { ok: 7, missing: 0, mismatch: 0 });
    assert.deepEqual(byKind(result, 'dkim').found, [dkimText]);
    assert.ok(progress.some((m) => m.includes(`_dmarc.${domain} TXT`)), 'progress names each record asked for');
    assert.match(result.warnings.join(' '), /no certificate that mx2 serves/);

    const last = await t.client.query('dns.last', { domain });
    assert.equal(last?.checkedAt, result.checkedAt, 'the last check is kept for the overview');
    const [overview] = await t.client.query('dns.domains', {});
    assert.deepEqual(overview?.lastCheck?.counts, { ok: 7, missing: 0, mismatch: 0 });
  });

  test('a record published with a typo is a mismatch that shows found and expected side by side', async () => {
    const name = `_dmarc.${domain}`;
    const [expected] = byKind(await t.client.task('dns.check', { domain }), 'dmarc').values;
    assert.ok(expected);
    await removeRecords(name, 'TXT');
    const typo = expected.replace('p=none', 'p=nnoe');
    await publishTxt(name, typo);

    const result = await t.client.task('dns.check', { domain });
    const dmarc = byKind(result, 'dmarc');
    assert.equal(dmarc.status, 'mismatch');
    assert.deepEqual(dmarc.found, [typo]);
    assert.deepEqual(dmarc.values, [expected]);
    assert.match(dmarc.message, /differ from character 14: found “…=DMARC1; p=nnoe; rua=mai…”, expected “…=DMARC1; p=none; rua=mai…”/);
    assert.equal(result.counts.mismatch, 1);

    await removeRecords(name, 'TXT');
    await publishTxt(name, expected);
    assert.equal(byKind(await t.client.task('dns.check', { domain }), 'dmarc').status, 'ok');
  });

  test('a second SPF record is flagged, even next to the expected one', async () => {
    await publishTxt(domain, 'v=spf1 a ~all');
    const spf = byKind(await t.client.task('dns.check', { domain }), 'spf');
    assert.equal(spf.status, 'mismatch');
    assert.deepEqual(spf.extra, ['v=spf1 a ~all']);
    await removeRecords(domain, 'TXT');
    await publishTxt(domain, 'v=spf1 mx -all');
  });

  test('an answer too big for UDP is asked again over TCP', async () => {
    const name = `big.${domain}`;
    for (let i = 0; i < 6; i++) await publishTxt(name, `${i}-${'x'.repeat(300)}`);
    published.add(name);
    const client = new ResolverClient(parseResolverAddress(labDns().resolver));
    const lookup = await client.lookup(name, 'TXT');
    assert.equal(lookup.transport, 'tcp');
    assert.equal(lookup.records.length, 6);
    assert.equal(dig(name, 'TXT', 'tcp').length, 6);
  });

  test('a changed policy changes the expectation until the DNS team follows', async () => {
    const current = await t.client.query('dns.policy', { domain });
    assert.equal(current.isDefault, true);
    const policy = { ...current.policy, dmarc: { policy: 'reject' as const, rua: `dmarc@${domain}` } };
    const { plan } = await t.client.plan('dns.setPolicy', { domain, policy });
    assert.match(JSON.stringify(plan), /p=none, reports to postmaster@[^ ]+ → p=reject, reports to dmarc@/);
    await confirmAndRun(t.client, 'dns.setPolicy', { domain, policy });
    assert.equal((await t.client.query('dns.policy', { domain })).isDefault, false);
    const audit = await t.client.query('audit.list', {});
    assert.ok(JSON.stringify(audit).includes('dns.setPolicy'), 'the policy change is in the audit trail');

    const dmarc = byKind(await t.client.task('dns.check', { domain }), 'dmarc');
    assert.equal(dmarc.status, 'mismatch');
    assert.deepEqual(dmarc.values, [`v=DMARC1; p=reject; rua=mailto:dmarc@${domain}`]);

    const bad = await rejection(t.client.plan('dns.setPolicy', { domain, policy: { ...policy, mx: [{ host: 'nowhere', preference: 10 }] } }));
    assert.equal(bad.code, 'INVALID_INPUT');
    assert.match(bad.message, /nowhere cannot be an MX host/);
    await confirmAndRun(t.client, 'dns.setPolicy', { domain, policy: null });
  });

  test('a site without a resolver is refused with the command that fixes it', async () => {
    await confirmAndRun(t.client, 'inventory.sites.create', { name: 'branch' });
    await confirmAndRun(t.client, 'inventory.domains.create', { name: `branch.${domain}`, site: 'branch' });
    const error = await rejection(t.client.task('dns.check', { domain: `branch.${domain}` }));
    assert.equal(error.code, 'DNS_RESOLVER_MISSING');
    assert.match(error.message, /copper site edit branch --resolver IP\[:PORT\]/);
  });

  test('an unreachable resolver (closed port) is a clear error, and the console carries on', async () => {
    await confirmAndRun(t.client, 'inventory.sites.update', { name: 'branch', set: { resolver: '127.0.0.1:9' } });
    const error = await rejection(t.client.task('dns.check', { domain: `branch.${domain}` }));
    assert.equal(error.code, 'DNS_UNREACHABLE');
    assert.match(error.message, /The resolver 127\.0\.0\.1:9 cannot be reached: nothing answers DNS there/);
    assert.equal((await t.client.task('dns.check', { domain })).counts.missing, 0, 'the next check works as before');
  });

  test('a resolver that never answers times out after the configured tries', async () => {
    const silent: Socket = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    let received = 0;
    silent.on('message', () => received++);
    try {
      const quick = new DnsService(t.core.db, systemClock, t.core.inventory, { dkim: { expected: async () => [] }, certificates: noServedCertificates }, { timeoutMs: 300, udpAttempts: 2 });
      await confirmAndRun(t.client, 'inventory.sites.update', { name: 'branch', set: { resolver: `127.0.0.1:${silent.address().port}` } });
      const error = await rejection(quick.check(`branch.${domain}`));
      assert.equal(error.code, 'DNS_TIMEOUT');
      assert.match(error.message, /did not answer within 0\.3 s/);
      assert.equal(received, 2, 'two UDP tries, then it gives up');
    } finally {
      silent.close();
    }
  });

  test('a resolver that refuses the name is named as refusing', async () => {
    // The lab server is authoritative only: a domain outside its zones is refused, as a resolver that does not serve us would.
    await confirmAndRun(t.client, 'inventory.domains.create', { name: 'outside.example', site: 'hq' });
    const error = await rejection(t.client.task('dns.check', { domain: 'outside.example' }));
    assert.equal(error.code, 'DNS_REFUSED');
    assert.match(error.message, /refused to answer for outside\.example MX \(REFUSED\)/);
  });

  test('the CLI: check exits 3 while records are missing, 0 when all are ok, 1 when the resolver is unreachable; zone prints the fragment', async () => {
    const copper = (...args: string[]) => runCopper(['--data-dir', t.dir, ...args], { env: { COPPER_PASSPHRASE: PASSPHRASE } });
    const ok = await copper('dns', 'check', domain);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /5 ok, 0 missing, 0 mismatched/);

    const other = uniqueDomain('cli');
    await confirmAndRun(t.client, 'inventory.domains.create', { name: other, site: 'hq' });
    const missing = await copper('--json', 'dns', 'check', other);
    assert.equal(missing.code, 3, missing.stderr);
    const result = JSON.parse(missing.stdout) as DnsCheckResult;
    assert.deepEqual(result.counts, { ok: 0, missing: 5, mismatch: 0 });
    const human = await copper('dns', 'check', other);
    assert.equal(human.code, 3);
    assert.match(human.stdout, /MISSING {2}DMARC at _dmarc\./);
    assert.match(human.stdout, /expected {2}v=DMARC1; p=none; rua=mailto:postmaster@/);

    const zone = await copper('dns', 'zone', other);
    assert.equal(zone.code, 0, zone.stderr);
    assert.match(zone.stdout, new RegExp(`^_dmarc\\.${other.replace(/\./g, '\\.')}\\. +3600 IN TXT  "v=DMARC1; p=none; rua=mailto:postmaster@${other.replace(/\./g, '\\.')}"$`, 'm'));

    const changed = await copper('dns', 'policy', other, '--dmarc', 'quarantine', '--mx', 'mx2:5', '--mta-sts', 'off', '--yes');
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /DMARC policy of .*p=none, reports to postmaster@[^ ]+ → p=quarantine/);
    const shown = JSON.parse((await copper('--json', 'dns', 'policy', other)).stdout) as { policy: { mx: unknown; dmarc: { policy: string }; mtaSts: unknown }; isDefault: boolean };
    assert.deepEqual([shown.isDefault, shown.policy.mx, shown.policy.dmarc.policy, shown.policy.mtaSts], [false, [{ host: 'mx2', preference: 5 }], 'quarantine', null]);
    const badMx = await copper('dns', 'policy', other, '--mx', 'mx2', '--yes');
    assert.equal(badMx.code, 2);
    assert.match(badMx.stderr, /--mx takes HOST:PREFERENCE/);
    assert.equal((await copper('dns', 'policy', other, '--defaults', '--yes')).code, 0);
    assert.equal((JSON.parse((await copper('--json', 'dns', 'policy', other)).stdout) as { isDefault: boolean }).isDefault, true);

    const unreachable = await copper('dns', 'check', `branch.${domain}`);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /DNS there|did not answer/);
    const noDomain = await copper('dns', 'check', 'nowhere.example');
    assert.equal(noDomain.code, 1);
    assert.match(noDomain.stderr, /There is no domain named nowhere\.example/);
  });
});

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { CopperError, HostCreateInput, SiteCreateInput } from '../../../shared/contract';
import { tlsImport } from '../../../shared/contract/tls';
import type { Clock } from '../app/clock';
import { openDatabase, type Db } from '../db/database';
import { InventoryService } from '../inventory/inventory.service';
import { planHash, redact } from '../router/router';
import { PassphraseVault } from '../secrets/passphrase-vault';
import { OpensslLab } from './openssl-lab';
import { TlsService } from './tls.service';

/*
 * The service with real parts: SQLite with the migrations, the passphrase vault, the inventory, and openssl playing
 * the organisation's CA (Org Root → Org Issuing CA), which signs the console's requests as a real CA would.
 */
const lab = new OpensslLab();
const NAMES = ['mx1.example.org', 'mail.example.org'];
const DAY = 86_400_000;

let db: Db;
let vault: PassphraseVault;
let service: TlsService;
let dataDir: string;
const clock: Clock & { offsetMs: number } = { offsetMs: 60_000, now: () => new Date(Date.now() + clock.offsetMs) };

before(() => {
  lab.root('orgroot', '/O=Example Org/CN=Example Org Root CA');
  lab.intermediate('orgissuing', 'orgroot', '/O=Example Org/CN=Example Org Issuing CA');
});
after(() => lab.cleanup());

beforeEach(async () => {
  dataDir = join(lab.dir, `data-${Math.random().toString(16).slice(2)}`);
  db = openDatabase(join(dataDir, 'copper.db'));
  vault = new PassphraseVault({ file: join(dataDir, 'vault.bin'), passphrase: async () => 'test-passphrase-1', log2N: 12 });
  clock.offsetMs = 60_000;
  const inventory = new InventoryService(db, vault, clock);
  inventory.createSite(SiteCreateInput.parse({ name: 'hq' }));
  await inventory.createHost(HostCreateInput.parse({ name: 'mx1', site: 'hq', ssh: { user: 'root', address: '10.0.0.5', port: 22 }, auth: 'agent' }));
  service = new TlsService(db, vault, clock, inventory);
});

afterEach(() => db.close());

const reason = (expected: string, code = 'INVALID_INPUT') => (error: unknown) =>
  error instanceof CopperError && error.code === code && (error.details as { reason?: string } | undefined)?.reason === expected;
const importInput = (extra: object) => tlsImport.input.parse({ host: 'mx1', names: NAMES, ...extra });
const trustOrgRoot = () => service.trustAuthority({ name: 'example-org-root', site: 'hq', certificatePem: lab.read('orgroot.pem') });

/** Every byte the console wrote to its data folder, as text, to look for key material. */
const dataFolderBytes = () => {
  db.pragma('wal_checkpoint(FULL)');
  return readdirSync(dataDir).map((f) => readFileSync(join(dataDir, f)).toString('latin1')).join('\n');
};

test('request → the organisation’s CA signs → import pairs the certificate with the key kept since the request', async () => {
  const planned = service.planCsr({ host: 'mx1', names: NAMES, algorithm: 'ecdsa-p256' });
  assert.equal(planHash(planned), planHash(service.planCsr({ host: 'mx1', names: NAMES, algorithm: 'ecdsa-p256' })), 'the plan is the same when shown and when confirmed');
  const { record, csrPem } = await service.createCsr({ host: 'mx1', names: NAMES, algorithm: 'ecdsa-p256', organisation: 'Example Org' });
  assert.equal(record.state, 'awaiting-certificate');
  assert.ok(record.hasPrivateKey);
  const stored = await vault.get(`tls/${1}/${record.id}`);
  assert.match(stored ?? '', /BEGIN PRIVATE KEY/, 'the key is in the vault under tls/<hostId>/<certificateId>');

  // The organisation's CA (openssl) signs the request.
  lab.write('req.csr', csrPem);
  lab.write('req.ext', `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${NAMES.join(',DNS:')}\n`);
  lab.run(['x509', '-req', '-in', 'req.csr', '-CA', 'orgissuing.pem', '-CAkey', 'orgissuing.key', '-CAcreateserial', '-days', '365', '-extfile', 'req.ext', '-out', 'signed.pem']);
  trustOrgRoot();

  const input = importInput({ chainPem: lab.read('signed.pem') + lab.read('orgissuing.pem') });
  const plan = await service.planImport(input);
  assert.equal(plan.keySource, 'request');
  assert.deepEqual(plan.validation.findings, []);
  assert.equal(planHash(plan), planHash(await service.planImport(input)));
  const imported = await service.importCertificate(input);
  assert.equal(imported.id, record.id);
  assert.equal(imported.state, 'ready');
  assert.deepEqual(imported.findings, []);
  assert.equal(imported.certificate?.issuer, 'O=Example Org, CN=Example Org Issuing CA');
  // The deployed chain is leaf then intermediate, and openssl verifies it to the root.
  lab.write('deploy.pem', imported.chainPem ?? '');
  assert.equal(lab.attempt(['verify', '-CAfile', 'orgroot.pem', '-untrusted', 'deploy.pem', 'signed.pem']).status, 0);
  assert.ok((await service.privateKeyOf(record.id)) && (await service.list('mx1')).length === 1);
});

test('the internal CA issues for a host: openssl verifies it, the key matches, nothing secret lands in SQLite', async () => {
  service.planCreateAuthority({ name: 'hq-ca', site: 'hq', commonName: 'HQ Mail CA', algorithm: 'ecdsa-p256', validityDays: 3650, permittedDomains: ['example.org'] });
  const authority = await service.createAuthority({ name: 'hq-ca', site: 'hq', commonName: 'HQ Mail CA', algorithm: 'ecdsa-p256', validityDays: 3650, permittedDomains: ['example.org'] });
  assert.equal(authority.kind, 'internal');
  const record = await service.issue({ host: 'mx1', names: NAMES, authority: 'hq-ca', algorithm: 'rsa-2048', validityDays: 397 });
  assert.equal(record.source, 'internal-ca');
  assert.equal(record.authority, 'hq-ca');
  assert.deepEqual(record.findings, []);
  lab.write('hq-ca.pem', authority.certificatePem);
  lab.write('issued.pem', record.chainPem ?? '');
  assert.equal(lab.run(['verify', '-CAfile', 'hq-ca.pem', '-purpose', 'sslserver', 'issued.pem']).trim(), 'issued.pem: OK');
  const key = await service.privateKeyOf(record.id);
  lab.write('issued.key', key.export({ type: 'pkcs8', format: 'pem' }).toString());
  assert.equal(lab.run(['x509', '-in', 'issued.pem', '-noout', '-pubkey']), lab.run(['pkey', '-in', 'issued.key', '-pubout']));

  const everything = dataFolderBytes();
  assert.ok(!everything.includes('PRIVATE KEY'), 'no PEM private key in SQLite or the vault file');
  const keyBody = lab.read('issued.key').split('\n')[1] ?? '';
  assert.ok(keyBody.length > 40 && !everything.includes(keyBody), 'not even a line of the key');
  assert.ok(everything.includes('tls/1/'), 'SQLite holds the secret reference only');
});

test('the internal CA can sign a pending request, keeping the request’s key', async () => {
  await service.createAuthority({ name: 'hq-ca', commonName: 'HQ Mail CA', algorithm: 'ecdsa-p256', validityDays: 3650, permittedDomains: [] });
  const { record } = await service.createCsr({ host: 'mx1', names: NAMES, algorithm: 'ecdsa-p256' });
  const issued = await service.issue({ host: 'mx1', names: NAMES, authority: 'hq-ca', algorithm: 'ecdsa-p256', request: record.id, validityDays: 90 });
  assert.equal(issued.id, record.id);
  assert.equal(issued.certificate?.spkiSha256, record.spkiSha256);
  await assert.rejects(service.issue({ host: 'mx1', names: NAMES, authority: 'hq-ca', algorithm: 'ecdsa-p256', request: record.id, validityDays: 90 }), /already has its certificate/);
});

test('a PKCS#12 imports with its password; a wrong password is refused and stores nothing', async () => {
  trustOrgRoot();
  lab.server('p12', 'orgissuing', NAMES);
  lab.run(['pkcs12', '-export', '-in', 'p12.pem', '-inkey', 'p12.key', '-certfile', 'orgissuing.pem', '-out', 'mx1.p12', '-passout', 'pass:export-pw']);
  const pkcs12Base64 = lab.bytes('mx1.p12').toString('base64');
  await assert.rejects(service.planImport(importInput({ pkcs12Base64, password: 'guess' })), reason('PKCS12_PASSWORD_WRONG', 'KEY_PASSPHRASE_WRONG'));
  assert.deepEqual(service.list(), []);
  const plan = await service.planImport(importInput({ pkcs12Base64, password: 'export-pw' }));
  assert.equal(plan.keySource, 'pkcs12');
  assert.ok(plan.changes.some((c) => c.target === 'private key for mx1'));
  const record = await service.importCertificate(importInput({ pkcs12Base64, password: 'export-pw' }));
  assert.equal(record.source, 'import');
  assert.deepEqual(record.findings, []);
  assert.equal(record.chainPem?.match(/BEGIN CERTIFICATE/g)?.length, 2);
});

test('bad imports: wrong host and missing intermediate are named in the plan; a key that does not match is refused', async () => {
  trustOrgRoot();
  lab.server('other', 'orgissuing', ['mx9.example.org']);
  lab.key('stranger');
  const wrongHost = await service.planImport(importInput({ chainPem: lab.read('other.pem') + lab.read('orgissuing.pem'), privateKeyPem: lab.read('other.key') }));
  assert.deepEqual(wrongHost.validation.findings.map((f) => [f.code, f.name]), [['TLS_NAME_NOT_COVERED', 'mx1.example.org'], ['TLS_NAME_NOT_COVERED', 'mail.example.org']]);
  assert.ok(wrongHost.warnings.some((w) => /cannot be deployed until the errors above are fixed/.test(w)));

  const noIntermediate = await service.planImport(importInput({ chainPem: lab.read('other.pem'), privateKeyPem: lab.read('other.key'), names: ['mx9.example.org'] }));
  assert.deepEqual(noIntermediate.validation.findings.map((f) => f.code), ['TLS_CHAIN_INCOMPLETE']);
  assert.match(noIntermediate.warnings.join(' '), /missing the intermediate certificate "O=Example Org, CN=Example Org Issuing CA"/);

  const mismatch = importInput({ chainPem: lab.read('other.pem'), privateKeyPem: lab.read('stranger.key') });
  await assert.rejects(service.planImport(mismatch), reason('KEY_MISMATCH'));
  await assert.rejects(service.importCertificate(mismatch), reason('KEY_MISMATCH'));
  await assert.rejects(service.importCertificate(importInput({ chainPem: lab.read('other.pem') })), (e: unknown) => reason('KEY_MISMATCH')(e) && /No private key came with/.test((e as Error).message));
  await assert.rejects(service.planImport(importInput({ chainPem: '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----' })), reason('PEM_MALFORMED'));
  assert.deepEqual(service.list(), [], 'nothing was stored');
});

test('the status re-validates as time passes: expiring soon, then expired', async () => {
  await service.createAuthority({ name: 'hq-ca', commonName: 'HQ Mail CA', algorithm: 'ecdsa-p256', validityDays: 3650, permittedDomains: [] });
  await service.issue({ host: 'mx1', names: NAMES, authority: 'hq-ca', algorithm: 'ecdsa-p256', validityDays: 90 });
  assert.deepEqual(service.list()[0]?.findings, []);
  clock.offsetMs = 70 * DAY;
  assert.deepEqual(service.list()[0]?.findings.map((f) => f.code), ['TLS_EXPIRING_SOON']);
  clock.offsetMs = 91 * DAY;
  assert.deepEqual(service.list()[0]?.findings.map((f) => f.code), ['TLS_EXPIRED']);
});

test('trusting a CA takes only a CA certificate, never a key; inspect validates against the host’s site', async () => {
  assert.throws(() => service.trustAuthority({ name: 'bad', certificatePem: lab.read('orgroot.pem') + lab.read('orgroot.key') }), reason('CA_CERTIFICATE_UNFIT'));
  lab.server('leafonly', 'orgissuing', NAMES);
  assert.throws(() => service.planTrustAuthority({ name: 'bad', certificatePem: lab.read('leafonly.pem') }), reason('CA_CERTIFICATE_UNFIT'));
  const before = service.inspect({ chainPem: lab.read('leafonly.pem') + lab.read('orgissuing.pem'), expectedNames: NAMES, host: 'mx1', warningDays: 30 });
  assert.deepEqual(before.findings.map((f) => f.code), ['TLS_NO_CA_CONFIGURED']);
  trustOrgRoot();
  const after = service.inspect({ chainPem: lab.read('leafonly.pem') + lab.read('orgissuing.pem'), privateKeyPem: lab.read('leafonly.key'), expectedNames: NAMES, host: 'mx1', warningDays: 30 });
  assert.deepEqual(after.findings, []);
  assert.equal(after.chain.length, 3);
});

test('the contract redacts keys, PKCS#12 files and passwords from the audit, and normalises names', () => {
  const input = importInput({ chainPem: 'x', privateKeyPem: 'SECRET-KEY', names: ['MX1.Example.ORG.'] });
  assert.deepEqual(input.names, ['mx1.example.org']);
  const audited = JSON.stringify(redact({ ...input, pkcs12Base64: 'SECRET-P12', password: 'SECRET-PW' }, tlsImport.secretFields));
  assert.ok(!/SECRET/.test(audited));
  assert.throws(() => tlsImport.input.parse({ host: 'mx1', names: NAMES }), /either a PEM chain or a PKCS#12 file/);
  assert.throws(() => tlsImport.input.parse({ host: 'mx1', names: ['not a name'], chainPem: 'x' }));
});

test('forgetting a host erases its keys from the vault', async () => {
  const { record } = await service.createCsr({ host: 'mx1', names: NAMES, algorithm: 'ecdsa-p256' });
  assert.ok(await vault.get(`tls/1/${record.id}`));
  assert.equal(await service.forgetHost('mx1'), 1);
  assert.equal(await vault.get(`tls/1/${record.id}`), undefined);
  assert.deepEqual(service.list(), []);
});

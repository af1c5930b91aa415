import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { TlsFindingCode, TlsValidation } from '../../../shared/contract/tls';
import { parseCertificateDer, parseChainPem, type ParsedCertificate } from './certificate-info';
import { createRootAuthority, issueServerCertificate } from './internal-ca';
import { generatePrivateKey } from './keys';
import { OpensslLab } from './openssl-lab';
import { validateCertificate } from './validate';

/*
 * The organisation's PKI, made by openssl: Org Root → Org Issuing CA → mx1 (mx1.example.org, mail.example.org).
 * Each bad input of issue 5 is one test, and each names the cause as the operator needs it.
 */
const lab = new OpensslLab();
// A minute ahead of the moment openssl issues the fixtures, which it dates to the second it runs.
const now = new Date(Date.now() + 60_000);
const NAMES = ['mx1.example.org', 'mail.example.org'];
let root: ParsedCertificate;
let intermediate: ParsedCertificate;
let leaf: ParsedCertificate;

const certs = (...names: string[]): ParsedCertificate[] => names.flatMap((n) => parseChainPem(lab.read(`${n}.pem`)).certificates);
const keyOf = (name: string) => createPrivateKey(lab.read(`${name}.key`));
const codes = (v: TlsValidation): TlsFindingCode[] => v.findings.map((f) => f.code);
const finding = (v: TlsValidation, code: TlsFindingCode) => {
  const found = v.findings.find((f) => f.code === code);
  assert.ok(found, `expected ${code}, got ${JSON.stringify(v.findings, null, 1)}`);
  return found;
};

before(() => {
  lab.root('root', '/O=Example Org/CN=Example Org Root CA');
  lab.intermediate('issuing', 'root', '/O=Example Org/CN=Example Org Issuing CA');
  lab.server('mx1', 'issuing', NAMES);
  [root, intermediate, leaf] = [...certs('root'), ...certs('issuing'), ...certs('mx1')] as [ParsedCertificate, ParsedCertificate, ParsedCertificate];
});
after(() => lab.cleanup());

test('a good chain with its key has no findings and builds leaf → intermediate → configured root', () => {
  const v = validateCertificate({ chain: [leaf, intermediate], privateKey: keyOf('mx1'), expectedNames: NAMES, trustAnchors: [root], now });
  assert.deepEqual(v.findings, []);
  assert.equal(v.deployable, true);
  assert.deepEqual(v.chain.map((c) => c.commonName), ['mx1.example.org', 'Example Org Issuing CA', 'Example Org Root CA']);
  assert.equal(v.leaf.subject, 'CN=mx1.example.org');
  assert.equal(v.leaf.issuer, 'O=Example Org, CN=Example Org Issuing CA');
  assert.deepEqual(v.leaf.dnsNames, NAMES);
});

test('fingerprints agree with openssl: the certificate SHA-256 and the SPKI SHA-256 of a TLSA 3 1 1 record', () => {
  const fingerprint = lab.run(['x509', '-in', 'mx1.pem', '-noout', '-fingerprint', '-sha256']).trim().split('=')[1];
  assert.equal(leaf.summary.fingerprintSha256, fingerprint);
  // The usual TLSA 3 1 1 recipe: openssl x509 -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256.
  lab.write('mx1.pub.pem', lab.run(['x509', '-in', 'mx1.pem', '-noout', '-pubkey']));
  lab.run(['pkey', '-pubin', '-in', 'mx1.pub.pem', '-outform', 'DER', '-out', 'mx1.pub.der']);
  assert.equal(leaf.summary.spkiSha256, lab.run(['dgst', '-sha256', '-r', 'mx1.pub.der']).split(' ')[0]);
});

test('the chain may come in any order: the leaf is found and the chain still builds', () => {
  const v = validateCertificate({ chain: [intermediate, leaf], expectedNames: NAMES, trustAnchors: [root], now });
  assert.deepEqual(v.findings, []);
  assert.equal(v.leaf.commonName, 'mx1.example.org');
});

test('a certificate for the wrong host names each mail name it does not cover', () => {
  const v = validateCertificate({ chain: [leaf, intermediate], expectedNames: ['mx2.example.org', 'mail.example.org', 'smtp.example.org'], trustAnchors: [root], now });
  assert.deepEqual(codes(v), ['TLS_NAME_NOT_COVERED', 'TLS_NAME_NOT_COVERED']);
  assert.deepEqual(v.findings.map((f) => f.name), ['mx2.example.org', 'smtp.example.org']);
  assert.match(v.findings[0]?.message ?? '', /does not cover the mail name mx2\.example\.org \(it names mx1\.example\.org, mail\.example\.org\)/);
  assert.equal(v.deployable, false);
});

test('a wildcard covers one label only, and a certificate without SANs covers nothing', () => {
  lab.server('wild', 'issuing', ['*.example.org']);
  const wild = certs('wild');
  const v = validateCertificate({ chain: [...wild, intermediate], expectedNames: ['mx1.example.org', 'a.b.example.org', 'example.org'], trustAnchors: [root], now });
  assert.deepEqual(v.findings.map((f) => f.name), ['a.b.example.org', 'example.org']);
  lab.issue('nosan', 'issuing', '/CN=mx1.example.org', ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth']);
  const none = validateCertificate({ chain: [...certs('nosan'), intermediate], expectedNames: ['mx1.example.org'], trustAnchors: [root], now });
  assert.match(finding(none, 'TLS_NAME_NOT_COVERED').message, /no subjectAltName DNS names, and clients no longer look at the CN/);
});

test('a chain missing its intermediate names the missing intermediate', () => {
  const v = validateCertificate({ chain: [leaf], expectedNames: NAMES, trustAnchors: [root], now });
  const missing = finding(v, 'TLS_CHAIN_INCOMPLETE');
  assert.equal(missing.certificate, 'O=Example Org, CN=Example Org Issuing CA');
  assert.match(missing.message, /missing the intermediate certificate "O=Example Org, CN=Example Org Issuing CA"/);
  assert.equal(v.deployable, false);
  // openssl, given the same files, agrees that the chain cannot be built.
  lab.write('root-only.pem', lab.read('root.pem'));
  assert.match(lab.attempt(['verify', '-CAfile', 'root-only.pem', 'mx1.pem']).output, /unable to get local issuer certificate/);
});

test('a key that does not match the certificate is named as such, and openssl agrees', () => {
  lab.key('other');
  const v = validateCertificate({ chain: [leaf, intermediate], privateKey: keyOf('other'), expectedNames: NAMES, trustAnchors: [root], now });
  assert.deepEqual(codes(v), ['TLS_KEY_MISMATCH']);
  assert.match(v.findings[0]?.message ?? '', /does not belong to the certificate "mx1\.example\.org"/);
  assert.ok(!v.findings[0]?.message.includes('PRIVATE'), 'no key material in the message');
  const x509Pub = lab.run(['x509', '-in', 'mx1.pem', '-noout', '-pubkey']);
  assert.notEqual(lab.run(['pkey', '-in', 'other.key', '-pubout']), x509Pub);
});

test('an expired certificate gives the date and how long ago; openssl agrees it expired', () => {
  const ca = createRootAuthority({ commonName: 'Copper CA', algorithm: 'ecdsa-p256', now: new Date(now.getTime() - 800 * 86_400_000) });
  const old = issueServerCertificate({ authority: { ...ca, permittedDomains: [] }, subjectKey: generatePrivateKey('ecdsa-p256'), names: NAMES, now: new Date(now.getTime() - 500 * 86_400_000) });
  const v = validateCertificate({ chain: [old], expectedNames: NAMES, trustAnchors: [ca.certificate], now });
  const expired = finding(v, 'TLS_EXPIRED');
  assert.match(expired.message, new RegExp(`expired on ${old.summary.notAfter.slice(0, 10)} \\(10[23] days ago\\)\\. Renew it\\.`));
  lab.write('old.pem', `${old.x509.toString()}`);
  lab.write('old-ca.pem', ca.certificate.x509.toString());
  assert.match(lab.attempt(['verify', '-CAfile', 'old-ca.pem', 'old.pem']).output, /certificate has expired/);
});

test('a certificate not yet valid, and one expiring within the warning window, say when', () => {
  const ca = createRootAuthority({ commonName: 'Copper CA', algorithm: 'ecdsa-p256', now });
  const authority = { ...ca, permittedDomains: [] };
  const future = issueServerCertificate({ authority, subjectKey: generatePrivateKey('ecdsa-p256'), names: NAMES, now: new Date(now.getTime() + 3 * 86_400_000) });
  const early = validateCertificate({ chain: [future], expectedNames: NAMES, trustAnchors: [ca.certificate], now });
  assert.match(finding(early, 'TLS_NOT_YET_VALID').message, /valid only from \d{4}-\d\d-\d\d \(in 3 days\)/);
  const soon = issueServerCertificate({ authority, subjectKey: generatePrivateKey('ecdsa-p256'), names: NAMES, now: new Date(now.getTime() - 12 * 3_600_000), validityDays: 10 });
  const v = validateCertificate({ chain: [soon], expectedNames: NAMES, trustAnchors: [ca.certificate], now, warningDays: 30 });
  const warning = finding(v, 'TLS_EXPIRING_SOON');
  assert.equal(warning.severity, 'warning');
  assert.match(warning.message, /expires on \d{4}-\d\d-\d\d, in 9 days \(warning from 30 days\)/);
  assert.equal(v.deployable, true, 'a warning does not block deployment');
  assert.deepEqual(validateCertificate({ chain: [soon], expectedNames: NAMES, trustAnchors: [ca.certificate], now, warningDays: 7 }).findings, []);
});

test('key usage and extended key usage must fit a TLS server', () => {
  lab.server('encipher', 'issuing', NAMES, { keyUsage: 'keyEncipherment' });
  lab.server('client', 'issuing', NAMES, { extendedKeyUsage: 'clientAuth' });
  const ku = validateCertificate({ chain: [...certs('encipher'), intermediate], expectedNames: NAMES, trustAnchors: [root], now });
  assert.deepEqual(codes(ku), ['TLS_KEY_USAGE_UNFIT']);
  assert.match(ku.findings[0]?.message ?? '', /\(keyEncipherment\) lacks digitalSignature/);
  const eku = validateCertificate({ chain: [...certs('client'), intermediate], expectedNames: NAMES, trustAnchors: [root], now });
  assert.deepEqual(codes(eku), ['TLS_EXTENDED_KEY_USAGE_UNFIT']);
  const ca = validateCertificate({ chain: [intermediate], expectedNames: [], trustAnchors: [root], now });
  assert.ok(codes(ca).includes('TLS_LEAF_IS_CA'));
});

test('a weak RSA key and a SHA-1 signature are refused', () => {
  lab.server('weak', 'issuing', NAMES, { rsa: 1024, keyUsage: 'digitalSignature,keyEncipherment' });
  const weak = validateCertificate({ chain: [...certs('weak'), intermediate], expectedNames: NAMES, trustAnchors: [root], now });
  assert.deepEqual(codes(weak), ['TLS_WEAK_KEY']);
  assert.match(weak.findings[0]?.message ?? '', /RSA key has 1024 bits; at least 2048/);
  lab.server('sha1', 'issuing', NAMES, { digest: 'sha1' });
  const sha1 = validateCertificate({ chain: [...certs('sha1'), intermediate], expectedNames: NAMES, trustAnchors: [root], now });
  assert.deepEqual(codes(sha1), ['TLS_WEAK_SIGNATURE']);
});

test('a certificate from a different CA of the same name, or altered, fails the signature check', () => {
  lab.root('impostor', '/O=Example Org/CN=Example Org Issuing CA');
  lab.server('forged', 'impostor', NAMES);
  const v = validateCertificate({ chain: [...certs('forged'), intermediate], expectedNames: NAMES, trustAnchors: [root], now });
  assert.match(finding(v, 'TLS_SIGNATURE_INVALID').message, /"Example Org Issuing CA" was supplied, but it did not issue "mx1\.example\.org"/);
  assert.equal(v.deployable, false);
  const altered = Buffer.from(leaf.der);
  altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 0x01;
  const tampered = validateCertificate({ chain: [parseCertificateDer(altered), intermediate], expectedNames: NAMES, trustAnchors: [root], now });
  assert.match(finding(tampered, 'TLS_SIGNATURE_INVALID').message, /does not verify with the key of "Example Org Issuing CA"/);
});

test('a chain to another root, no CA configured, and stray certificates are each named', () => {
  lab.root('elsewhere', '/CN=Someone Else Root');
  const untrusted = validateCertificate({ chain: [leaf, intermediate, root], expectedNames: NAMES, trustAnchors: certs('elsewhere'), now });
  assert.match(finding(untrusted, 'TLS_CHAIN_UNTRUSTED').message, /ends at the root "Example Org Root CA", which is not a CA configured/);
  const unconfigured = validateCertificate({ chain: [leaf, intermediate, root], expectedNames: NAMES, trustAnchors: [], now });
  assert.deepEqual(codes(unconfigured), ['TLS_NO_CA_CONFIGURED']);
  const stray = validateCertificate({ chain: [leaf, intermediate, ...certs('elsewhere')], expectedNames: NAMES, trustAnchors: [root], now });
  assert.deepEqual(codes(stray), ['TLS_UNUSED_CERTIFICATE']);
  assert.equal(stray.deployable, true);
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CopperError } from '../../../shared/contract';
import { certificatePem } from './certificate-info';
import { createRootAuthority, issueServerCertificate } from './internal-ca';
import { generatePrivateKey } from './keys';
import { OpensslLab } from './openssl-lab';

const lab = new OpensslLab();
after(() => lab.cleanup());

const now = new Date();
const DAY = 86_400_000;

test('the internal CA issues a server certificate that openssl verify accepts for TLS servers', () => {
  const root = createRootAuthority({ commonName: 'Copper HQ CA', organisation: 'Example Org', algorithm: 'ecdsa-p256', now });
  const ca = { ...root, permittedDomains: [] };
  lab.write('ca.pem', certificatePem(root.certificate));
  for (const algorithm of ['ecdsa-p256', 'rsa-2048'] as const) {
    const leaf = issueServerCertificate({ authority: ca, subjectKey: generatePrivateKey(algorithm), names: ['mx1.example.org', 'imap.example.org'], now });
    lab.write(`${algorithm}.pem`, certificatePem(leaf));
    assert.equal(lab.run(['verify', '-CAfile', 'ca.pem', '-purpose', 'sslserver', '-verify_hostname', 'imap.example.org', `${algorithm}.pem`]).trim(), `${algorithm}.pem: OK`);
    const text = lab.run(['x509', '-in', `${algorithm}.pem`, '-noout', '-text']);
    assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text, algorithm === 'rsa-2048' ? /Key Usage: critical\s+Digital Signature, Key Encipherment/ : /Key Usage: critical\s+Digital Signature\n/);
    assert.match(text, /Extended Key Usage: \s*\n\s+TLS Web Server Authentication/);
    assert.match(text, /DNS:mx1\.example\.org, DNS:imap\.example\.org/);
    assert.match(text, /Subject Key Identifier/);
    assert.match(text, /Authority Key Identifier/);
    const days = (Date.parse(leaf.summary.notAfter) - now.getTime()) / DAY;
    assert.ok(days > 396.9 && days <= 397, `leaf valid for 397 days, got ${days}`);
  }
});

test('the root is a 10-year CA certificate with keyCertSign, and serial numbers are random', () => {
  const root = createRootAuthority({ commonName: 'Copper HQ CA', algorithm: 'ecdsa-p384', now });
  lab.write('root384.pem', certificatePem(root.certificate));
  const text = lab.run(['x509', '-in', 'root384.pem', '-noout', '-text']);
  assert.match(text, /CA:TRUE, pathlen:0/);
  assert.match(text, /Certificate Sign, CRL Sign/);
  assert.match(text, /ecdsa-with-SHA384/);
  assert.ok(root.certificate.summary.selfSigned && root.certificate.summary.isCa);
  const years = (Date.parse(root.certificate.summary.notAfter) - now.getTime()) / DAY / 365;
  assert.ok(years > 9.9 && years < 10.1);
  const ca = { ...root, permittedDomains: [] };
  const key = generatePrivateKey('ecdsa-p256');
  const serials = new Set(Array.from({ length: 5 }, () => issueServerCertificate({ authority: ca, subjectKey: key, names: ['mx1.example.org'], now }).summary.serialNumber));
  assert.equal(serials.size, 5);
  for (const serial of serials) assert.equal(serial.length, 32, '128-bit serials');
});

test('name constraints: openssl honours them, and the CA refuses to issue outside them', () => {
  const root = createRootAuthority({ commonName: 'Constrained CA', algorithm: 'ecdsa-p256', now, permittedDomains: ['example.org'] });
  const ca = { ...root, permittedDomains: ['example.org'] };
  lab.write('constrained.pem', certificatePem(root.certificate));
  lab.write('inside.pem', certificatePem(issueServerCertificate({ authority: ca, subjectKey: generatePrivateKey('ecdsa-p256'), names: ['mx1.example.org'], now })));
  assert.equal(lab.attempt(['verify', '-CAfile', 'constrained.pem', 'inside.pem']).status, 0);
  // Forged past the console's own check (by forgetting the domains): the extension in the root still stops it.
  const forged = issueServerCertificate({ authority: { ...root, permittedDomains: [] }, subjectKey: generatePrivateKey('ecdsa-p256'), names: ['mail.example.net'], now });
  lab.write('outside.pem', certificatePem(forged));
  const refused = lab.attempt(['verify', '-CAfile', 'constrained.pem', 'outside.pem']);
  assert.notEqual(refused.status, 0);
  assert.match(refused.output, /permitted subtree violation/);
  assert.throws(
    () => issueServerCertificate({ authority: ca, subjectKey: generatePrivateKey('ecdsa-p256'), names: ['mx1.example.org', 'mail.example.net'], now }),
    (error: unknown) => error instanceof CopperError && (error.details as { reason: string }).reason === 'NAME_OUTSIDE_CA_CONSTRAINTS' && /mail\.example\.net/.test(error.message),
  );
});

test('a leaf never outlives its CA', () => {
  const root = createRootAuthority({ commonName: 'Short CA', algorithm: 'ecdsa-p256', now, validityDays: 30 });
  const leaf = issueServerCertificate({ authority: { ...root, permittedDomains: [] }, subjectKey: generatePrivateKey('ecdsa-p256'), names: ['mx1.example.org'], now });
  assert.equal(leaf.summary.notAfter, root.certificate.summary.notAfter);
});

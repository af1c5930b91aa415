import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createCertificationRequestPem } from './csr';
import { generatePrivateKey, privateKeyToStored } from './keys';
import { OpensslLab } from './openssl-lab';

const lab = new OpensslLab();
after(() => lab.cleanup());

test('an ECDSA P-256 request verifies in openssl, with CN = the first name and every name as a SAN', () => {
  const key = generatePrivateKey('ecdsa-p256');
  lab.write('p256.csr', createCertificationRequestPem(key, ['mx1.example.org', 'mail.example.org', 'smtp.example.org'], 'Example Org'));
  const text = lab.run(['req', '-in', 'p256.csr', '-verify', '-noout', '-text', '-nameopt', 'RFC2253']);
  assert.match(text, /Subject: CN=mx1\.example\.org,O=Example Org/);
  assert.match(text, /DNS:mx1\.example\.org, DNS:mail\.example\.org, DNS:smtp\.example\.org/);
  assert.match(text, /ASN1 OID: prime256v1/);
  assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
  // openssl 3.0 reports the self-signature check on stderr, so check the verdict through its exit status too.
  assert.equal(lab.attempt(['req', '-in', 'p256.csr', '-verify', '-noout']).status, 0);
});

test('an RSA-2048 request verifies in openssl and carries the key the console keeps', () => {
  const key = generatePrivateKey('rsa-2048');
  lab.write('rsa.csr', createCertificationRequestPem(key, ['mx2.example.org']));
  const text = lab.run(['req', '-in', 'rsa.csr', '-verify', '-noout', '-text']);
  assert.match(text, /Public-Key: \(2048 bit\)/);
  assert.match(text, /sha256WithRSAEncryption/);
  lab.write('rsa.key', privateKeyToStored(key));
  const fromRequest = lab.run(['req', '-in', 'rsa.csr', '-noout', '-pubkey']);
  const fromKey = lab.run(['pkey', '-in', 'rsa.key', '-pubout']);
  assert.equal(fromRequest, fromKey);
});

test('a first name longer than a CN may be goes into the SAN only', () => {
  const long = `${'a'.repeat(60)}.example.org`;
  lab.write('long.csr', createCertificationRequestPem(generatePrivateKey('ecdsa-p256'), [long]));
  const text = lab.run(['req', '-in', 'long.csr', '-verify', '-noout', '-text']);
  assert.doesNotMatch(text, /CN ?=/);
  assert.ok(text.includes(`DNS:${long}`));
});

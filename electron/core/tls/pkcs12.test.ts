import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { after, before, test } from 'node:test';
import { CopperError } from '../../../shared/contract';
import { OpensslLab } from './openssl-lab';
import { readPkcs12 } from './pkcs12';

const lab = new OpensslLab();
after(() => lab.cleanup());

before(() => {
  lab.root('root', '/CN=P12 Root');
  lab.intermediate('issuing', 'root', '/CN=P12 Issuing CA');
  lab.server('mx1', 'issuing', ['mx1.example.org']);
  lab.server('rsa', 'issuing', ['mx2.example.org'], { rsa: 2048, keyUsage: 'digitalSignature,keyEncipherment' });
});

const reason = (expected: string, code = 'INVALID_INPUT') => (error: unknown) =>
  error instanceof CopperError && error.code === code && (error.details as { reason?: string } | undefined)?.reason === expected;

/** openssl pkcs12 -export of a leaf, its key and the intermediate, with the given extra options. */
function exportP12(name: string, file: string, password: string, extra: string[] = []): Buffer {
  lab.run(['pkcs12', '-export', '-in', `${name}.pem`, '-inkey', `${name}.key`, '-certfile', 'issuing.pem', '-out', file, '-passout', `pass:${password}`, ...extra]);
  return lab.bytes(file);
}

test('imports a PKCS#12 made by openssl 3 (AES-256, PBKDF2, SHA-256 MAC): certificate, chain and the matching key', () => {
  const content = readPkcs12(exportP12('mx1', 'modern.p12', 'correct horse'), 'correct horse');
  assert.deepEqual(content.certificates.map((c) => c.summary.commonName).sort(), ['P12 Issuing CA', 'mx1.example.org']);
  const leaf = content.certificates.find((c) => c.summary.commonName === 'mx1.example.org');
  assert.ok(content.privateKey && leaf?.x509.checkPrivateKey(content.privateKey));
  const original = createPrivateKey(lab.read('mx1.key')).export({ type: 'pkcs8', format: 'der' });
  assert.deepEqual(content.privateKey.export({ type: 'pkcs8', format: 'der' }), original);
});

test('imports the 3DES-SHA1 kind Windows exports, with an RSA key and a non-ASCII password', () => {
  const password = 'Pässwörd-€';
  const file = exportP12('rsa', 'windows.p12', password, ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']);
  const content = readPkcs12(file, password);
  assert.equal(content.privateKey?.asymmetricKeyType, 'rsa');
  assert.equal(content.certificates.length, 2);
});

test('a wrong password is a clear error that names the password, for both encryptions', () => {
  const modern = exportP12('mx1', 'wrong1.p12', 'right-password');
  assert.throws(() => readPkcs12(modern, 'wrong-password'), (error: unknown) => reason('PKCS12_PASSWORD_WRONG', 'KEY_PASSPHRASE_WRONG')(error) && /password does not open/.test((error as Error).message));
  const legacy = exportP12('mx1', 'wrong2.p12', 'right-password', ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']);
  assert.throws(() => readPkcs12(legacy, ''), reason('PKCS12_PASSWORD_WRONG', 'KEY_PASSPHRASE_WRONG'));
});

test('an RC2-40 file (openssl -legacy) is refused with how to export it again', () => {
  const file = exportP12('mx1', 'legacy.p12', 'pw', ['-legacy']);
  assert.throws(() => readPkcs12(file, 'pw'), (error: unknown) => reason('PKCS12_UNSUPPORTED_ENCRYPTION')(error) && /RC2-40.*AES-256/s.test((error as Error).message));
});

test('a file without a MAC (openssl -nomac) still reads with the right password and refuses a wrong one', () => {
  const file = exportP12('mx1', 'nomac.p12', 'pw', ['-nomac']);
  assert.equal(readPkcs12(file, 'pw').certificates.length, 2);
  assert.throws(() => readPkcs12(file, 'not-it'), reason('PKCS12_PASSWORD_WRONG', 'KEY_PASSPHRASE_WRONG'));
});

test('garbage, a PEM file and a truncated file are refused as not PKCS#12, without crashing', () => {
  assert.throws(() => readPkcs12(Buffer.from('hello, this is not a pfx'), 'pw'), reason('PKCS12_MALFORMED'));
  assert.throws(() => readPkcs12(lab.bytes('mx1.pem'), 'pw'), reason('PKCS12_MALFORMED'));
  const whole = exportP12('mx1', 'cut.p12', 'pw');
  assert.throws(() => readPkcs12(whole.subarray(0, whole.length / 2), 'pw'), reason('PKCS12_MALFORMED'));
  assert.throws(() => readPkcs12(Buffer.alloc(0), 'pw'), reason('PKCS12_MALFORMED'));
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CopperError } from '../../../shared/contract';
import { parseChainPem } from './certificate-info';
import { parsePrivateKeyPem } from './keys';
import { OpensslLab } from './openssl-lab';

const lab = new OpensslLab();
after(() => lab.cleanup());

const reason = (expected: string) => (error: unknown) =>
  error instanceof CopperError && error.code === 'INVALID_INPUT' && (error.details as { reason?: string } | undefined)?.reason === expected;

test('reads private keys in PKCS#8, PKCS#1 and SEC1 (with openssl’s EC PARAMETERS block)', () => {
  lab.run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'p8.key']);
  lab.run(['genrsa', '-traditional', '-out', 'p1.key', '2048']);
  lab.run(['ecparam', '-name', 'prime256v1', '-genkey', '-out', 'sec1.key']);
  assert.match(lab.read('p1.key'), /BEGIN RSA PRIVATE KEY/);
  assert.match(lab.read('sec1.key'), /BEGIN EC PARAMETERS[\s\S]*BEGIN EC PRIVATE KEY/);
  assert.equal(parsePrivateKeyPem(lab.read('p8.key')).asymmetricKeyType, 'ec');
  assert.equal(parsePrivateKeyPem(lab.read('p1.key')).asymmetricKeyType, 'rsa');
  assert.equal(parsePrivateKeyPem(lab.read('sec1.key')).asymmetricKeyType, 'ec');
});

test('an encrypted key is refused with how to decrypt it, and the message holds no key material', () => {
  lab.run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes-256-cbc', '-pass', 'pass:secret', '-out', 'enc8.key']);
  lab.run(['genrsa', '-traditional', '-aes128', '-passout', 'pass:secret', '-out', 'enc1.key', '2048']);
  for (const file of ['enc8.key', 'enc1.key']) {
    assert.throws(() => parsePrivateKeyPem(lab.read(file)), (error: unknown) => {
      assert.ok(reason('KEY_ENCRYPTED')(error), `${file}: ${String(error)}`);
      const text = `${(error as Error).message} ${JSON.stringify((error as CopperError).details)}`;
      assert.match(text, /openssl pkey -in key\.pem -out key-plain\.pem/);
      assert.ok(!/MII|BEGIN/.test(text));
      return true;
    });
  }
});

test('garbage, a cut-off PEM, a damaged body and a non-certificate are each a clear error, not a crash', () => {
  lab.root('ca', '/CN=Pem CA');
  const good = lab.read('ca.pem');
  assert.throws(() => parseChainPem('this is not a certificate'), reason('NO_CERTIFICATE'));
  assert.throws(() => parseChainPem(''), reason('NO_CERTIFICATE'));
  assert.throws(() => parseChainPem(good.slice(0, good.length / 2)), reason('PEM_MALFORMED'));
  assert.throws(() => parseChainPem(good.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!')), reason('PEM_MALFORMED'));
  assert.throws(() => parseChainPem(good.replace('-----END CERTIFICATE-----', '-----END PRIVATE KEY-----')), reason('PEM_MALFORMED'));
  const notACertificate = `-----BEGIN CERTIFICATE-----\n${Buffer.from('just some bytes, not DER').toString('base64')}\n-----END CERTIFICATE-----\n`;
  assert.throws(() => parseChainPem(notACertificate), reason('CERTIFICATE_MALFORMED'));
  assert.throws(() => parsePrivateKeyPem(good), reason('KEY_MALFORMED'));
  const notAKey = `-----BEGIN PRIVATE KEY-----\n${Buffer.from('nope').toString('base64')}\n-----END PRIVATE KEY-----\n`;
  assert.throws(() => parsePrivateKeyPem(notAKey), reason('KEY_MALFORMED'));
});

test('text around the blocks (openssl’s Bag Attributes and subject lines) is ignored, as openssl ignores it', () => {
  lab.root('ca2', '/CN=Pem CA 2');
  const decorated = `Bag Attributes\n    localKeyID: 01\nsubject=CN = Pem CA 2\n\n${lab.read('ca2.pem').replace(/\n/g, '\r\n')}`;
  assert.equal(parseChainPem(decorated).certificates[0]?.summary.commonName, 'Pem CA 2');
});

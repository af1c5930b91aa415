import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { dkimRecordText, generateDkimKey, readStoredKey, rspamdKeyFile } from './dkim-keys';

test('an RSA-2048 key gives a k=rsa record with its SubjectPublicKeyInfo and a PEM key file', () => {
  const key = generateDkimKey('rsa2048');
  const text = dkimRecordText(key);
  const match = /^v=DKIM1; k=rsa; p=([A-Za-z0-9+/=]+)$/.exec(text);
  assert.ok(match?.[1]);
  const publicKey = createPublicKey({ key: Buffer.from(match[1], 'base64'), format: 'der', type: 'spki' });
  assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.match(rspamdKeyFile(key), /^-----BEGIN PRIVATE KEY-----\n/);
});

test('an Ed25519 key gives the bare 32-byte public key (RFC 8463) and the base64 seed Rspamd reads', () => {
  const key = generateDkimKey('ed25519');
  const text = dkimRecordText(key);
  const p = /^v=DKIM1; k=ed25519; p=([A-Za-z0-9+/=]+)$/.exec(text)?.[1] ?? '';
  assert.equal(Buffer.from(p, 'base64').length, 32);
  const seed = Buffer.from(rspamdKeyFile(key).trim(), 'base64');
  assert.equal(seed.length, 32);
  // The seed in the key file and the key in the record are one pair: a signature by one verifies with the other.
  const fromSeed = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(p, 'base64')]), format: 'der', type: 'spki' });
  assert.ok(verify(null, Buffer.from('x'), publicKey, sign(null, Buffer.from('x'), fromSeed)));
});

test('refuses a secret store entry that is not a DKIM key', () => {
  assert.throws(() => readStoredKey('not json', 'dkim/1/x'), /not a DKIM key the console wrote/);
  assert.throws(() => readStoredKey(undefined, 'dkim/1/x'), /missing from the secret store/);
});

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { CopperError, type DkimAlgorithm } from '../../../shared/contract';

/** What the secret store holds for one DKIM key. Only the core ever reads it; it never crosses to a shell. */
export const StoredDkimKey = z.object({
  v: z.literal(1),
  domain: z.string(),
  selector: z.string(),
  algorithm: z.enum(['rsa2048', 'ed25519']),
  privateKeyPem: z.string(),
});
export type StoredDkimKey = z.infer<typeof StoredDkimKey>;

export interface GeneratedKey {
  algorithm: DkimAlgorithm;
  privateKeyPem: string;
}

/** A fresh key pair, made here with Node's crypto: no key ever comes from a server or leaves the console unencrypted. */
export function generateDkimKey(algorithm: DkimAlgorithm): GeneratedKey {
  const pair = algorithm === 'rsa2048' ? generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 }) : generateKeyPairSync('ed25519');
  return { algorithm, privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

function privateKey(stored: { algorithm: DkimAlgorithm; privateKeyPem: string }): KeyObject {
  const key = createPrivateKey(stored.privateKeyPem);
  const expected = stored.algorithm === 'rsa2048' ? 'rsa' : 'ed25519';
  if (key.asymmetricKeyType !== expected) {
    throw new CopperError('INTERNAL', `A stored DKIM key is ${key.asymmetricKeyType ?? 'of an unknown type'}, not ${expected}: the secret store entry is not the key the database names.`);
  }
  return key;
}

/**
 * The public-key record (RFC 6376 §3.6.1): RSA keys as SubjectPublicKeyInfo, Ed25519 keys as the bare 32-byte key
 * (RFC 8463 §4.2). The text is compared byte for byte with what the resolver serves, so its form must never change.
 */
export function dkimRecordText(stored: { algorithm: DkimAlgorithm; privateKeyPem: string }): string {
  const publicKey = createPublicKey(privateKey(stored));
  if (stored.algorithm === 'rsa2048') {
    return `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  }
  const jwk = publicKey.export({ format: 'jwk' });
  return `v=DKIM1; k=ed25519; p=${Buffer.from(jwk.x ?? '', 'base64url').toString('base64')}`;
}

/**
 * The key file as Rspamd 3.4 reads it: PEM for RSA; for Ed25519 the base64 of the 32-byte seed (Rspamd cannot read
 * an Ed25519 PKCS#8 PEM: "cannot extract rsa key from evp key").
 */
export function rspamdKeyFile(stored: { algorithm: DkimAlgorithm; privateKeyPem: string }): string {
  const key = privateKey(stored);
  if (stored.algorithm === 'rsa2048') return key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const jwk = key.export({ format: 'jwk' });
  return `${Buffer.from(jwk.d ?? '', 'base64url').toString('base64')}\n`;
}

export const dkimSecretRef = (domainId: number, selector: string) => `dkim/${domainId}/${selector}`;
export const dkimArchiveRef = (domainId: number, selector: string) => `dkim-archive/${domainId}/${selector}`;

export function readStoredKey(value: string | undefined, ref: string): StoredDkimKey {
  if (value === undefined) {
    throw new CopperError('INTERNAL', `The DKIM private key ${ref} is missing from the secret store. Restore the vault from a backup; the console will not generate a replacement for a published key.`, { ref });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const result = StoredDkimKey.safeParse(parsed);
  if (!result.success) throw new CopperError('INTERNAL', `The secret store entry ${ref} is not a DKIM key the console wrote.`, { ref });
  return result.data;
}

import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Ed25519 detached signatures over the exact bytes of manifest.json. manifest.sig holds the raw 64-byte signature, so
 * auditors can check a bundle with standard tools:
 *   openssl pkeyutl -verify -pubin -inkey publisher.pub.pem -rawin -in manifest.json -sigfile manifest.sig
 */

export const SIGNATURE_BYTES = 64;

/** Parses a PEM public key, refusing anything but Ed25519: a bundle key of another kind is a mistake, not a choice. */
export function ed25519PublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`This is a ${key.asymmetricKeyType ?? 'unknown'} key; bundle publishers use Ed25519.`);
  return key;
}

/** `SHA256:` + unpadded base64 of the SHA-256 of the key's DER (SPKI): stable whatever the PEM's line breaks. */
export function publisherKeyId(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

/** Canonical PEM of a public key, as stored and shown. */
export const publicKeyPem = (key: KeyObject): string => String(key.export({ type: 'spki', format: 'pem' }));

export function signManifest(manifestBytes: Buffer, privateKeyPem: string): Buffer {
  return sign(null, manifestBytes, privateKeyPem);
}

export function verifyManifestSignature(manifestBytes: Buffer, signature: Buffer, key: KeyObject): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  return verify(null, manifestBytes, key, signature);
}

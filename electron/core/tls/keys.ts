import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import type { TlsKeyAlgorithm } from '../../../shared/contract/tls';
import { isPrivateKeyLabel, parsePem } from './pem';
import { tlsInputError } from './tls-input-error';

const RSA_BITS: Partial<Record<TlsKeyAlgorithm, number>> = { 'rsa-2048': 2048, 'rsa-3072': 3072, 'rsa-4096': 4096 };
const EC_CURVES: Partial<Record<TlsKeyAlgorithm, string>> = { 'ecdsa-p256': 'prime256v1', 'ecdsa-p384': 'secp384r1' };

/** A new private key. RSA keys use the public exponent 65537, which every client expects. */
export function generatePrivateKey(algorithm: TlsKeyAlgorithm): KeyObject {
  const bits = RSA_BITS[algorithm];
  if (bits) return generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 }).privateKey;
  const curve = EC_CURVES[algorithm];
  if (!curve) throw new Error(`Unknown key algorithm ${algorithm}`);
  return generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
}

/** How a private key is kept in the secret store: unencrypted PKCS#8 PEM (the store itself encrypts). */
export const privateKeyToStored = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();

/** Reads a key the console stored itself. */
export const privateKeyFromStored = (pem: string): KeyObject => createPrivateKey({ key: pem, format: 'pem' });

/**
 * Reads an operator's private key: PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY", with or
 * without openssl's leading "EC PARAMETERS" block). Encrypted keys are refused with the command that decrypts them: the
 * console would only decrypt and re-encrypt them in its own store, and asking for a second passphrase here invites
 * operators to type it into the wrong field.
 */
export function parsePrivateKeyPem(text: string): KeyObject {
  const keys = parsePem(text).filter((block) => isPrivateKeyLabel(block.label));
  if (keys.length === 0) {
    throw tlsInputError('KEY_MALFORMED', 'No private key was found: the text must contain a "-----BEGIN PRIVATE KEY-----" (or RSA/EC PRIVATE KEY) block.');
  }
  if (keys.length > 1) {
    throw tlsInputError('MULTIPLE_KEYS', `The text holds ${keys.length} private keys; give only the key of this certificate.`);
  }
  return privateKeyFromBlock(keys[0] as (typeof keys)[number]);
}

export function privateKeyFromBlock(block: { label: string; headers: Record<string, string>; der: Buffer }): KeyObject {
  if (block.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/i.test(block.headers['Proc-Type'] ?? '')) {
    throw tlsInputError(
      'KEY_ENCRYPTED',
      'The private key is protected by a passphrase, which import does not take. On a trusted machine remove it ' +
        '(openssl pkey -in key.pem -out key-plain.pem), import key-plain.pem, then delete that file: the console keeps the key encrypted in its secret store.',
    );
  }
  const type = block.label === 'PRIVATE KEY' ? 'pkcs8' : block.label === 'RSA PRIVATE KEY' ? 'pkcs1' : block.label === 'EC PRIVATE KEY' ? 'sec1' : null;
  if (!type) {
    throw tlsInputError('KEY_UNSUPPORTED', `A "${block.label}" is not a key the console can use. Give an RSA or ECDSA key in PEM (PKCS#8, PKCS#1 or SEC1).`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block.der, format: 'der', type });
  } catch {
    // The underlying message can quote parts of the key's structure: say what is wrong in our words only.
    throw tlsInputError('KEY_MALFORMED', `The ${block.label} block is not a readable key (damaged or truncated). Export the key again.`);
  }
  assertUsableKey(key);
  return key;
}

/** Only RSA and ECDSA keys serve mail TLS everywhere; Ed25519 certificates are not accepted by mail clients yet. */
export function assertUsableKey(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') {
    throw tlsInputError('KEY_UNSUPPORTED', `The key is ${key.asymmetricKeyType ?? 'of an unknown type'}; mail servers need an RSA or ECDSA key.`);
  }
}

export const publicKeyOf = (key: KeyObject): KeyObject => (key.type === 'private' ? createPublicKey(key) : key);

export const spkiDer = (key: KeyObject): Buffer => publicKeyOf(key).export({ type: 'spki', format: 'der' });

export interface SignatureScheme {
  /** The X.509 signatureAlgorithm OID. */
  oid: string;
  /** RSA's AlgorithmIdentifier carries an explicit NULL parameter; ECDSA's has none (RFC 5754, RFC 4055). */
  nullParams: boolean;
  hash: 'sha256' | 'sha384' | 'sha512';
}

/** The signature scheme a key signs certificates and requests with: SHA-256, or SHA-384 for P-384 (a matching strength). */
export function signatureSchemeFor(key: KeyObject): SignatureScheme {
  if (key.asymmetricKeyType === 'rsa') return { oid: '1.2.840.113549.1.1.11', nullParams: true, hash: 'sha256' };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'secp384r1') return { oid: '1.2.840.10045.4.3.3', nullParams: false, hash: 'sha384' };
  if (curve === 'secp521r1') return { oid: '1.2.840.10045.4.3.4', nullParams: false, hash: 'sha512' };
  return { oid: '1.2.840.10045.4.3.2', nullParams: false, hash: 'sha256' };
}

/** Signs DER bytes (a TBSCertificate or CertificationRequestInfo): ECDSA signatures come out DER-encoded, as X.509 wants. */
export const signDer = (key: KeyObject, data: Uint8Array): Buffer => nodeSign(signatureSchemeFor(key).hash, data, key);

import { createDecipheriv, createHash, createHmac, pbkdf2Sync, timingSafeEqual, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CopperError } from '../../../shared/contract';
import { parseCertificateDer, type ParsedCertificate } from './certificate-info';
import { privateKeyFromBlock } from './keys';
import { toArrayBuffer } from './x509-build';
import { tlsInputError } from './tls-input-error';

/**
 * PKCS#12 (.p12/.pfx) reading. pkijs parses the structure; decryption and the MAC are done here with Node's crypto,
 * because pkijs decrypts only PBES2, while files exported by Windows (AD CS, certlm "TripleDES-SHA1") and by OpenSSL 1.x
 * use the older PKCS#12 PBE with 3DES. RC2-40 (OpenSSL 1.x's default for the certificates) is not in Node's crypto: such
 * files are refused with the way to re-export them.
 */

const OIDS = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

/** PKCS#12 PBE schemes (RFC 7292 Appendix C) and the Node cipher of each. */
const PKCS12_PBE: Record<string, { cipher: string; keyLength: number; ivLength: number; label: string }> = {
  '1.2.840.113549.1.12.1.3': { cipher: 'des-ede3-cbc', keyLength: 24, ivLength: 8, label: 'PBE-SHA1-3DES' },
  '1.2.840.113549.1.12.1.4': { cipher: 'des-ede-cbc', keyLength: 16, ivLength: 8, label: 'PBE-SHA1-2DES' },
  '1.2.840.113549.1.12.1.5': { cipher: 'rc2-cbc', keyLength: 16, ivLength: 8, label: 'PBE-SHA1-RC2-128' },
  '1.2.840.113549.1.12.1.6': { cipher: 'rc2-40-cbc', keyLength: 5, ivLength: 8, label: 'PBE-SHA1-RC2-40' },
};
const PBES2_CIPHERS: Record<string, { cipher: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { cipher: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { cipher: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { cipher: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { cipher: 'des-ede3-cbc', keyLength: 24 },
};
const HMAC_PRFS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const DIGESTS: Record<string, { name: string; blockSize: number }> = {
  '1.3.14.3.2.26': { name: 'sha1', blockSize: 64 },
  '2.16.840.1.101.3.4.2.4': { name: 'sha224', blockSize: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', blockSize: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', blockSize: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', blockSize: 128 },
};

/** A PKCS#12 file's content. */
export interface Pkcs12Content {
  certificates: ParsedCertificate[];
  privateKey: KeyObject | null;
}

const malformed = () =>
  tlsInputError('PKCS12_MALFORMED', 'The file is not a readable PKCS#12 (.p12/.pfx) file: it is damaged or of another kind. Export it again.');
const wrongPassword = () =>
  tlsInputError('PKCS12_PASSWORD_WRONG', 'The password does not open this PKCS#12 file. Enter the password that was set when the file was exported.', 'KEY_PASSPHRASE_WRONG');

export function readPkcs12(file: Uint8Array, password: string): Pkcs12Content {
  try {
    return readPkcs12Unguarded(file, password);
  } catch (error) {
    // Our own errors say what is wrong; anything else is pkijs meeting a structure it cannot read, which for the
    // operator means the same as a damaged file (and its text could quote the file's bytes).
    if (error instanceof CopperError) throw error;
    throw malformed();
  }
}

function readPkcs12Unguarded(file: Uint8Array, password: string): Pkcs12Content {
  let pfx: pkijs.PFX;
  let authSafe: pkijs.AuthenticatedSafe;
  let authSafeBytes: Uint8Array;
  try {
    pfx = pkijs.PFX.fromBER(toArrayBuffer(file));
    if (pfx.authSafe.contentType !== OIDS.data) throw new Error('public-key integrity mode');
    authSafeBytes = octets(pfx.authSafe.content);
    authSafe = pkijs.AuthenticatedSafe.fromBER(toArrayBuffer(authSafeBytes));
  } catch {
    throw malformed();
  }
  if (pfx.macData) verifyMac(pfx.macData, authSafeBytes, password);

  const bags: pkijs.SafeBag[] = [];
  for (const info of authSafe.safeContents) {
    let safeContentsBytes: Uint8Array;
    if (info.contentType === OIDS.data) {
      safeContentsBytes = octets(info.content);
    } else if (info.contentType === OIDS.encryptedData) {
      const encrypted = new pkijs.EncryptedData({ schema: info.content });
      const content = encrypted.encryptedContentInfo;
      if (!content.encryptedContent) continue;
      // Without a MAC, a wrong password shows only as a failed decryption.
      safeContentsBytes = decrypt(content.contentEncryptionAlgorithm, octets(content.encryptedContent), password);
    } else {
      // Public-key-encrypted safes (envelopedData) need a private key the operator would not have here.
      throw tlsInputError('PKCS12_UNSUPPORTED_ENCRYPTION', 'This PKCS#12 file is encrypted to a certificate rather than with a password. Export it again with password protection.');
    }
    try {
      bags.push(...pkijs.SafeContents.fromBER(toArrayBuffer(safeContentsBytes)).safeBags);
    } catch {
      throw pfx.macData ? malformed() : wrongPassword();
    }
  }

  const certificates: ParsedCertificate[] = [];
  const keys: KeyObject[] = [];
  for (const bag of bags) {
    if (bag.bagId === OIDS.certBag) {
      const certBag = bag.bagValue as pkijs.CertBag;
      if (certBag.certId !== OIDS.x509Certificate) continue;
      // The bag's OCTET STRING holds the certificate's DER exactly as issued: parse those bytes, never a re-encoding.
      certificates.push(parseCertificateDer(Buffer.from(octets(certBag.certValue))));
    } else if (bag.bagId === OIDS.shroudedKeyBag) {
      const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag;
      const pkcs8 = decrypt(shrouded.encryptionAlgorithm, octets(shrouded.encryptedData), password);
      keys.push(privateKeyFromBlock({ label: 'PRIVATE KEY', headers: {}, der: Buffer.from(pkcs8) }));
    } else if (bag.bagId === OIDS.keyBag) {
      const keyBag = bag.bagValue as pkijs.PrivateKeyInfo;
      keys.push(privateKeyFromBlock({ label: 'PRIVATE KEY', headers: {}, der: Buffer.from(keyBag.toSchema().toBER(false)) }));
    }
  }
  if (certificates.length === 0) {
    throw tlsInputError('NO_CERTIFICATE', 'The PKCS#12 file holds no certificate. Export it again with the certificate (and its chain) included.');
  }
  if (keys.length > 1) throw tlsInputError('MULTIPLE_KEYS', `The PKCS#12 file holds ${keys.length} private keys; export only this server's certificate and key.`);
  return { certificates, privateKey: keys[0] ?? null };
}

/** The MAC proves the password before anything is decrypted (RFC 7292 §5, key from the PKCS#12 KDF with ID 3). */
function verifyMac(macData: pkijs.MacData, content: Uint8Array, password: string): void {
  const digest = DIGESTS[macData.mac.digestAlgorithm.algorithmId];
  if (!digest) {
    throw tlsInputError('PKCS12_UNSUPPORTED_ENCRYPTION', `The PKCS#12 file's integrity check uses an algorithm the console does not know (${macData.mac.digestAlgorithm.algorithmId}). Export it again with SHA-256.`);
  }
  const salt = macData.macSalt.valueBlock.valueHexView;
  const expected = Buffer.from(macData.mac.digest.valueBlock.valueHexView);
  const hashLength = createHash(digest.name).digest().length;
  const key = pkcs12Kdf(digest.name, digest.blockSize, password, salt, macData.iterations ?? 1, 3, hashLength);
  const actual = createHmac(digest.name, key).update(content).digest();
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw wrongPassword();
}

function decrypt(algorithm: pkijs.AlgorithmIdentifier, data: Uint8Array, password: string): Uint8Array {
  const params = algorithm.algorithmParams as asn1js.AsnType | undefined;
  if (algorithm.algorithmId === OIDS.pbes2) return decryptPbes2(params, data, password);
  const scheme = PKCS12_PBE[algorithm.algorithmId];
  if (!scheme) {
    throw tlsInputError('PKCS12_UNSUPPORTED_ENCRYPTION', `The PKCS#12 file uses an encryption the console does not support (${algorithm.algorithmId}). Export it again with AES-256 (OpenSSL 3's default; on Windows choose AES256-SHA256).`);
  }
  const sequence = params instanceof asn1js.Sequence ? params.valueBlock.value : [];
  const [saltBlock, iterationsBlock] = sequence;
  if (!(saltBlock instanceof asn1js.OctetString) || !(iterationsBlock instanceof asn1js.Integer)) throw malformed();
  const salt = saltBlock.valueBlock.valueHexView;
  const iterations = iterationsBlock.valueBlock.valueDec;
  const key = pkcs12Kdf('sha1', 64, password, salt, iterations, 1, scheme.keyLength);
  const iv = pkcs12Kdf('sha1', 64, password, salt, iterations, 2, scheme.ivLength);
  return runDecipher(scheme.cipher, key, iv, data, scheme.label);
}

function decryptPbes2(params: asn1js.AsnType | undefined, data: Uint8Array, password: string): Uint8Array {
  let pbes2: pkijs.PBES2Params;
  try {
    pbes2 = new pkijs.PBES2Params({ schema: params });
  } catch {
    throw malformed();
  }
  if (pbes2.keyDerivationFunc.algorithmId !== OIDS.pbkdf2) {
    throw tlsInputError('PKCS12_UNSUPPORTED_ENCRYPTION', 'The PKCS#12 file derives its key with an algorithm other than PBKDF2. Export it again with AES-256 and PBKDF2.');
  }
  const kdf = new pkijs.PBKDF2Params({ schema: pbes2.keyDerivationFunc.algorithmParams });
  const scheme = PBES2_CIPHERS[pbes2.encryptionScheme.algorithmId];
  const prf = HMAC_PRFS[kdf.prf?.algorithmId ?? '1.2.840.113549.2.7'];
  const ivBlock: unknown = pbes2.encryptionScheme.algorithmParams;
  if (!scheme || !prf || !(ivBlock instanceof asn1js.OctetString) || !(kdf.salt instanceof asn1js.OctetString)) {
    throw tlsInputError('PKCS12_UNSUPPORTED_ENCRYPTION', 'The PKCS#12 file uses a PBES2 cipher the console does not support. Export it again with AES-256-CBC.');
  }
  // PBES2 inside PKCS#12 takes the password as UTF-8 bytes (as OpenSSL and Windows write it), not the BMPString of the old PBE.
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), kdf.salt.valueBlock.valueHexView, kdf.iterationCount, scheme.keyLength, prf);
  return runDecipher(scheme.cipher, key, ivBlock.valueBlock.valueHexView, data, scheme.cipher);
}

function runDecipher(cipher: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array, label: string): Uint8Array {
  let decipher;
  try {
    decipher = createDecipheriv(cipher, key, iv);
  } catch {
    throw tlsInputError(
      'PKCS12_UNSUPPORTED_ENCRYPTION',
      `The PKCS#12 file is encrypted with ${label}, an obsolete cipher the console cannot use. Export it again with AES-256 ` +
        '(OpenSSL 3: openssl pkcs12 -export without -legacy; Windows: choose AES256-SHA256).',
    );
  }
  try {
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    // Bad padding: the password (or, with a MAC checked already, the file) is wrong.
    throw wrongPassword();
  }
}

/**
 * The PKCS#12 key derivation (RFC 7292 Appendix B.2), used by the MAC and the legacy PBE ciphers. The password is a
 * BMPString (UTF-16BE) with a terminating zero, as OpenSSL and Windows encode it.
 */
export function pkcs12Kdf(hash: string, blockSize: number, password: string, salt: Uint8Array, iterations: number, id: 1 | 2 | 3, length: number): Buffer {
  const v = blockSize;
  const passwordBytes = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) passwordBytes.writeUInt16BE(password.charCodeAt(i), i * 2);
  const repeatTo = (bytes: Uint8Array): Buffer => {
    if (bytes.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(bytes.length / v));
    for (let i = 0; i < out.length; i++) out[i] = bytes[i % bytes.length] ?? 0;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([repeatTo(salt), repeatTo(passwordBytes)]);
  const chunks: Buffer[] = [];
  let produced = 0;
  while (produced < length) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
    chunks.push(A);
    produced += A.length;
    if (produced >= length) break;
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % A.length] ?? 0;
    // I_j = (I_j + B + 1) mod 2^(8v), for each v-byte block of I.
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (I[j + k] ?? 0) + (B[k] ?? 0) + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(chunks).subarray(0, length);
}

/** The bytes of an OCTET STRING, primitive or (BER, as Windows and Java write it) constructed from pieces. */
function octets(block: unknown): Uint8Array {
  if (block instanceof asn1js.OctetString) return new Uint8Array(block.getValue());
  const b = block as { idBlock?: { isConstructed?: boolean }; valueBlock?: { value?: unknown[]; valueHexView?: Uint8Array } } | null;
  if (b?.idBlock?.isConstructed && Array.isArray(b.valueBlock?.value)) return Buffer.concat(b.valueBlock.value.map((part) => octets(part)));
  if (b?.valueBlock?.valueHexView) return b.valueBlock.valueHexView;
  throw malformed();
}

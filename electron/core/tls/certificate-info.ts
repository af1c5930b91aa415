import { createHash, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { CertificateSummary } from '../../../shared/contract/tls';
import { isPrivateKeyLabel, parsePem, toPem, type PemBlock } from './pem';
import { KEY_USAGE_BITS, OID, toArrayBuffer } from './x509-build';
import { tlsInputError } from './tls-input-error';

/** One certificate, read once: Node's view (verification, fingerprints, host checks) and pkijs's (extensions Node hides). */
export interface ParsedCertificate {
  der: Buffer;
  x509: X509Certificate;
  asn1: pkijs.Certificate;
  summary: CertificateSummary;
  /** keyUsage bit names, or null when the certificate has no keyUsage extension. */
  keyUsage: string[] | null;
  /** extendedKeyUsage OIDs, or null when absent. */
  extendedKeyUsage: string[] | null;
}

const SIGNATURE_NAMES: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
};
const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/** Signature algorithms no longer safe against forgery: a certificate signed with one is refused. */
export const WEAK_SIGNATURES = new Set(['md5WithRSAEncryption', 'sha1WithRSAEncryption', 'ecdsa-with-SHA1']);

export function parseCertificateDer(der: Buffer): ParsedCertificate {
  let x509: X509Certificate;
  let asn1: pkijs.Certificate;
  try {
    x509 = new X509Certificate(der);
    asn1 = pkijs.Certificate.fromBER(toArrayBuffer(der));
  } catch {
    throw tlsInputError('CERTIFICATE_MALFORMED', 'A CERTIFICATE block is not a readable X.509 certificate (damaged or not a certificate). Export the chain again.');
  }
  const extensions = asn1.extensions ?? [];
  const find = (oid: string) => extensions.find((e) => e.extnID === oid);
  const dnsNames = sanDnsNames(find(OID.subjectAltName));
  const publicKey = x509.publicKey;
  const details = publicKey.asymmetricKeyDetails ?? {};
  const keyType = publicKey.asymmetricKeyType;
  const curve = details.namedCurve ?? null;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const summary: CertificateSummary = {
    subject: distinguishedNameText(asn1.subject),
    issuer: distinguishedNameText(asn1.issuer),
    commonName: commonNameOf(asn1.subject),
    dnsNames,
    notBefore: asn1.notBefore.value.toISOString(),
    notAfter: asn1.notAfter.value.toISOString(),
    serialNumber: x509.serialNumber,
    fingerprintSha256: x509.fingerprint256,
    spkiSha256: createHash('sha256').update(spki).digest('hex'),
    keyType: keyType === 'rsa' || keyType === 'ec' || keyType === 'ed25519' || keyType === 'ed448' ? keyType : 'other',
    keySize: details.modulusLength ?? (curve ? (CURVE_BITS[curve] ?? null) : null),
    curve,
    signatureAlgorithm: SIGNATURE_NAMES[asn1.signatureAlgorithm.algorithmId] ?? asn1.signatureAlgorithm.algorithmId,
    isCa: x509.ca,
    selfSigned: x509.checkIssued(x509) && x509.verify(publicKey),
  };
  return { der, x509, asn1, summary, keyUsage: keyUsageOf(find(OID.keyUsage)), extendedKeyUsage: extendedKeyUsageOf(find(OID.extKeyUsage)) };
}

/** The certificates and private keys of a PEM text, in order. A text with no certificate at all is refused. */
export function parseChainPem(text: string): { certificates: ParsedCertificate[]; keyBlocks: PemBlock[] } {
  const blocks = parsePem(text);
  const certificates = blocks.filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
  if (certificates.length === 0) {
    throw tlsInputError(
      'NO_CERTIFICATE',
      'No certificate was found: the text must contain "-----BEGIN CERTIFICATE-----" blocks. For a .p12/.pfx file import it as PKCS#12; ' +
        'for a binary .cer/.der file convert it first (openssl x509 -inform der -in FILE -out FILE.pem).',
    );
  }
  return { certificates: certificates.map((b) => parseCertificateDer(b.der)), keyBlocks: blocks.filter((b) => isPrivateKeyLabel(b.label)) };
}

export const certificatePem = (certificate: ParsedCertificate): string => toPem('CERTIFICATE', certificate.der);

function sanDnsNames(extension: pkijs.Extension | undefined): string[] {
  if (!extension) return [];
  const parsed: unknown = extension.parsedValue;
  if (!(parsed instanceof pkijs.AltName)) return [];
  return parsed.altNames.filter((name) => name.type === 2 && typeof name.value === 'string').map((name) => String(name.value).toLowerCase());
}

function keyUsageOf(extension: pkijs.Extension | undefined): string[] | null {
  if (!extension) return null;
  const parsed: unknown = extension.parsedValue;
  if (!(parsed instanceof asn1js.BitString)) return [];
  const bytes = parsed.valueBlock.valueHexView;
  return (Object.keys(KEY_USAGE_BITS) as Array<keyof typeof KEY_USAGE_BITS>).filter((name) => {
    const bit = KEY_USAGE_BITS[name];
    return (((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) === 1;
  });
}

function extendedKeyUsageOf(extension: pkijs.Extension | undefined): string[] | null {
  if (!extension) return null;
  const parsed: unknown = extension.parsedValue;
  return parsed instanceof pkijs.ExtKeyUsage ? parsed.keyPurposes : [];
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
};

/** "CN=…, O=…" in the certificate's own order, the way operators see names in openssl's output. */
export function distinguishedNameText(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues.map((tv) => `${ATTRIBUTE_NAMES[tv.type] ?? tv.type}=${attributeText(tv)}`).join(', ');
}

function commonNameOf(name: pkijs.RelativeDistinguishedNames): string | null {
  const cn = name.typesAndValues.find((tv) => tv.type === OID.commonName);
  return cn ? attributeText(cn) : null;
}

const attributeText = (tv: pkijs.AttributeTypeAndValue): string => {
  const value: unknown = tv.value;
  if (value && typeof value === 'object' && 'valueBlock' in value) {
    const block = (value as { valueBlock: { value?: unknown } }).valueBlock;
    if (typeof block.value === 'string') return block.value;
  }
  return '?';
};

import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { signDer, signatureSchemeFor, spkiDer } from './keys';

/**
 * Builds X.509 structures with pkijs and signs them with Node's crypto (KeyObjects straight from the secret store, no
 * WebCrypto import step). Encoding details here are what strict verifiers (OpenSSL, Windows, Java) check: keep them DER.
 */

export const OID = {
  commonName: '2.5.4.3',
  organisation: '2.5.4.10',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  nameConstraints: '2.5.29.30',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
  extensionRequest: '1.2.840.113549.1.9.14',
} as const;

export const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer => {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
};

/**
 * A Name with one attribute per RDN (O, then CN), as every CA and openssl write it. pkijs would put all attributes into
 * one multi-valued RDN ("O=… + CN=…"), so the DER is built here and read back, which keeps exactly these bytes.
 */
export function distinguishedName(parts: { commonName?: string | undefined; organisation?: string | undefined }): pkijs.RelativeDistinguishedNames {
  const attributes: pkijs.AttributeTypeAndValue[] = [];
  if (parts.organisation) attributes.push(new pkijs.AttributeTypeAndValue({ type: OID.organisation, value: new asn1js.Utf8String({ value: parts.organisation }) }));
  if (parts.commonName) attributes.push(new pkijs.AttributeTypeAndValue({ type: OID.commonName, value: new asn1js.Utf8String({ value: parts.commonName }) }));
  const name = new asn1js.Sequence({ value: attributes.map((attribute) => new asn1js.Set({ value: [attribute.toSchema()] })) });
  return pkijs.RelativeDistinguishedNames.fromBER(name.toBER(false));
}

/** The CN is limited to 64 characters (RFC 5280 ub-common-name); longer names live in the subjectAltName only. */
export const commonNameFor = (names: readonly string[]): string | undefined => {
  const first = names[0];
  return first !== undefined && first.length <= 64 ? first : undefined;
};

const publicKeyInfo = (key: KeyObject): pkijs.PublicKeyInfo => pkijs.PublicKeyInfo.fromBER(toArrayBuffer(spkiDer(key)));

function algorithmIdentifier(signer: KeyObject): pkijs.AlgorithmIdentifier {
  const scheme = signatureSchemeFor(signer);
  return new pkijs.AlgorithmIdentifier({ algorithmId: scheme.oid, ...(scheme.nullParams ? { algorithmParams: new asn1js.Null() } : {}) });
}

const extension = (extnID: string, critical: boolean, value: { toBER(sizeOnly?: boolean): ArrayBuffer }): pkijs.Extension =>
  new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });

export const subjectAltNameExtension = (names: readonly string[]): pkijs.Extension =>
  extension(OID.subjectAltName, false, new pkijs.GeneralNames({ names: names.map((value) => new pkijs.GeneralName({ type: 2, value })) }).toSchema());

export const basicConstraintsExtension = (ca: boolean, pathLength?: number): pkijs.Extension =>
  extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: ca, ...(pathLength !== undefined ? { pathLenConstraint: pathLength } : {}) }).toSchema());

/** keyUsage bits, numbered as in RFC 5280 §4.2.1.3. */
export const KEY_USAGE_BITS = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** A DER BIT STRING of the given bits: DER wants trailing zero bits dropped, which the unused-bits count expresses. */
export function keyUsageExtension(bits: ReadonlyArray<keyof typeof KEY_USAGE_BITS>): pkijs.Extension {
  let byte = 0;
  for (const bit of bits) byte |= 0x80 >> KEY_USAGE_BITS[bit];
  let unused = 0;
  while (unused < 7 && (byte & (1 << unused)) === 0) unused++;
  return new pkijs.Extension({ extnID: OID.keyUsage, critical: true, extnValue: toArrayBuffer(Uint8Array.of(0x03, 0x02, unused, byte)) });
}

export const serverAuthExtension = (): pkijs.Extension =>
  extension(OID.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [OID.serverAuth] }).toSchema());

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's contents. An identifier, not a security hash. */
export function keyIdentifier(key: KeyObject): Buffer {
  const info = publicKeyInfo(key);
  return createHash('sha1').update(info.subjectPublicKey.valueBlock.valueHexView).digest();
}

export const subjectKeyIdentifierExtension = (key: KeyObject): pkijs.Extension =>
  extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: toArrayBuffer(keyIdentifier(key)) }));

export const authorityKeyIdentifierExtension = (issuerKey: KeyObject): pkijs.Extension =>
  extension(
    OID.authorityKeyIdentifier,
    false,
    new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: toArrayBuffer(keyIdentifier(issuerKey)) }) }).toSchema(),
  );

/** Permitted DNS subtrees. Critical, as RFC 5280 requires: a client that cannot enforce them must refuse the chain. */
export const nameConstraintsExtension = (domains: readonly string[]): pkijs.Extension =>
  extension(
    OID.nameConstraints,
    true,
    new pkijs.NameConstraints({ permittedSubtrees: domains.map((value) => new pkijs.GeneralSubtree({ base: new pkijs.GeneralName({ type: 2, value }) })) }).toSchema(),
  );

/**
 * A random 128-bit positive serial (CA/B Forum asks for at least 64 random bits). The top bits are fixed to 01 so the
 * INTEGER is positive and has no leading zero byte, i.e. is minimal DER.
 */
export function randomSerial(): asn1js.Integer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return new asn1js.Integer({ valueHex: toArrayBuffer(bytes) });
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5); whole seconds only. */
function x509Time(date: Date): pkijs.Time {
  const value = new Date(Math.floor(date.getTime() / 1000) * 1000);
  return new pkijs.Time({ type: value.getUTCFullYear() < 2050 ? 0 : 1, value });
}

export interface CertificateTemplate {
  subject: pkijs.RelativeDistinguishedNames;
  subjectPublicKey: KeyObject;
  issuer: pkijs.RelativeDistinguishedNames;
  /** The key that signs: the issuer's, or the subject's own for a self-signed root. */
  signingKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: pkijs.Extension[];
}

export function buildCertificate(template: CertificateTemplate): Buffer {
  const certificate = new pkijs.Certificate({
    version: 2,
    serialNumber: randomSerial(),
    issuer: template.issuer,
    subject: template.subject,
    notBefore: x509Time(template.notBefore),
    notAfter: x509Time(template.notAfter),
    subjectPublicKeyInfo: publicKeyInfo(template.subjectPublicKey),
    extensions: template.extensions,
  });
  certificate.signature = algorithmIdentifier(template.signingKey);
  certificate.signatureAlgorithm = algorithmIdentifier(template.signingKey);
  certificate.tbsView = new Uint8Array(certificate.encodeTBS().toBER(false));
  certificate.signatureValue = new asn1js.BitString({ valueHex: toArrayBuffer(signDer(template.signingKey, certificate.tbsView)) });
  return Buffer.from(certificate.toSchema(false).toBER(false));
}

/** A PKCS#10 request for the names, signed by the key (proof that the requester holds it), asking for a SAN extension. */
export function buildCertificationRequest(key: KeyObject, subject: pkijs.RelativeDistinguishedNames, names: readonly string[]): Buffer {
  const subjectPublicKeyInfo = publicKeyInfo(key);
  const attributes = [
    new pkijs.Attribute({
      type: OID.extensionRequest,
      values: [new pkijs.Extensions({ extensions: [subjectAltNameExtension(names)] }).toSchema()],
    }),
  ];
  // CertificationRequestInfo (RFC 2986 §4.1), encoded here because pkijs keeps its encoder private.
  const info = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      subject.toSchema(),
      subjectPublicKeyInfo.toSchema(),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: attributes.map((attribute) => attribute.toSchema()) }),
    ],
  });
  const infoDer = new Uint8Array(info.toBER(false));
  const request = new asn1js.Sequence({
    value: [info, algorithmIdentifier(key).toSchema(), new asn1js.BitString({ valueHex: toArrayBuffer(signDer(key, infoDer)) })],
  });
  return Buffer.from(request.toBER(false));
}

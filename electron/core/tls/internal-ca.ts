import type { KeyObject } from 'node:crypto';
import type { TlsKeyAlgorithm } from '../../../shared/contract/tls';
import { parseCertificateDer, type ParsedCertificate } from './certificate-info';
import { generatePrivateKey, publicKeyOf } from './keys';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  buildCertificate,
  commonNameFor,
  distinguishedName,
  keyUsageExtension,
  nameConstraintsExtension,
  serverAuthExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from './x509-build';
import { tlsInputError } from './tls-input-error';

const DAY_MS = 86_400_000;
/** Certificates start a few minutes in the past so a server whose clock runs slightly behind does not reject them as not yet valid. */
const BACKDATE_MS = 5 * 60_000;
export const DEFAULT_ROOT_VALIDITY_DAYS = 3650;
/** The longest server certificate lifetime browsers and many mail clients accept (CA/B Forum since 2020). */
export const DEFAULT_LEAF_VALIDITY_DAYS = 397;

export interface RootAuthorityOptions {
  commonName: string;
  organisation?: string | undefined;
  algorithm: TlsKeyAlgorithm;
  now: Date;
  validityDays?: number;
  /** DNS domains the CA may issue for; empty: unconstrained. */
  permittedDomains?: readonly string[];
}

/** A self-signed root for a site without a CA. It issues server certificates directly (pathLen 0: no intermediates). */
export function createRootAuthority(options: RootAuthorityOptions): { key: KeyObject; certificate: ParsedCertificate } {
  const key = generatePrivateKey(options.algorithm);
  const name = distinguishedName({ commonName: options.commonName, organisation: options.organisation });
  const permitted = options.permittedDomains ?? [];
  const der = buildCertificate({
    subject: name,
    issuer: name,
    subjectPublicKey: publicKeyOf(key),
    signingKey: key,
    notBefore: new Date(options.now.getTime() - BACKDATE_MS),
    notAfter: new Date(options.now.getTime() + (options.validityDays ?? DEFAULT_ROOT_VALIDITY_DAYS) * DAY_MS),
    extensions: [
      basicConstraintsExtension(true, 0),
      keyUsageExtension(['digitalSignature', 'keyCertSign', 'cRLSign']),
      subjectKeyIdentifierExtension(key),
      ...(permitted.length ? [nameConstraintsExtension(permitted)] : []),
    ],
  });
  return { key, certificate: parseCertificateDer(der) };
}

export interface IssueOptions {
  authority: { key: KeyObject; certificate: ParsedCertificate; permittedDomains: readonly string[] };
  /** The server's key (its public half is all that goes into the certificate). */
  subjectKey: KeyObject;
  names: readonly string[];
  now: Date;
  validityDays?: number;
}

/** A TLS server certificate: CA:false, digitalSignature (+keyEncipherment for RSA key exchange), serverAuth, SAN, SKI/AKI. */
export function issueServerCertificate(options: IssueOptions): ParsedCertificate {
  const { authority, names } = options;
  const outside = names.filter((name) => !withinDomains(name, authority.permittedDomains));
  if (outside.length) {
    throw tlsInputError(
      'NAME_OUTSIDE_CA_CONSTRAINTS',
      `The authority ${authority.certificate.summary.commonName ?? authority.certificate.summary.subject} may only issue for ${authority.permittedDomains.join(', ')}, ` +
        `not for ${outside.join(', ')}: clients would reject such a certificate. Use names inside those domains, or another authority.`,
    );
  }
  const authorityNotAfter = new Date(authority.certificate.summary.notAfter);
  if (authorityNotAfter.getTime() <= options.now.getTime()) {
    throw tlsInputError('CA_CERTIFICATE_UNFIT', `The authority's certificate expired on ${authority.certificate.summary.notAfter}: create a new authority.`);
  }
  const wanted = new Date(options.now.getTime() + (options.validityDays ?? DEFAULT_LEAF_VALIDITY_DAYS) * DAY_MS);
  // A certificate cannot be trusted past its issuer's expiry; stating the shorter life keeps expiry warnings honest.
  const notAfter = wanted.getTime() > authorityNotAfter.getTime() ? authorityNotAfter : wanted;
  const subjectPublicKey = publicKeyOf(options.subjectKey);
  const der = buildCertificate({
    subject: distinguishedName({ commonName: commonNameFor(names) }),
    issuer: authority.certificate.asn1.subject,
    subjectPublicKey,
    signingKey: authority.key,
    notBefore: new Date(options.now.getTime() - BACKDATE_MS),
    notAfter,
    extensions: [
      basicConstraintsExtension(false),
      keyUsageExtension(subjectPublicKey.asymmetricKeyType === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature']),
      serverAuthExtension(),
      subjectAltNameExtension(names),
      subjectKeyIdentifierExtension(subjectPublicKey),
      authorityKeyIdentifierExtension(authority.key),
    ],
  });
  return parseCertificateDer(der);
}

/** RFC 5280 dNSName constraints: the domain itself and every name below it. */
export function withinDomains(name: string, domains: readonly string[]): boolean {
  if (domains.length === 0) return true;
  const bare = name.replace(/^\*\./, '');
  return domains.some((domain) => bare === domain || bare.endsWith(`.${domain}`));
}

import type { KeyObject } from 'node:crypto';
import type { CertificateSummary, TlsFinding, TlsFindingCode, TlsValidation } from '../../../shared/contract/tls';
import { WEAK_SIGNATURES, type ParsedCertificate } from './certificate-info';
import { OID } from './x509-build';

export interface ValidateInput {
  /** The certificates as supplied, in any order; the leaf is the one that issued none of the others. */
  chain: readonly ParsedCertificate[];
  privateKey?: KeyObject | undefined;
  /** When no key is supplied and none is known, say so (import); inspecting a bare chain leaves it false. */
  requirePrivateKey?: boolean;
  expectedNames: readonly string[];
  /** The configured CA roots (or issuing CAs) the chain must build to. */
  trustAnchors: readonly ParsedCertificate[];
  now: Date;
  warningDays?: number;
}

const DAY_MS = 86_400_000;
const MAX_DEPTH = 8;
const STRONG_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/**
 * Everything that would make a certificate fail on a mail server, found before it is deployed. Pure: the same input
 * gives the same findings, so a plan shown to the operator and the execution that follows agree.
 */
export function validateCertificate(input: ValidateInput): TlsValidation {
  const findings: TlsFinding[] = [];
  const add = (code: TlsFindingCode, severity: TlsFinding['severity'], message: string, extra: { certificate?: string; name?: string } = {}) =>
    findings.push({ code, severity, message, certificate: extra.certificate ?? null, name: extra.name ?? null });

  const leaf = pickLeaf(input.chain);
  const leafName = describe(leaf.summary);

  // Key.
  if (input.privateKey) {
    if (!leaf.x509.checkPrivateKey(input.privateKey)) {
      add(
        'TLS_KEY_MISMATCH',
        'error',
        `The private key does not belong to the certificate ${leafName}. Give the key that was used to request this certificate, or the certificate issued for this key.`,
      );
    }
  } else if (input.requirePrivateKey) {
    add(
      'TLS_KEY_MISSING',
      'error',
      `No private key was given for ${leafName}, and no request made by the console has its public key. Import the key with the certificate (PEM or PKCS#12).`,
    );
  }

  // Chain.
  const path = buildPath(leaf, input.chain, input.trustAnchors, add);
  const unused = input.chain.filter((c) => !path.includes(c) && !input.trustAnchors.some((a) => a.der.equals(c.der)));
  for (const extra of unused) {
    add('TLS_UNUSED_CERTIFICATE', 'warning', `The certificate ${describe(extra.summary)} is not part of this chain and will not be deployed. Remove it from the file to avoid confusion.`, {
      certificate: extra.summary.subject,
    });
  }

  // Names.
  const covered = (name: string) =>
    leaf.summary.dnsNames.includes(name) || (!name.startsWith('*.') && leaf.x509.checkHost(name, { subject: 'never', wildcards: true, partialWildcards: false, multiLabelWildcards: false }) !== undefined);
  for (const name of input.expectedNames) {
    if (covered(name)) continue;
    const listed = leaf.summary.dnsNames.length ? `it names ${leaf.summary.dnsNames.join(', ')}` : 'it has no subjectAltName DNS names, and clients no longer look at the CN';
    add('TLS_NAME_NOT_COVERED', 'error', `The certificate does not cover the mail name ${name} (${listed}). Request a certificate whose subjectAltName includes ${name}.`, { name });
  }

  // Dates, for every certificate the server will send and the anchor it builds to.
  const warningDays = input.warningDays ?? 30;
  for (const certificate of path) {
    const who = certificate === leaf ? 'The certificate' : `The CA certificate ${describe(certificate.summary)}`;
    const notBefore = new Date(certificate.summary.notBefore);
    const notAfter = new Date(certificate.summary.notAfter);
    const at = { certificate: certificate.summary.subject };
    if (input.now < notBefore) {
      const days = Math.ceil((notBefore.getTime() - input.now.getTime()) / DAY_MS);
      add('TLS_NOT_YET_VALID', 'error', `${who} is valid only from ${day(notBefore)} (in ${plural(days, 'day')}). Check the clocks of the console and of the CA, or wait until then.`, at);
    } else if (input.now > notAfter) {
      const days = Math.floor((input.now.getTime() - notAfter.getTime()) / DAY_MS);
      add('TLS_EXPIRED', 'error', `${who} expired on ${day(notAfter)} (${plural(days, 'day')} ago). Renew it.`, at);
    } else {
      const daysLeft = Math.floor((notAfter.getTime() - input.now.getTime()) / DAY_MS);
      if (daysLeft <= warningDays) {
        add('TLS_EXPIRING_SOON', 'warning', `${who} expires on ${day(notAfter)}, in ${plural(daysLeft, 'day')} (warning from ${warningDays} days). Renew it before then.`, at);
      }
    }
  }

  // Fitness for a TLS server.
  const keyType = leaf.summary.keyType;
  if (leaf.keyUsage !== null && !leaf.keyUsage.includes('digitalSignature')) {
    add(
      'TLS_KEY_USAGE_UNFIT',
      'error',
      `The certificate's key usage (${leaf.keyUsage.join(', ') || 'none'}) lacks digitalSignature, which TLS 1.3 and every ECDHE handshake need. Ask the CA for a server certificate (digitalSignature${keyType === 'rsa' ? ', keyEncipherment' : ''}).`,
    );
  }
  if (leaf.extendedKeyUsage !== null && !leaf.extendedKeyUsage.includes(OID.serverAuth) && !leaf.extendedKeyUsage.includes(OID.anyExtendedKeyUsage)) {
    add('TLS_EXTENDED_KEY_USAGE_UNFIT', 'error', 'The certificate is not for TLS servers: its extended key usage lacks serverAuth. Ask the CA for a server certificate (TLS Web Server Authentication).');
  }
  if (leaf.summary.isCa) {
    add('TLS_LEAF_IS_CA', 'error', `${leafName} is a CA certificate (basicConstraints CA:TRUE), not a server certificate. Deploy the server certificate the CA issued, not the CA's own.`);
  }
  if (keyType === 'rsa' && (leaf.summary.keySize ?? 0) < 2048) {
    add('TLS_WEAK_KEY', 'error', `The certificate's RSA key has ${leaf.summary.keySize ?? '?'} bits; at least 2048 are needed. Generate a new key (ECDSA P-256 or RSA 2048+) and request a new certificate.`);
  } else if (keyType === 'ec' && !STRONG_CURVES.has(leaf.summary.curve ?? '')) {
    add('TLS_WEAK_KEY', 'warning', `The certificate's key uses the curve ${leaf.summary.curve ?? 'unknown'}, which many mail clients do not support. Prefer ECDSA P-256 or P-384.`);
  } else if (keyType !== 'rsa' && keyType !== 'ec') {
    add('TLS_WEAK_KEY', 'error', `The certificate's key is of type ${keyType}, which mail clients do not accept for TLS. Use an ECDSA P-256 or RSA 2048+ key.`);
  }
  for (const certificate of path) {
    // A root's own signature is never checked by clients: only what the server sends and what signs it matters.
    if (certificate.summary.selfSigned) continue;
    if (WEAK_SIGNATURES.has(certificate.summary.signatureAlgorithm)) {
      add('TLS_WEAK_SIGNATURE', 'error', `${certificate === leaf ? 'The certificate' : `The CA certificate ${describe(certificate.summary)}`} is signed with ${certificate.summary.signatureAlgorithm}, which clients refuse. Have it reissued with SHA-256.`, {
        certificate: certificate.summary.subject,
      });
    }
  }

  return {
    leaf: leaf.summary,
    chain: path.map((c) => c.summary),
    findings,
    deployable: !findings.some((f) => f.severity === 'error'),
  };
}

/** The leaf is the certificate that issued none of the others (a bundle may be in any order); else the first. */
export function pickLeaf(chain: readonly ParsedCertificate[]): ParsedCertificate {
  const first = chain[0];
  if (!first) throw new Error('validateCertificate needs at least one certificate');
  const issuesAnother = (c: ParsedCertificate) => chain.some((other) => other !== c && other.x509.checkIssued(c.x509));
  return chain.find((c) => !c.summary.isCa && !issuesAnother(c)) ?? chain.find((c) => !issuesAnother(c)) ?? first;
}

type Add = (code: TlsFindingCode, severity: TlsFinding['severity'], message: string, extra?: { certificate?: string; name?: string }) => void;

/**
 * Walks from the leaf to a configured anchor: each step must be issued (names, key identifiers) and signed by the next.
 * Stops at the first gap and names it, because the fix for a gap is always one specific certificate.
 */
function buildPath(leaf: ParsedCertificate, supplied: readonly ParsedCertificate[], anchors: readonly ParsedCertificate[], add: Add): ParsedCertificate[] {
  const path: ParsedCertificate[] = [leaf];
  let current = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const anchor = anchors.find((a) => current.x509.checkIssued(a.x509));
    if (anchor) {
      if (!current.x509.verify(anchor.x509.publicKey)) {
        add('TLS_SIGNATURE_INVALID', 'error', `The signature on ${describe(current.summary)} does not verify with the key of the configured CA ${describe(anchor.summary)}: it was issued by a different CA of the same name, or it was altered. Get the certificate again from your CA.`, {
          certificate: current.summary.subject,
        });
        return path;
      }
      if (!anchor.der.equals(current.der)) path.push(anchor);
      return path;
    }
    if (current.summary.selfSigned) {
      add(
        anchors.length ? 'TLS_CHAIN_UNTRUSTED' : 'TLS_NO_CA_CONFIGURED',
        'error',
        anchors.length
          ? `The chain ends at the root ${describe(current.summary)}, which is not a CA configured for this site. Use a certificate from the configured CA, or trust this root for the site (tls.ca.trust) if it is your organisation's.`
          : `No CA is configured for this site, so the chain (ending at ${describe(current.summary)}) cannot be checked. Trust your organisation's CA root for the site (tls.ca.trust), or create the console's own CA.`,
        { certificate: current.summary.subject },
      );
      return path;
    }
    const issuer = supplied.find((c) => c !== current && !path.includes(c) && current.x509.checkIssued(c.x509));
    const namesake = issuer ? undefined : [...supplied, ...anchors].find((c) => c !== current && c.summary.subject === current.summary.issuer);
    if (namesake) {
      // Same name, other key: a re-keyed or impostor CA. "Missing intermediate" would send the operator looking for a
      // certificate they believe they already gave.
      add('TLS_SIGNATURE_INVALID', 'error', `A CA certificate named ${describe(namesake.summary)} was supplied, but it did not issue ${describe(current.summary)} (its key differs): the chain mixes certificates of different CAs of the same name. Get the matching chain from your CA.`, {
        certificate: current.summary.subject,
      });
      return path;
    }
    if (!issuer) {
      add(
        anchors.length ? 'TLS_CHAIN_INCOMPLETE' : 'TLS_NO_CA_CONFIGURED',
        'error',
        anchors.length
          ? `The chain is missing the intermediate certificate "${current.summary.issuer}" that issued ${describe(current.summary)}, and it is not a configured CA. Add that intermediate (your CA publishes it) after the certificate in the chain file.`
          : `No CA is configured for this site, and the chain stops at "${current.summary.issuer}". Trust your organisation's CA root for the site (tls.ca.trust) and include every intermediate in the chain.`,
        { certificate: current.summary.issuer },
      );
      return path;
    }
    if (!current.x509.verify(issuer.x509.publicKey)) {
      add('TLS_SIGNATURE_INVALID', 'error', `The signature on ${describe(current.summary)} does not verify with the key of ${describe(issuer.summary)}: the chain mixes certificates of different CAs, or one was altered. Get the chain again from your CA.`, {
        certificate: current.summary.subject,
      });
      return path;
    }
    if (!issuer.summary.isCa) {
      add('TLS_ISSUER_NOT_CA', 'error', `${describe(issuer.summary)} signed ${describe(current.summary)} but is not a CA certificate (basicConstraints CA:TRUE missing), so clients refuse the chain. Get the chain again from your CA.`, {
        certificate: issuer.summary.subject,
      });
      return path;
    }
    path.push(issuer);
    current = issuer;
  }
  add('TLS_CHAIN_INCOMPLETE', 'error', `The chain is longer than ${MAX_DEPTH} certificates without reaching a configured CA. Check that the file holds the right chain.`);
  return path;
}

const describe = (summary: CertificateSummary): string => `"${summary.commonName ?? summary.subject}"`;
const day = (date: Date): string => date.toISOString().slice(0, 10);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

import { createHash, X509Certificate } from 'node:crypto';
import type { Host } from '../../../shared/contract';

/** A DKIM public-key record the domain should publish: TXT at SELECTOR._domainkey.DOMAIN. */
export interface DkimExpectation {
  selector: string;
  /** The record's text, e.g. "v=DKIM1; k=rsa; p=MIIB…" (split into 255-byte strings only when exported). */
  text: string;
}

/** Where the DKIM records come from: the DKIM capability knows the selectors it prepared, published and signs with. */
export interface DkimRecordSource {
  expected(domain: string): Promise<DkimExpectation[]>;
}

/** Where the certificates come from that hosts serve on SMTP port 25: the TLS capability knows what it deployed. */
export interface ServedCertificateSource {
  /** PEM certificates the host serves for its mail names (more than one during a rollover); none when unknown. */
  served(host: Host): Promise<string[]>;
}

/** Until the DKIM part plugs in, no DKIM record is expected. */
export const noDkimRecords: DkimRecordSource = { expected: async () => [] };

/** Until the TLS part plugs in, no certificate is known, so no TLSA record is expected. */
export const noServedCertificates: ServedCertificateSource = { served: async () => [] };

/**
 * The DANE-EE "3 1 1" association data: SHA-256 of the certificate's SubjectPublicKeyInfo (RFC 6698 §2.1, RFC 7672
 * §3.1.1). Pinning the key rather than the certificate keeps the record valid across renewals with the same key.
 */
export function spkiSha256(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

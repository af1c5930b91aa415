import type { KeyObject } from 'node:crypto';
import { toPem } from './pem';
import { buildCertificationRequest, commonNameFor, distinguishedName } from './x509-build';

/**
 * A PKCS#10 request for the organisation's CA: subject CN is the first mail name (when it fits in 64 characters), and
 * every name is asked for as a subjectAltName dNSName, which is what clients actually check.
 */
export function createCertificationRequestPem(key: KeyObject, names: readonly string[], organisation?: string): string {
  const subject = distinguishedName({ commonName: commonNameFor(names), organisation });
  return toPem('CERTIFICATE REQUEST', buildCertificationRequest(key, subject, names));
}

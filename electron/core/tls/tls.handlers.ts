import type { z } from 'zod';
import type * as tls from '../../../shared/contract/tls';
import type { InventoryService } from '../inventory/inventory.service';
import type { CommandHandler, QueryHandler } from '../router/handlers';
import type { TlsService } from './tls.service';

export function tlsHandlers(
  service: TlsService,
  inventory: InventoryService,
): {
  'tls.inspect': QueryHandler<'tls.inspect'>;
  'tls.list': QueryHandler<'tls.list'>;
  'tls.ca.list': QueryHandler<'tls.ca.list'>;
  'tls.csr': CommandHandler<'tls.csr'>;
  'tls.import': CommandHandler<'tls.import'>;
  'tls.ca.create': CommandHandler<'tls.ca.create'>;
  'tls.ca.trust': CommandHandler<'tls.ca.trust'>;
  'tls.issue': CommandHandler<'tls.issue'>;
} {
  const siteScope = (site: string | undefined) => ({ site: site ?? null, host: null });
  return {
    'tls.inspect': (input) => service.inspect(input),
    'tls.list': (input) => service.list(input.host),
    'tls.ca.list': (input) => service.authorities(input.site),
    'tls.csr': {
      scope: (input) => inventory.scopeOfHost(input.host),
      plan: (input) => service.planCsr(input),
      execute: (input) => service.createCsr(input),
      // The request is public, but long: the audit keeps what identifies it.
      auditResult: (output) => ({ id: output.record.id, names: output.record.names, spkiSha256: output.record.spkiSha256 }),
    },
    'tls.import': {
      scope: (input) => inventory.scopeOfHost(input.host),
      plan: (input) => service.planImport(input),
      execute: (input) => service.importCertificate(input),
      auditResult: (output) => auditOfRecord(output),
    },
    'tls.ca.create': {
      scope: (input) => siteScope(input.site),
      plan: (input) => service.planCreateAuthority(input),
      execute: (input) => service.createAuthority(input),
      auditResult: (output) => ({ name: output.name, fingerprintSha256: output.certificate.fingerprintSha256, notAfter: output.certificate.notAfter }),
    },
    'tls.ca.trust': {
      scope: (input) => siteScope(input.site),
      plan: (input) => service.planTrustAuthority(input),
      execute: (input) => service.trustAuthority(input),
      auditResult: (output) => ({ name: output.name, subject: output.certificate.subject, fingerprintSha256: output.certificate.fingerprintSha256 }),
    },
    'tls.issue': {
      scope: (input) => inventory.scopeOfHost(input.host),
      plan: (input) => service.planIssue(input),
      execute: (input) => service.issue(input),
      auditResult: (output) => auditOfRecord(output),
    },
  };
}

/** What the audit trail records of a stored certificate: enough to identify it, never key material. */
function auditOfRecord(record: z.input<typeof tls.TlsCertificateRecord>) {
  return {
    id: record.id,
    names: record.names,
    fingerprintSha256: record.certificate?.fingerprintSha256 ?? null,
    spkiSha256: record.spkiSha256,
    notAfter: record.certificate?.notAfter ?? null,
    findings: record.findings.map((f) => f.code),
  };
}

import type { CommandHandler, QueryHandler } from '../router/handlers';
import type { InventoryService } from '../inventory/inventory.service';
import type { TlsDeployService } from './tls-deploy.service';

export function tlsDeployHandlers(
  service: TlsDeployService,
  inventory: InventoryService,
): {
  'tls.settings': QueryHandler<'tls.settings'>;
  'tls.configure': CommandHandler<'tls.configure'>;
  'tls.deploy': CommandHandler<'tls.deploy'>;
  'tls.deployments': QueryHandler<'tls.deployments'>;
  'tls.status': QueryHandler<'tls.status'>;
} {
  return {
    'tls.settings': (input) => service.settings(input.host),
    'tls.configure': {
      scope: (input) => inventory.scopeOfHost(input.host),
      plan: (input) => service.planConfigure(input),
      execute: (input) => service.configure(input),
    },
    'tls.deploy': {
      scope: (input) => inventory.scopeOfHost(input.host),
      plan: (input, ctx) => service.planDeploy(input, ctx.signal),
      execute: (input, ctx) => service.deploy(input, ctx.actor, ctx.signal),
      // What went where and what each port served: never key material (the key never enters these records).
      auditResult: (output) => ({
        deployment: output.id,
        certificateId: output.certificateId,
        fingerprintSha256: output.fingerprintSha256,
        previousFingerprintSha256: output.previousFingerprintSha256,
        state: output.state,
        checks: output.checks.map((c) => ({ listener: c.listener, port: c.port, served: c.servedFingerprintSha256, ok: c.ok })),
      }),
    },
    'tls.deployments': (input) => service.deployments(input.host, input.limit),
    'tls.status': (input) => service.status(input.site),
  };
}

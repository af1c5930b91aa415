import type { CommandHandler, QueryHandler } from '../../router/handlers';
import type { InventoryService } from '../../inventory/inventory.service';
import type { ProvisionService } from './provision.service';

export function applyHandlers(
  service: ProvisionService,
  inventory: InventoryService,
): {
  'provision.apply': CommandHandler<'provision.apply'>;
  'provision.status': QueryHandler<'provision.status'>;
  'provision.runs': QueryHandler<'provision.runs'>;
} {
  return {
    'provision.apply': {
      scope: (input) => inventory.scopeOfHost(input.host),
      plan: (input, ctx) => service.plan(input, ctx.signal),
      execute: (input, ctx) => service.apply(input, ctx.actor, ctx.signal, ctx.progress),
      // What ran and what answered; secrets are generated into the vault and never reach the result.
      auditResult: (output) => ({
        runId: output.runId,
        stackVersion: output.stackVersion,
        previousVersion: output.previousVersion,
        outcome: output.outcome,
        services: output.services.map((s) => ({ service: s.service, action: s.action, containerId: s.containerId, health: s.health })),
        checks: output.checks.map((c) => ({ service: c.service, kind: c.kind, port: c.port, ok: c.ok })),
      }),
    },
    'provision.status': (input, ctx) => service.status(input.host, ctx.signal),
    'provision.runs': (input) => service.runs(input.host, input.limit),
  };
}

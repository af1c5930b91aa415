import type { CommandHandler, QueryHandler, TaskHandler } from '../router/handlers';
import type { InventoryService } from '../inventory/inventory.service';
import type { DkimService } from './dkim.service';

export function dkimHandlers(
  dkim: DkimService,
  inventory: InventoryService,
): {
  'dkim.status': TaskHandler<'dkim.status'>;
  'dkim.record': QueryHandler<'dkim.record'>;
  'dkim.rotate': CommandHandler<'dkim.rotate'>;
  'dkim.policy': QueryHandler<'dkim.policy'>;
  'dkim.setPolicy': CommandHandler<'dkim.setPolicy'>;
  'dkim.rspamd': QueryHandler<'dkim.rspamd'>;
  'dkim.setRspamd': CommandHandler<'dkim.setRspamd'>;
} {
  return {
    'dkim.status': (input, ctx) => dkim.status(input, ctx.signal, ctx.progress),
    'dkim.record': (input) => dkim.record(input.domain),
    'dkim.rotate': {
      scope: (input) => dkim.scopeOfDomain(input.domain),
      plan: (input, ctx) => dkim.planRotate(input.domain, input.algorithm, ctx.signal),
      execute: (input, ctx) => dkim.rotate(input.domain, input.algorithm, ctx.signal),
    },
    'dkim.policy': (input) => dkim.policy(input.domain),
    'dkim.setPolicy': {
      scope: (input) => dkim.scopeOfDomain(input.domain),
      plan: (input) => dkim.planSetPolicy(input.domain, input.policy),
      execute: (input) => dkim.setPolicy(input.domain, input.policy),
    },
    'dkim.rspamd': (input) => dkim.rspamd(input.host),
    'dkim.setRspamd': {
      scope: (input) => inventory.scopeOfHost(input.host),
      plan: (input) => dkim.planSetRspamd(input.host, input.settings),
      execute: (input) => dkim.setRspamd(input.host, input.settings),
    },
  };
}

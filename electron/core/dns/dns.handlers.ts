import type { CommandHandler, QueryHandler, TaskHandler } from '../router/handlers';
import type { DnsService } from './dns.service';

export function dnsHandlers(dns: DnsService): {
  'dns.check': TaskHandler<'dns.check'>;
  'dns.zone': QueryHandler<'dns.zone'>;
  'dns.domains': QueryHandler<'dns.domains'>;
  'dns.last': QueryHandler<'dns.last'>;
  'dns.policy': QueryHandler<'dns.policy'>;
  'dns.setPolicy': CommandHandler<'dns.setPolicy'>;
} {
  return {
    'dns.check': (input, ctx) => dns.check(input.domain, ctx.signal, ctx.progress),
    'dns.zone': (input) => dns.zone(input.domain),
    'dns.domains': (input) => dns.domains(input.site),
    'dns.last': (input) => dns.last(input.domain),
    'dns.policy': (input) => dns.policy(input.domain),
    'dns.setPolicy': {
      scope: (input) => dns.scopeOfDomain(input.domain),
      plan: (input) => dns.planSetPolicy(input.domain, input.policy),
      execute: (input) => dns.setPolicy(input.domain, input.policy),
    },
  };
}

import type { CommandHandler, EventHandler, QueryHandler } from '../router/handlers';
import type { EventBus } from '../router/event-bus';
import type { InventoryService } from './inventory.service';
import type { InventoryTransfer } from './inventory-transfer';

const changed = ['inventory.changed'] as const;

export function inventoryHandlers(
  inventory: InventoryService,
  transfer: InventoryTransfer,
  bus: EventBus,
): {
  'inventory.sites.list': QueryHandler<'inventory.sites.list'>;
  'inventory.sites.create': CommandHandler<'inventory.sites.create'>;
  'inventory.sites.update': CommandHandler<'inventory.sites.update'>;
  'inventory.sites.delete': CommandHandler<'inventory.sites.delete'>;
  'inventory.hosts.list': QueryHandler<'inventory.hosts.list'>;
  'inventory.hosts.get': QueryHandler<'inventory.hosts.get'>;
  'inventory.hosts.create': CommandHandler<'inventory.hosts.create'>;
  'inventory.hosts.update': CommandHandler<'inventory.hosts.update'>;
  'inventory.hosts.delete': CommandHandler<'inventory.hosts.delete'>;
  'inventory.domains.list': QueryHandler<'inventory.domains.list'>;
  'inventory.domains.create': CommandHandler<'inventory.domains.create'>;
  'inventory.domains.delete': CommandHandler<'inventory.domains.delete'>;
  'inventory.export': QueryHandler<'inventory.export'>;
  'inventory.import': CommandHandler<'inventory.import'>;
  'inventory.changed': EventHandler<'inventory.changed'>;
} {
  const site = (name: string) => ({ site: name, host: null });
  return {
    'inventory.sites.list': (input) => inventory.listSites(input.search),
    'inventory.sites.create': {
      scope: (input) => site(input.name),
      plan: (input) => inventory.planSiteCreate(input),
      execute: (input) => inventory.createSite(input),
      emits: [...changed],
    },
    'inventory.sites.update': {
      scope: (input) => site(input.name),
      plan: (input) => inventory.planSiteUpdate(input),
      execute: (input) => inventory.updateSite(input),
      emits: [...changed],
    },
    'inventory.sites.delete': {
      scope: (input) => site(input.name),
      plan: (input) => inventory.planSiteDelete(input.name),
      execute: async (input) => ({ deleted: await inventory.deleteSite(input.name) }),
      emits: [...changed],
    },
    'inventory.hosts.list': (input) => inventory.listHosts(input),
    'inventory.hosts.get': (input) => inventory.getHost(input.name),
    'inventory.hosts.create': {
      scope: (input) => ({ site: input.site, host: input.name }),
      plan: (input) => inventory.planHostCreate(input),
      execute: (input) => inventory.createHost(input),
      emits: [...changed],
    },
    'inventory.hosts.update': {
      scope: (input) => inventory.scopeOfHost(input.name),
      plan: (input) => inventory.planHostUpdate(input),
      execute: (input) => inventory.updateHost(input),
      emits: [...changed],
    },
    'inventory.hosts.delete': {
      scope: (input) => inventory.scopeOfHost(input.name),
      plan: (input) => inventory.planHostDelete(input.name),
      execute: async (input) => ({ deleted: await inventory.deleteHost(input.name) }),
      emits: [...changed],
    },
    'inventory.domains.list': (input) => inventory.listDomains(input.site),
    'inventory.domains.create': {
      scope: (input) => site(input.site),
      plan: (input) => inventory.planDomainCreate(input),
      execute: (input) => inventory.createDomain(input),
      emits: [...changed],
    },
    'inventory.domains.delete': {
      scope: (input) => ({ site: inventory.domainRow(input.name)?.site_name ?? null, host: null }),
      plan: (input) => inventory.planDomainDelete(input.name),
      execute: (input) => ({ deleted: inventory.deleteDomain(input.name) }),
      emits: [...changed],
    },
    'inventory.export': () => transfer.exportDocument(),
    'inventory.import': {
      plan: (input) => transfer.planImport(input.document),
      execute: (input) => transfer.applyImport(input.document),
      // The document itself can be large; the plan already says what changed.
      auditResult: (counts) => counts,
      emits: [...changed],
    },
    'inventory.changed': (_input, emit) => bus.on('inventory.changed', (payload) => emit(payload as { operation: string })),
  };
}

import type { CommandHandler, QueryHandler, TaskHandler } from '../router/handlers';
import type { InventoryService } from '../inventory/inventory.service';
import type { QueueService } from './queue.service';
import type { QueueAction } from './postsuper';

type ActionName = 'queue.hold' | 'queue.release' | 'queue.requeue' | 'queue.delete';

export function queueHandlers(
  queue: QueueService,
  inventory: InventoryService,
): {
  'queue.summary': TaskHandler<'queue.summary'>;
  'queue.fleet': TaskHandler<'queue.fleet'>;
  'queue.last': QueryHandler<'queue.last'>;
  'queue.list': QueryHandler<'queue.list'>;
  'queue.export': TaskHandler<'queue.export'>;
  'queue.show': QueryHandler<'queue.show'>;
  'queue.hold': CommandHandler<'queue.hold'>;
  'queue.release': CommandHandler<'queue.release'>;
  'queue.requeue': CommandHandler<'queue.requeue'>;
  'queue.delete': CommandHandler<'queue.delete'>;
  'queue.flush': CommandHandler<'queue.flush'>;
  'queue.thresholds': QueryHandler<'queue.thresholds'>;
  'queue.setThresholds': CommandHandler<'queue.setThresholds'>;
} {
  // The four actions share one contract shape; TypeScript cannot see that through the operation name, hence the cast.
  const action = <N extends ActionName>(name: QueueAction): CommandHandler<N> =>
    ({
    scope: (input) => inventory.scopeOfHost(input.host),
    plan: (input, ctx) => queue.planAction(name, input, ctx.signal),
    execute: (input, ctx) => queue.executeAction(name, input, ctx.signal),
    // The audit record names every message acted on, however many: the selection is in the input, the IDs here.
    auditResult: (output, input) => ({ ...output, ids: queue.confirmedIds(input) }),
  }) as CommandHandler<'queue.hold'> as unknown as CommandHandler<N>;
  return {
    'queue.summary': (input, ctx) => queue.summary(input.host, ctx.signal, ctx.progress),
    'queue.fleet': (input, ctx) => queue.fleet(input, ctx.signal, ctx.progress),
    'queue.last': () => queue.last(),
    'queue.list': (input, ctx) => queue.list(input, ctx.signal),
    'queue.export': (input, ctx) => queue.export(input, (items) => ctx.part({ items }), ctx.signal, ctx.progress),
    'queue.show': (input, ctx) => queue.show(input.host, input.id, ctx.signal),
    'queue.hold': action('hold'),
    'queue.release': action('release'),
    'queue.requeue': action('requeue'),
    'queue.delete': action('delete'),
    'queue.flush': {
      scope: (input) => inventory.scopeOfHost(input.host),
      plan: (input, ctx) => queue.planFlush(input.host, ctx.signal),
      execute: (input, ctx) => queue.flush(input.host, ctx.signal),
    },
    'queue.thresholds': (input) => queue.thresholds(input.host),
    'queue.setThresholds': {
      scope: (input) => inventory.scopeOfHost(input.host),
      plan: (input) => queue.planSetThresholds(input.host, input.thresholds),
      execute: (input) => queue.setThresholds(input.host, input.thresholds),
    },
  };
}

import type { CommandHandler, QueryHandler, TaskHandler } from '../router/handlers';
import type { InventoryService } from '../inventory/inventory.service';
import type { DockerService } from './docker.service';

export function dockerHandlers(
  docker: DockerService,
  inventory: InventoryService,
): {
  'docker.containers': QueryHandler<'docker.containers'>;
  'docker.images': QueryHandler<'docker.images'>;
  'docker.volumes': QueryHandler<'docker.volumes'>;
  'docker.logs': TaskHandler<'docker.logs'>;
  'docker.restart': CommandHandler<'docker.restart'>;
  'docker.stop': CommandHandler<'docker.stop'>;
} {
  return {
    'docker.containers': (input) => docker.containers(inventory.getHost(input.host).name, input.all),
    'docker.images': (input) => docker.images(inventory.getHost(input.host).name),
    'docker.volumes': (input) => docker.volumes(inventory.getHost(input.host).name),
    'docker.logs': (input, ctx) =>
      docker.logs(inventory.getHost(input.host).name, input.container, { tail: input.tail, maxBytes: input.maxBytes, signal: ctx.signal }),
    'docker.restart': {
      scope: (input) => inventory.scopeOfHost(input.host),
      // A restart interrupts the service for a moment: confirm it like any other disruptive change.
      plan: async (input) => ({ ...(await docker.planRestart(inventory.getHost(input.host).name, input.container)), destructive: true }),
      execute: (input, ctx) => docker.restart(inventory.getHost(input.host).name, input.container, ctx.signal),
    },
    'docker.stop': {
      scope: (input) => inventory.scopeOfHost(input.host),
      plan: (input) => docker.planStop(inventory.getHost(input.host).name, input.container),
      execute: (input, ctx) => docker.stop(inventory.getHost(input.host).name, input.container, ctx.signal),
    },
  };
}

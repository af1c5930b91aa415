import type { QueryHandler, TaskHandler } from '../router/handlers';
import type { FleetService } from './fleet.service';

export function fleetHandlers(fleet: FleetService): {
  'fleet.check': TaskHandler<'fleet.check'>;
  'fleet.status': TaskHandler<'fleet.status'>;
  'fleet.last': QueryHandler<'fleet.last'>;
} {
  return {
    'fleet.check': (input, ctx) => fleet.check(input.host, ctx.signal),
    'fleet.status': (input, ctx) => fleet.status(input, ctx.signal, ctx.progress),
    'fleet.last': () => fleet.last(),
  };
}

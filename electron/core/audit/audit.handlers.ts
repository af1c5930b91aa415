import type { EventHandler, QueryHandler, TaskHandler } from '../router/handlers';
import type { AuditService } from './audit.service';

export function auditHandlers(audit: AuditService): {
  'audit.list': QueryHandler<'audit.list'>;
  'audit.verify': TaskHandler<'audit.verify'>;
  'audit.appended': EventHandler<'audit.appended'>;
} {
  return {
    'audit.list': (input) => audit.list(input),
    'audit.verify': (_input, ctx) => audit.verify({ signal: ctx.signal, onProgress: ctx.progress }),
    'audit.appended': (_input, emit) => audit.onAppend(emit),
  };
}

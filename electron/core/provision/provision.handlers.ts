import type { CommandHandler, QueryHandler, TaskHandler } from '../router/handlers';
import { verifyBundle } from './bundle/verify-bundle';
import type { PublisherKeys } from './publisher-keys';

export function provisionHandlers(keys: PublisherKeys): {
  'provision.keys.list': QueryHandler<'provision.keys.list'>;
  'provision.keys.add': CommandHandler<'provision.keys.add'>;
  'provision.keys.remove': CommandHandler<'provision.keys.remove'>;
  'provision.bundle.verify': TaskHandler<'provision.bundle.verify'>;
} {
  return {
    'provision.keys.list': () => ({ keys: keys.list() }),
    'provision.keys.add': {
      plan: (input) => keys.planAdd(input.name, input.publicKeyPem),
      execute: (input, ctx) => ({ key: keys.add(input.name, input.publicKeyPem, ctx.actor) }),
    },
    'provision.keys.remove': {
      plan: (input) => keys.planRemove(input.keyId),
      execute: (input) => keys.remove(input.keyId),
    },
    'provision.bundle.verify': async (input, ctx) => {
      const verified = await verifyBundle(input.path, keys.trusted(), { signal: ctx.signal, onProgress: ctx.progress });
      const publisher = keys.list().find((key) => key.keyId === verified.publisher.keyId);
      if (!publisher) throw new Error('The verifying key vanished from the trusted keys.');
      return {
        path: verified.path,
        manifest: verified.manifest,
        stack: verified.stack,
        publisher,
        fileCount: verified.manifest.files.length,
        totalBytes: verified.totalBytes,
      };
    },
  };
}

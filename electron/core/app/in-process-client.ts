import { createClient, type CopperClient } from '../../../shared/client/client';
import type { ServerMessage } from '../../../shared/contract';
import type { Core } from './core';

/**
 * The typed client connected to a core in the same process, through a session like any other shell: the CLI and the
 * tests use the very path the desktop and browser shells use, minus the wire.
 */
export function connectInProcess(core: Core, actor: string): { client: CopperClient; close(): void } {
  const listeners = new Set<(message: unknown) => void>();
  const session = core.openSession(actor, (message: ServerMessage) => {
    for (const listener of listeners) listener(message);
  });
  const client = createClient({
    // A microtask hop keeps call and reply asynchronous, as they are over IPC or a WebSocket.
    send: (message) => queueMicrotask(() => session.handle(message)),
    onMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  }, { validateOutputs: false });
  return {
    client,
    close() {
      client.close();
      session.close();
    },
  };
}

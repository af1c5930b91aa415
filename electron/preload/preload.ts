// Must stay the first import: it switches zod to jitless before the protocol schemas below are built.
import '../../shared/zod-jitless';
import { BRIDGE_KEY, IPC_TO_MAIN, IPC_TO_RENDERER, type CopperBridge } from '../../shared/client/bridge';
import { ClientMessage } from '../../shared/contract/wire';
import { APP_ORIGIN } from '../main/app-origin';

/** The parts of ipcRenderer the bridge uses. Only the bridge ever holds it; it is never handed to the page. */
export interface BridgeIpc {
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface BridgeExposer {
  exposeInMainWorld(apiKey: string, api: unknown): void;
}

/**
 * window.copper: protocol messages out, protocol messages in, nothing else.
 *
 * Must not change: ipcRenderer, the IpcRendererEvent (whose `sender` is ipcRenderer) and any other Electron or Node
 * object stay on this side of the context bridge. The page gets two functions and plain data.
 */
export function createCopperBridge(ipcRenderer: BridgeIpc): CopperBridge {
  return {
    send(message) {
      const parsed = ClientMessage.safeParse(message);
      if (!parsed.success) {
        throw new TypeError(
          `window.copper.send refused a message that does not follow the Copper protocol: ${parsed.error.issues
            .map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`)
            .join('; ')}`,
        );
      }
      ipcRenderer.send(IPC_TO_MAIN, parsed.data);
    },
    onMessage(listener) {
      if (typeof listener !== 'function') throw new TypeError('window.copper.onMessage needs a listener function.');
      const forward = (_event: unknown, message: unknown) => listener(message);
      ipcRenderer.on(IPC_TO_RENDERER, forward);
      return () => {
        ipcRenderer.removeListener(IPC_TO_RENDERER, forward);
      };
    },
  };
}

/**
 * Exposes window.copper to our own page only. The main process already refuses messages from any other origin and
 * the window cannot navigate away; not handing the bridge to a foreign page at all is the third fence.
 */
export function exposeCopperBridge(electron: { contextBridge: BridgeExposer; ipcRenderer: BridgeIpc }, pageOrigin: string): boolean {
  if (pageOrigin !== APP_ORIGIN) return false;
  electron.contextBridge.exposeInMainWorld(BRIDGE_KEY, createCopperBridge(electron.ipcRenderer));
  return true;
}

// Runs only inside Electron's renderer (the sandboxed preload, where `require` knows 'electron'); importing this module in
// a test exposes nothing and never loads 'electron'.
if (process.type === 'renderer') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded here, not at the top, for the reason above
  const electron: Pick<typeof import('electron'), 'contextBridge' | 'ipcRenderer'> = require('electron');
  exposeCopperBridge(electron, location.origin);
}

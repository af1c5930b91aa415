import type { Transport } from './client';

/**
 * What the Electron preload exposes as `window.copper`: a message channel carrying the wire protocol, validated on both
 * sides. It is deliberately not ipcRenderer: the renderer can send protocol messages and hear replies, nothing else.
 */
export type CopperBridge = Transport;

export const BRIDGE_KEY = 'copper';
/** IPC channel names, shared by the preload and the main-process router so nobody writes them by hand twice. */
export const IPC_TO_MAIN = 'copper:to-main';
export const IPC_TO_RENDERER = 'copper:to-renderer';

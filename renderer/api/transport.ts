import type { CopperBridge } from '../../shared/client/bridge';
import type { Transport } from '../../shared/client/client';
import type { ClientMessage, ServerMessage } from '../../shared/contract';

/**
 * `open`: messages flow. `connecting`: the first attempt is under way. `reconnecting`: the link was lost (or never came
 * up) and the transport keeps trying; the UI shows a banner while it does.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Consecutive failed attempts since the link was last open. */
  failedAttempts: number;
}

/** A transport that also says whether the core is reachable, so the UI can tell the operator when it is not. */
export interface ConnectionTransport extends Transport {
  status(): ConnectionStatus;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  close(): void;
}

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser shell. */
    copper?: CopperBridge;
  }
}

/** The Electron preload bridge when the app runs in the desktop shell, else a WebSocket to the browser shell. */
export function pickTransport(): ConnectionTransport {
  const bridge = window.copper;
  if (bridge) return bridgeTransport(bridge);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return webSocketTransport(`${scheme}://${location.host}/ws`);
}

function bridgeTransport(bridge: CopperBridge): ConnectionTransport {
  const status: ConnectionStatus = { state: 'open', failedAttempts: 0 };
  return {
    send: (message) => bridge.send(message),
    onMessage: (listener) => bridge.onMessage(listener),
    status: () => status,
    onStatus: () => () => undefined,
    close: () => undefined,
  };
}

const LOST_MESSAGE =
  'The connection to the console was lost before the answer arrived. If you were making a change, check the audit trail before trying again.';

/**
 * A WebSocket that comes back by itself. While it is down, calls wait in a queue; calls already sent when it drops are
 * failed (the server ends their session), and subscriptions are sent again on the new connection, so callers never have
 * to know that the link was lost.
 */
export function webSocketTransport(url: string): ConnectionTransport {
  const messageListeners = new Set<(message: unknown) => void>();
  const statusListeners = new Set<(status: ConnectionStatus) => void>();
  /** Calls and cancels waiting for the link. Subscriptions are not queued: they are replayed from `subscriptions`. */
  const queue: ClientMessage[] = [];
  /** Calls sent on the current socket and not answered yet. */
  const inFlight = new Set<string>();
  const subscriptions = new Map<string, ClientMessage>();
  let status: ConnectionStatus = { state: 'connecting', failedAttempts: 0 };
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const setStatus = (next: ConnectionStatus) => {
    status = next;
    for (const listener of statusListeners) listener(status);
  };
  const deliver = (message: unknown) => {
    for (const listener of messageListeners) listener(message);
  };
  const fail = (id: string, message: string) =>
    deliver({ type: 'result', id, ok: false, error: { code: 'CANCELLED', message } } satisfies ServerMessage);

  const write = (message: ClientMessage) => {
    if (message.type === 'call') inFlight.add(message.id);
    socket?.send(JSON.stringify(message));
  };

  function connect(): void {
    if (closed) return;
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      setStatus({ state: 'open', failedAttempts: 0 });
      for (const message of subscriptions.values()) write(message);
      for (const message of queue.splice(0)) write(message);
    };
    ws.onmessage = (event: MessageEvent<unknown>) => {
      if (typeof event.data !== 'string') return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      const reply = message as { type?: unknown; id?: unknown } | null;
      if (reply?.type === 'result' && typeof reply.id === 'string') inFlight.delete(reply.id);
      deliver(message);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      for (const id of [...inFlight]) fail(id, LOST_MESSAGE);
      inFlight.clear();
      if (closed) return;
      const failedAttempts = status.failedAttempts + 1;
      setStatus({ state: 'reconnecting', failedAttempts });
      // Quick at first (a restart of the shell), then every few seconds without hammering the server.
      const delay = Math.min(250 * 2 ** (failedAttempts - 1), 5000);
      retryTimer = setTimeout(connect, delay);
    };
  }

  connect();

  return {
    send(message) {
      const open = socket?.readyState === WebSocket.OPEN;
      switch (message.type) {
        case 'subscribe':
          subscriptions.set(message.id, message);
          if (open) write(message);
          return;
        case 'unsubscribe':
          subscriptions.delete(message.id);
          if (open) write(message);
          return;
        case 'cancel': {
          const waiting = queue.findIndex((m) => m.type === 'call' && m.id === message.id);
          if (waiting >= 0) {
            // Never sent: take it back and answer for the server.
            queue.splice(waiting, 1);
            fail(message.id, 'The operation was cancelled before it started.');
          } else if (open) write(message);
          return;
        }
        case 'call':
          if (open) write(message);
          else queue.push(message);
          return;
      }
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      socket?.close();
    },
  };
}

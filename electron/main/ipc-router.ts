import { IPC_TO_MAIN, IPC_TO_RENDERER } from '../../shared/client/bridge';
import { ClientMessage, type ServerMessage } from '../../shared/contract/wire';
import { isAppUrl } from './app-origin';
import { isTrustedSender, type SenderFrame } from './security';

/** The parts of WebContents the router uses. */
export interface IpcSenderContents {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  getURL(): string;
  once(event: 'destroyed', listener: () => void): unknown;
  on(
    event: 'did-start-navigation',
    listener: (details: { readonly url: string; readonly isMainFrame: boolean; readonly isSameDocument: boolean }) => void,
  ): unknown;
  on(event: 'did-navigate', listener: (event: unknown, url: string) => void): unknown;
  on(event: 'render-process-gone', listener: () => void): unknown;
}

/** The parts of IpcMainEvent the router uses. */
export interface IpcMessageEvent {
  readonly sender: IpcSenderContents;
  readonly senderFrame: SenderFrame | null;
}

export interface IpcMainLike {
  on(channel: string, listener: (event: IpcMessageEvent, ...args: unknown[]) => void): unknown;
}

/** A core Session as the router sees it (electron/core/router/session.ts). */
export interface CoreSession {
  handle(message: unknown): void;
  close(): void;
}

/** Opens a core session whose output goes to `send`; main.ts binds the actor. */
export type OpenSession = (send: (message: ServerMessage) => void) => CoreSession;

export interface IpcRouterOptions {
  /** Second check after the frame check: does this WebContents belong to a window main.ts created? */
  isOurWindow?: (contents: IpcSenderContents) => boolean;
  /** One-line warnings; never given message content. */
  warn?: (line: string) => void;
}

export interface IpcRouter {
  /** Closes every open session and drops every later message (on quit, before the core closes). */
  close(): void;
}

const describeOrigin = (frame: SenderFrame | null): string => {
  try {
    return frame === null ? 'no frame' : frame.parent === null ? `top frame of ${frame.origin}` : `sub-frame of ${frame.origin}`;
  } catch {
    return 'a disposed frame';
  }
};

/**
 * Connects renderer windows to the core: one core Session per WebContents, opened on its first message and closed when
 * the page goes away (window destroyed, reload or another app document, renderer crash), so a page never inherits the
 * running calls and subscriptions of the one before it.
 *
 * Must not change: a message reaches the core only if it comes from the top frame of our app://copper page in a window
 * we created, and follows the protocol. Everything else is dropped with a one-line warning that names the sender, never
 * the content (which may carry secrets).
 */
export function registerIpc(ipcMain: IpcMainLike, openSession: OpenSession, options: IpcRouterOptions = {}): IpcRouter {
  const isOurWindow = options.isOurWindow ?? (() => true);
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const sessions = new Map<number, CoreSession>();
  const watched = new Set<number>();
  const warned = new Set<string>();
  let closed = false;

  const warnOnce = (key: string, line: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    warn(line);
  };

  const end = (contentsId: number) => {
    const session = sessions.get(contentsId);
    sessions.delete(contentsId);
    session?.close();
  };

  const sendTo = (contents: IpcSenderContents) => (message: ServerMessage) => {
    try {
      // Output of the core goes to our own page only, never to whatever else a window might be showing.
      if (contents.isDestroyed() || !isAppUrl(contents.getURL())) return;
      contents.send(IPC_TO_RENDERER, message);
    } catch {
      // The renderer went away while the core was answering; its session is being closed.
    }
  };

  const watch = (contents: IpcSenderContents) => {
    const id = contents.id;
    if (watched.has(id)) return;
    watched.add(id);
    contents.once('destroyed', () => {
      end(id);
      watched.delete(id);
    });
    // A reload or another page of the app: the next document starts with a fresh session. (Navigations away from the
    // app are not counted here: they start too, but the security handlers prevent them and the page stays.)
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument && isAppUrl(details.url)) end(id);
    });
    // Should anything else ever be committed in the window, it must not inherit the session.
    contents.on('did-navigate', (_event, url) => {
      if (!isAppUrl(url)) end(id);
    });
    contents.on('render-process-gone', () => end(id));
  };

  const sessionFor = (contents: IpcSenderContents): CoreSession => {
    const existing = sessions.get(contents.id);
    if (existing !== undefined) return existing;
    watch(contents);
    const session = openSession(sendTo(contents));
    sessions.set(contents.id, session);
    return session;
  };

  ipcMain.on(IPC_TO_MAIN, (event, message) => {
    if (closed) return;
    const contents = event.sender;
    const frame = event.senderFrame;
    if (!isTrustedSender(frame)) {
      warnOnce(`frame:${contents.id}`, `Dropped an IPC message from an untrusted frame (${describeOrigin(frame)}, web contents ${contents.id}).`);
      return;
    }
    if (!isOurWindow(contents)) {
      warnOnce(`window:${contents.id}`, `Dropped an IPC message from web contents ${contents.id}, which is not a window this console opened.`);
      return;
    }
    const parsed = ClientMessage.safeParse(message);
    if (!parsed.success) {
      warnOnce(`invalid:${contents.id}`, `Refused an IPC message that does not follow the Copper protocol (web contents ${contents.id}).`);
      // Answer it so a caller waiting on that id fails instead of hanging.
      sendTo(contents)(invalidMessageReply(message));
      return;
    }
    try {
      sessionFor(contents).handle(parsed.data);
    } catch (error) {
      console.error(`The core failed to handle an IPC message: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  return {
    close() {
      closed = true;
      for (const id of [...sessions.keys()]) end(id);
    },
  };
}

function invalidMessageReply(raw: unknown): ServerMessage {
  const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string' && raw.id.length > 0 ? raw.id.slice(0, 64) : 'invalid';
  return { type: 'result', id, ok: false, error: { code: 'INVALID_INPUT', message: 'The message does not follow the Copper protocol.' } };
}

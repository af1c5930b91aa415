/*
 * Hand-written stand-ins for the few Electron objects electron/main uses. The Electron binary cannot run on these
 * machines, so the main-process code is written against narrow interfaces (see security.ts, ipc-router.ts, main.ts)
 * and exercised with these. They are EventEmitters because the real objects are.
 */
import { EventEmitter } from 'node:events';
import type { HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { IPC_TO_MAIN, IPC_TO_RENDERER } from '../../../shared/client/bridge';
import type { IpcMessageEvent } from '../ipc-router';
import type { SenderFrame } from '../security';

let nextContentsId = 1;
let nextFrameId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  windowOpenHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined;
  /** The URL of the page the web contents shows. */
  url = 'app://copper/index.html';
  private destroyed = false;

  getURL(): string {
    return this.url;
  }

  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void {
    this.windowOpenHandler = handler;
  }

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }

  /** What the renderer received on IPC_TO_RENDERER, in order. */
  received(): unknown[] {
    return this.sent.filter((entry) => entry.channel === IPC_TO_RENDERER).map((entry) => entry.args[0]);
  }
}

/** A preventable Electron event that remembers whether it was prevented. */
export class FakeEvent {
  defaultPrevented = false;

  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

/** The details object of will-navigate, will-frame-navigate and will-redirect. */
export class FakeNavigation extends FakeEvent {
  constructor(readonly url: string) {
    super();
  }
}

interface MutableFrame {
  url: string;
  origin: string;
  parent: SenderFrame | null;
  top: SenderFrame | null;
  frameTreeNodeId: number;
  detached?: boolean;
}

const originOf = (url: string): string => {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  return match === null ? 'null' : `${match[1]}://${match[2]}`;
};

/** The main frame of a page at `url` (origin as Chromium would serialise it, unless given). */
export function topFrame(url: string, origin = originOf(url)): SenderFrame {
  const frame: MutableFrame = { url, origin, parent: null, top: null, frameTreeNodeId: nextFrameId++ };
  frame.top = frame;
  return frame;
}

/** An iframe inside `parent`. */
export function subFrame(parent: SenderFrame, url: string, origin = originOf(url)): SenderFrame {
  return { url, origin, parent, top: parent.top, frameTreeNodeId: nextFrameId++ };
}

export class FakeIpcMain extends EventEmitter {
  /** Delivers `message` as if the renderer behind `sender`/`frame` had called ipcRenderer.send(IPC_TO_MAIN, message). */
  deliver(sender: FakeWebContents, frame: SenderFrame | null, message: unknown): void {
    const event: IpcMessageEvent = { sender, senderFrame: frame };
    this.emit(IPC_TO_MAIN, event, message);
  }
}

type PermissionRequestHandler = (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void;
type PermissionCheckHandler = (webContents: unknown, permission: string) => boolean;

export class FakeSession extends EventEmitter {
  permissionRequestHandler: PermissionRequestHandler | undefined;
  permissionCheckHandler: PermissionCheckHandler | undefined;
  devicePermissionHandler: ((details: unknown) => boolean) | undefined;

  setPermissionRequestHandler(handler: PermissionRequestHandler): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: PermissionCheckHandler): void {
    this.permissionCheckHandler = handler;
  }

  setDevicePermissionHandler(handler: (details: unknown) => boolean): void {
    this.devicePermissionHandler = handler;
  }
}

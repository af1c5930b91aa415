import type { HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { APP_ORIGIN, isAppUrl } from './app-origin';

/*
 * The narrow slices of Electron's types these handlers use. Electron's real App, Session, WebContents and WebFrameMain
 * satisfy them (main.ts passes the real objects, so the compiler checks that), and tests pass small stubs.
 */

/** A navigation or redirect about to happen; preventDefault() stops it. */
export interface NavigationAttempt {
  readonly url: string;
  preventDefault(): void;
}

export interface Preventable {
  preventDefault(): void;
}

export interface GuardedContents {
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
  on(event: 'will-navigate', listener: (event: NavigationAttempt) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: NavigationAttempt) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationAttempt) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Preventable) => void): unknown;
  on(event: 'select-bluetooth-device', listener: (event: Preventable, devices: unknown[], callback: (deviceId: string) => void) => void): unknown;
}

export interface GuardedApp {
  on(event: 'web-contents-created', listener: (event: unknown, contents: GuardedContents) => void): unknown;
}

export interface GuardedSession {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
  setDevicePermissionHandler?(handler: (details: unknown) => boolean): void;
  on(event: 'select-hid-device', listener: (event: Preventable, details: unknown, callback: (deviceId?: string | null) => void) => void): unknown;
  on(event: 'select-serial-port', listener: (event: Preventable, ports: unknown[], contents: unknown, callback: (portId: string) => void) => void): unknown;
  on(event: 'select-usb-device', listener: (event: Preventable, details: unknown, callback: (deviceId?: string) => void) => void): unknown;
}

const keepInsideApp = (event: NavigationAttempt) => {
  if (!isAppUrl(event.url)) event.preventDefault();
};

/**
 * Locks down every web contents the app will ever create, and the session they share.
 *
 * Must not change: no new windows, no navigation or redirect away from app://copper/, no <webview>, every permission
 * and device picker refused. The console needs none of them, and each is a way for content that slipped into the page
 * to leave the sandbox's reach (a remote page in our window would inherit window.copper).
 */
export function installSecurityHandlers(app: GuardedApp, session: GuardedSession): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', keepInsideApp);
    contents.on('will-frame-navigate', keepInsideApp);
    contents.on('will-redirect', keepInsideApp);
    contents.on('will-attach-webview', (event) => event.preventDefault());
    // With a listener present Electron would otherwise pick the first device; preventDefault + '' cancels the request.
    contents.on('select-bluetooth-device', (event, _devices, callback) => {
      event.preventDefault();
      callback('');
    });
  });

  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler?.(() => false);
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
}

/** The parts of WebFrameMain the sender check reads. */
export interface SenderFrame {
  readonly url: string;
  readonly origin: string;
  readonly parent: SenderFrame | null;
  readonly top: SenderFrame | null;
  readonly frameTreeNodeId: number;
  readonly detached?: boolean;
}

/**
 * True only for the top frame of a page served from app://copper. Sub-frames, other origins, and frames that are gone
 * are refused. Whether the frame belongs to a window we created is the IPC router's second check (it knows our windows).
 *
 * Must not change: every IPC message is checked with this before it reaches the core, because the core acts with the
 * operator's authority (secrets, audit trail, servers).
 */
export function isTrustedSender(frame: SenderFrame | null | undefined): boolean {
  if (frame === null || frame === undefined) return false;
  try {
    if (frame.detached === true) return false;
    const top = frame.top;
    const isTopFrame = frame.parent === null && top !== null && (top === frame || top.frameTreeNodeId === frame.frameTreeNodeId);
    return isTopFrame && frame.origin === APP_ORIGIN && isAppUrl(frame.url);
  } catch {
    // WebFrameMain throws when its render frame has already been disposed.
    return false;
  }
}

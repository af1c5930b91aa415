import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowOptionsInput {
  /** Absolute path of the bundled preload script (dist/electron/preload.js). */
  preloadPath: string;
  /** DevTools are for development builds only; a packaged console never opens them. */
  devTools?: boolean;
}

/**
 * The one place the main window's options are decided, so unit tests can assert on them.
 *
 * Must not change: contextIsolation and sandbox on, every kind of Node integration off, web security on, no <webview>.
 * The renderer is a web page that talks to the core only through window.copper; if any of these is loosened, a bug in
 * the UI (or a hostile string it renders) can reach Node, the file system and the secrets.
 */
export function createWindowOptions({ preloadPath, devTools = false }: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    title: 'Copper Console',
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    // Shown on 'ready-to-show', so the operator never sees a blank white frame.
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      enableWebSQL: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      // Chromium's spellchecker downloads dictionaries from Google: useless on an air-gapped network, and a leak elsewhere.
      spellcheck: false,
      devTools,
    },
  };
}

/**
 * The Content-Security-Policy sent with every app:// response. It matches the browser shell's policy (apart from the
 * WebSocket there) so the renderer behaves the same in both shells and the end-to-end tests in Chromium stay meaningful.
 *
 * Must not change: no 'unsafe-eval', no 'unsafe-inline' scripts, no remote origins. 'unsafe-inline' is allowed for
 * styles only because Mantine writes its theme variables into <style> elements at runtime.
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { BrowserWindowConstructorOptions, MenuItemConstructorOptions, Protocol } from 'electron';
import { createCore, type Core } from '../core/app/core';
import { SealedFileSecretStore } from '../core/secrets/sealed-file-store';
import { APP_ENTRY_URL } from './app-origin';
import { installAppProtocol, registerAppScheme } from './app-protocol';
import { applicationMenuTemplate } from './application-menu';
import { registerIpc, type IpcMainLike, type IpcRouter } from './ipc-router';
import { createSafeStorageSealer, type SafeStorageApi } from './safe-storage-sealer';
import { installSecurityHandlers, type GuardedApp, type GuardedSession } from './security';
import { createWindowOptions } from './window-options';

/** The window as main.ts uses it. */
export interface MainWindow {
  readonly webContents: { readonly id: number };
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
}

export interface MainApp extends GuardedApp {
  readonly isPackaged: boolean;
  requestSingleInstanceLock(): boolean;
  enableSandbox(): void;
  whenReady(): Promise<void>;
  getPath(name: 'userData'): string;
  getVersion(): string;
  quit(): void;
  exit(exitCode?: number): void;
  on(event: 'web-contents-created', listener: Parameters<GuardedApp['on']>[1]): unknown;
  on(event: 'second-instance', listener: () => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'activate', listener: () => void): unknown;
  on(event: 'will-quit', listener: () => void): unknown;
}

/**
 * The slice of the `electron` module the composition root uses. The real module satisfies it (checked at the bottom of
 * this file); tests pass a stub, so nothing here ever needs the Electron binary to be exercised.
 */
export interface ElectronMain {
  app: MainApp;
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => MainWindow;
  ipcMain: IpcMainLike;
  Menu: {
    buildFromTemplate(template: MenuItemConstructorOptions[]): object;
    setApplicationMenu(menu: object | null): void;
  };
  protocol: Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
  safeStorage: SafeStorageApi;
  session: { readonly defaultSession: GuardedSession };
  dialog: { showErrorBox(title: string, content: string): void };
}

export interface BootstrapOptions {
  /** The built preload script; next to the bundled main.js by default. */
  preloadPath: string;
  /** The built renderer served on app://copper/. */
  rendererDir: string;
  platform: NodeJS.Platform;
  /** The real core by default; tests wrap it to watch it open and close. */
  createCore: typeof createCore;
}

export interface Desktop {
  /** Resolves once the first window is created (or the app gave up starting); rejects never. */
  readonly started: Promise<void>;
}

const defaultOptions = (): BootstrapOptions => ({
  preloadPath: join(__dirname, 'preload.js'),
  rendererDir: join(__dirname, '..', 'renderer'),
  platform: process.platform,
  createCore,
});

function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * The desktop shell's composition root: hardening, the app:// protocol, the core, IPC and one window. Everything with
 * a decision in it lives in the modules imported above; this function only wires them in the order Electron needs.
 */
export function bootstrap(electron: ElectronMain, overrides: Partial<BootstrapOptions> = {}): Desktop {
  const { app, BrowserWindow, Menu, dialog } = electron;
  const options = { ...defaultOptions(), ...overrides };

  if (!app.requestSingleInstanceLock()) {
    // Another console already owns the data directory (one SQLite writer); it gets focused by its 'second-instance'.
    app.quit();
    return { started: Promise.resolve() };
  }

  // Before ready: every renderer sandboxed, whatever its options say; app:// registered as a standard secure scheme.
  app.enableSandbox();
  registerAppScheme(electron.protocol);

  let core: Core | undefined;
  let ipc: IpcRouter | undefined;
  let mainWindow: MainWindow | undefined;
  const ourWindows = new Set<number>();

  const createWindow = (): MainWindow => {
    const window = new BrowserWindow(createWindowOptions({ preloadPath: options.preloadPath, devTools: !app.isPackaged }));
    const contentsId = window.webContents.id;
    ourWindows.add(contentsId);
    window.once('ready-to-show', () => window.show());
    window.on('closed', () => {
      ourWindows.delete(contentsId);
      if (mainWindow === window) mainWindow = undefined;
    });
    window.loadURL(APP_ENTRY_URL).catch((error: unknown) => {
      console.error(`Copper Console could not load its interface: ${error instanceof Error ? error.message : String(error)}`);
      // Show whatever Chromium could render rather than leave an invisible window running.
      if (!window.isDestroyed()) window.show();
    });
    mainWindow = window;
    return window;
  };

  app.on('second-instance', () => {
    if (mainWindow === undefined || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  const start = () => {
    installSecurityHandlers(app, electron.session.defaultSession);
    installAppProtocol(electron.protocol, options.rendererDir);
    Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenuTemplate({ platform: options.platform, developer: !app.isPackaged })));

    const userData = app.getPath('userData');
    const openedCore = options.createCore({
      dataDir: userData,
      secrets: new SealedFileSecretStore(join(userData, 'secrets.os.bin'), createSafeStorageSealer(electron.safeStorage, options.platform)),
      shell: 'desktop',
      version: app.getVersion(),
    });
    core = openedCore;
    const actor = `${operatorName()}@desktop`;
    ipc = registerIpc(electron.ipcMain, (send) => openedCore.openSession(actor, send), {
      isOurWindow: (contents) => ourWindows.has(contents.id),
    });
    createWindow();
  };

  app.on('window-all-closed', () => {
    if (options.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (core !== undefined && mainWindow === undefined) createWindow();
  });
  app.on('will-quit', () => {
    ipc?.close();
    core?.close();
    core = undefined;
  });

  const started = app.whenReady().then(start).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    dialog.showErrorBox('Copper Console could not start', reason);
    app.exit(1);
  });
  return { started };
}

// Started only when Electron runs this bundle as its main script; importing the module (tests) starts nothing and
// never loads 'electron', which outside Electron is only the path of a binary these machines do not have.
if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded here, not at the top, for the reason above
  const electron: typeof import('electron') = require('electron');
  bootstrap(electron);
}

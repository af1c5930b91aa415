import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { BrowserWindowConstructorOptions, CustomScheme, MenuItemConstructorOptions } from 'electron';
import { createCore, type Core } from '../core/app/core';
import { applicationMenuTemplate } from './application-menu';
import { bootstrap, type BootstrapOptions, type ElectronMain, type MainApp, type MainWindow } from './main';
import { FakeEvent, FakeIpcMain, FakeSession, FakeWebContents, topFrame } from './test-support/fake-electron';
import { createWindowOptions } from './window-options';

const PRELOAD = '/opt/copper/dist/electron/preload.js';
const RENDERER = '/opt/copper/dist/renderer';
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

class FakeApp extends EventEmitter implements MainApp {
  sandboxEnabled = false;
  quitCalls = 0;
  exitCode: number | undefined;
  private markReady: () => void = () => undefined;
  private readonly ready = new Promise<void>((resolve) => {
    this.markReady = resolve;
  });

  constructor(
    readonly isPackaged: boolean,
    private readonly gotLock: boolean,
    private readonly userData: string,
  ) {
    super();
  }

  requestSingleInstanceLock(): boolean {
    return this.gotLock;
  }
  enableSandbox(): void {
    this.sandboxEnabled = true;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  becomeReady(): void {
    this.markReady();
  }
  getPath(name: 'userData'): string {
    assert.equal(name, 'userData');
    return this.userData;
  }
  getVersion(): string {
    return '0.1.0';
  }
  quit(): void {
    this.quitCalls++;
  }
  exit(exitCode?: number): void {
    this.exitCode = exitCode ?? 0;
  }
}

interface FakeOptions {
  isPackaged?: boolean;
  gotLock?: boolean;
  platform?: NodeJS.Platform;
  createCore?: BootstrapOptions['createCore'];
}

/** A stand-in for the `electron` module with just what bootstrap() uses, recording what it was asked to do. */
function fakeElectron({ isPackaged = false, gotLock = true }: FakeOptions = {}) {
  const userData = mkdtempSync(join(tmpdir(), 'copper-desktop-'));
  cleanups.push(() => rmSync(userData, { recursive: true, force: true }));
  const windows: FakeWindow[] = [];
  const schemes: CustomScheme[] = [];
  const handledSchemes: string[] = [];
  const menus: MenuItemConstructorOptions[][] = [];
  const errorBoxes: Array<{ title: string; content: string }> = [];

  class FakeWindow extends EventEmitter implements MainWindow {
    readonly webContents = new FakeWebContents();
    readonly loadedUrls: string[] = [];
    visible = false;
    minimized = false;
    focusCalls = 0;

    constructor(readonly options: BrowserWindowConstructorOptions) {
      super();
      windows.push(this);
    }
    loadURL(url: string): Promise<void> {
      this.loadedUrls.push(url);
      return Promise.resolve();
    }
    show(): void {
      this.visible = true;
    }
    focus(): void {
      this.focusCalls++;
    }
    restore(): void {
      this.minimized = false;
    }
    isMinimized(): boolean {
      return this.minimized;
    }
    isDestroyed(): boolean {
      return false;
    }
  }

  const app = new FakeApp(isPackaged, gotLock, userData);
  const session = new FakeSession();
  const ipcMain = new FakeIpcMain();
  const electron: ElectronMain = {
    app,
    BrowserWindow: FakeWindow,
    ipcMain,
    Menu: {
      buildFromTemplate: (template) => ({ template }),
      setApplicationMenu: (menu) => menus.push((menu as { template: MenuItemConstructorOptions[] }).template),
    },
    protocol: {
      registerSchemesAsPrivileged: (custom) => schemes.push(...custom),
      handle: (scheme) => handledSchemes.push(scheme),
    },
    safeStorage: {
      isEncryptionAvailable: () => true,
      encryptString: (plain) => Buffer.from(plain),
      decryptString: (sealed) => sealed.toString(),
      getSelectedStorageBackend: () => 'basic_text',
    },
    session: { defaultSession: session },
    dialog: { showErrorBox: (title, content) => errorBoxes.push({ title, content }) },
  };
  return { electron, app, session, ipcMain, windows, schemes, handledSchemes, menus, errorBoxes, userData };
}

/** The real core, wrapped to record the actor of each session and whether it was closed. */
function watchedCore() {
  const actors: string[] = [];
  const state = { opened: 0, closed: 0 };
  const create: BootstrapOptions['createCore'] = (options) => {
    const core = createCore(options);
    state.opened++;
    const watched: Core = {
      ...core,
      openSession: (actor, send) => {
        actors.push(actor);
        return core.openSession(actor, send);
      },
      close: () => {
        state.closed++;
        core.close();
      },
    };
    cleanups.unshift(() => {
      if (state.closed === 0) core.close();
    });
    return watched;
  };
  return { create, actors, state };
}

async function start(options: FakeOptions = {}) {
  const fake = fakeElectron(options);
  const core = watchedCore();
  const desktop = bootstrap(fake.electron, {
    preloadPath: PRELOAD,
    rendererDir: RENDERER,
    platform: options.platform ?? 'linux',
    createCore: options.createCore ?? core.create,
  });
  fake.app.becomeReady();
  await desktop.started;
  return { ...fake, core };
}

async function waitFor<T>(read: () => T | undefined, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('Timed out waiting.');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('bootstrap', () => {
  test('before ready: registers app:// as a privileged scheme and sandboxes every renderer, but opens nothing', () => {
    const fake = fakeElectron();
    bootstrap(fake.electron, { preloadPath: PRELOAD, rendererDir: RENDERER, platform: 'linux', createCore: watchedCore().create });
    assert.equal(fake.app.sandboxEnabled, true);
    assert.deepEqual(
      fake.schemes.map((scheme) => scheme.scheme),
      ['app'],
    );
    assert.equal(fake.windows.length, 0);
    assert.deepEqual(fake.handledSchemes, [], 'protocol.handle waits for ready');
  });

  test('on ready: opens one window with the pure hardened options, loading app://copper/index.html', async () => {
    const { windows } = await start();
    assert.equal(windows.length, 1);
    assert.deepEqual(windows[0]?.options, createWindowOptions({ preloadPath: PRELOAD, devTools: true }));
    assert.deepEqual(windows[0]?.loadedUrls, ['app://copper/index.html']);
  });

  test('shows the window only once it is ready to show', async () => {
    const { windows } = await start();
    const window = windows[0];
    assert.equal(window?.visible, false);
    window?.emit('ready-to-show');
    assert.equal(window?.visible, true);
  });

  test('on ready: serves app:// and hardens the session and every web contents', async () => {
    const { app, session, handledSchemes } = await start();
    assert.deepEqual(handledSchemes, ['app']);
    assert.ok(session.permissionRequestHandler, 'permission requests are answered');
    const later = new FakeWebContents();
    app.emit('web-contents-created', new FakeEvent(), later);
    assert.deepEqual(later.windowOpenHandler?.({ url: 'https://example.org/', frameName: '', features: '', disposition: 'new-window', referrer: { url: '', policy: 'no-referrer' } }), { action: 'deny' });
  });

  test("connects our window to the core as the operator's desktop session", async () => {
    const { windows, ipcMain, core, userData } = await start();
    const contents = windows[0]?.webContents ?? new FakeWebContents();
    ipcMain.deliver(contents, topFrame('app://copper/index.html'), { type: 'call', id: 'info', op: 'app.info', phase: 'run', input: {} });
    const reply = (await waitFor(() => contents.received()[0])) as {
      ok: boolean;
      value: { shell: string; dataDir: string; version: string; secretStore: { kind: string; state: string } };
    };
    assert.equal(reply.ok, true);
    assert.equal(reply.value.shell, 'desktop');
    assert.equal(reply.value.dataDir, userData);
    assert.equal(reply.value.version, '0.1.0');
    assert.deepEqual([reply.value.secretStore.kind, reply.value.secretStore.state], ['os', 'unavailable'], 'basic_text is not a keychain');
    assert.deepEqual(core.actors, [`${userInfo().username}@desktop`]);
  });

  test('drops IPC from a web contents that is not a window it created', async () => {
    const { ipcMain, core } = await start();
    const stranger = new FakeWebContents();
    ipcMain.deliver(stranger, topFrame('app://copper/index.html'), { type: 'call', id: 'x', op: 'app.info', phase: 'run', input: {} });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(stranger.sent, []);
    assert.deepEqual(core.actors, []);
  });

  test('closes the core on will-quit', async () => {
    const { app, core } = await start();
    assert.equal(core.state.opened, 1);
    app.emit('will-quit', new FakeEvent());
    assert.equal(core.state.closed, 1);
  });

  test('quits at once when another console holds the single-instance lock, opening nothing', async () => {
    const fake = fakeElectron({ gotLock: false });
    const core = watchedCore();
    const desktop = bootstrap(fake.electron, { preloadPath: PRELOAD, rendererDir: RENDERER, platform: 'linux', createCore: core.create });
    fake.app.becomeReady();
    await desktop.started;
    assert.equal(fake.app.quitCalls, 1);
    assert.deepEqual(fake.schemes, []);
    assert.equal(fake.windows.length, 0);
    assert.equal(core.state.opened, 0);
  });

  test('restores and focuses the existing window when a second instance is started', async () => {
    const { app, windows } = await start();
    const window = windows[0];
    if (window) window.minimized = true;
    app.emit('second-instance', new FakeEvent(), [], '/', {});
    assert.equal(window?.minimized, false);
    assert.equal(window?.focusCalls, 1);
    assert.equal(windows.length, 1);
  });

  test('quits when the last window closes on Windows and Linux; on macOS re-opens a window on activate', async () => {
    const linux = await start({ platform: 'linux' });
    linux.app.emit('window-all-closed');
    assert.equal(linux.app.quitCalls, 1);

    const mac = await start({ platform: 'darwin' });
    mac.windows[0]?.emit('closed');
    mac.app.emit('window-all-closed');
    assert.equal(mac.app.quitCalls, 0);
    mac.app.emit('activate', new FakeEvent(), false);
    assert.equal(mac.windows.length, 2);
    assert.deepEqual(mac.windows[1]?.loadedUrls, ['app://copper/index.html']);
  });

  test('a packaged build has no DevTools, in the window or in the menu', async () => {
    const { windows, menus } = await start({ isPackaged: true });
    assert.equal(windows[0]?.options.webPreferences?.devTools, false);
    assert.equal(menus.length, 1);
    assert.ok(!menuItems(menus[0] ?? []).some((item) => item.role === 'toggleDevTools'));
  });

  test('shows an error box and exits with 1 when the core cannot start', async () => {
    const fake = await start({
      createCore: () => {
        throw new Error('The database file is locked by another program.');
      },
    });
    assert.deepEqual(fake.errorBoxes, [{ title: 'Copper Console could not start', content: 'The database file is locked by another program.' }]);
    assert.equal(fake.app.exitCode, 1);
    assert.equal(fake.windows.length, 0);
  });
});

function menuItems(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? menuItems(item.submenu) : [])]);
}

describe('applicationMenuTemplate', () => {
  for (const platform of ['darwin', 'win32', 'linux'] as const) {
    test(`has no Help menu and no item that opens a URL (${platform})`, () => {
      const items = menuItems(applicationMenuTemplate({ platform, developer: true }));
      assert.ok(items.length > 0);
      for (const item of items) {
        assert.notEqual(item.role, 'help');
        assert.equal(item.click, undefined, 'no custom actions (the only way a menu item could open a URL)');
        assert.doesNotMatch(String(item.label ?? ''), /help|learn|docs|website|https?:/i);
      }
      assert.ok(!items.some((item) => item.role === 'viewMenu'), "the stock View menu always carries DevTools");
    });
  }

  test('offers Edit, View and Window, and DevTools and reload only to developers', () => {
    const released = applicationMenuTemplate({ platform: 'linux', developer: false });
    assert.deepEqual(
      released.map((item) => item.role ?? item.label),
      ['fileMenu', 'editMenu', 'View', 'windowMenu'],
    );
    const releasedRoles = menuItems(released).map((item) => item.role);
    for (const role of ['toggleDevTools', 'reload', 'forceReload'] as const) assert.ok(!releasedRoles.includes(role), role);
    const developerRoles = menuItems(applicationMenuTemplate({ platform: 'linux', developer: true })).map((item) => item.role);
    assert.ok(developerRoles.includes('toggleDevTools'));
  });
});

import type { MenuItemConstructorOptions } from 'electron';

export interface MenuInput {
  platform: NodeJS.Platform;
  /** Development builds only: reload and DevTools. */
  developer: boolean;
}

/**
 * The application menu: Edit, View and Window roles and nothing else.
 *
 * Must not change: no Help menu and no item that opens a URL — the console runs on networks with no internet, and a
 * link that launches a browser is both useless there and a way out of the app. The standard 'viewMenu' role is not used
 * because it always contains Toggle Developer Tools.
 */
export function applicationMenuTemplate({ platform, developer }: MenuInput): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  if (developer) view.push({ type: 'separator' }, { role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' });

  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : [{ role: 'fileMenu' } satisfies MenuItemConstructorOptions]),
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ];
}

/*
 * Where the console's own page lives. Dependency-free on purpose: the sandboxed preload bundles this file, and a
 * sandboxed preload cannot load Node modules.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'copper';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** True only for URLs inside app://copper/ — the one place our window may be. */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

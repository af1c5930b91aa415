import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { startBrowserShell as startShellInProcess } from '../../electron/cli/serve/browser-shell-server';
import { launchChromium, repoRoot, requireBuild, screenshot, startBrowserShell, type BrowserShellProcess } from '../support/browser-shell';
import { confirmAndRun, tempCore } from '../support/temp-core';

/** What a WebSocket upgrade came to: opened, or refused with an HTTP status. */
function upgrade(url: string, headers: Record<string, string>): Promise<{ opened: true } | { opened: false; status: number | null }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (_request, response) => {
      resolve({ opened: false, status: response.statusCode ?? null });
      ws.terminate();
    });
    ws.once('error', () => resolve({ opened: false, status: null }));
  });
}

describe('the browser shell lets in only the holder of the token', { timeout: 30_000 }, () => {
  let shell: BrowserShellProcess;
  let token: string;
  let cookie: string;
  let wsUrl: string;
  before(async () => {
    shell = await startBrowserShell();
    token = new URL(shell.url).searchParams.get('token') ?? '';
    assert.ok(token.length >= 32, 'the printed address carries a long random token');
    wsUrl = `ws://127.0.0.1:${shell.port}/ws`;
    // The one-time address sets the session cookie and sends the browser on to `/`.
    const signIn = await fetch(shell.url, { redirect: 'manual' });
    assert.equal(signIn.status, 303);
    assert.equal(signIn.headers.get('location'), '/');
    const setCookie = signIn.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    cookie = setCookie.split(';')[0] ?? '';
  });
  after(async () => {
    await shell?.stop();
  });

  test('refuses a page request without the token', async () => {
    const bare = await fetch(`${shell.origin}/`, { redirect: 'manual' });
    assert.equal(bare.status, 401);
    assert.match(await bare.text(), /open the full address printed by `copper serve`/);
    assert.equal((await fetch(`${shell.origin}/app.js`, { redirect: 'manual' })).status, 401, 'assets are guarded too');
    assert.equal((await fetch(`${shell.origin}/?token=${'x'.repeat(token.length)}`, { redirect: 'manual' })).status, 401, 'a wrong token');
    assert.equal((await fetch(`${shell.origin}/`, { headers: { cookie: 'copper_session=guess' }, redirect: 'manual' })).status, 401, 'a wrong cookie');

    // Positive control: with the cookie the page is served, under a strict CSP.
    const page = await fetch(`${shell.origin}/`, { headers: { cookie }, redirect: 'manual' });
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-eval/);
  });

  test('refuses a WebSocket without the token', async () => {
    const origin = shell.origin;
    assert.deepEqual(await upgrade(wsUrl, { origin }), { opened: false, status: 403 }, 'no cookie');
    assert.deepEqual(await upgrade(wsUrl, { origin, cookie: 'copper_session=guess' }), { opened: false, status: 403 }, 'a wrong cookie');
    assert.deepEqual(await upgrade(wsUrl, { origin: 'http://evil.example', cookie }), { opened: false, status: 403 }, 'a foreign Origin');
    assert.deepEqual(await upgrade(wsUrl, { cookie }), { opened: false, status: 403 }, 'no Origin at all');
    assert.deepEqual(
      await upgrade(wsUrl, { origin, cookie, host: `evil.example:${shell.port}` }),
      { opened: false, status: 403 },
      'a foreign Host header (DNS rebinding)',
    );
    // Positive control: our own origin with the cookie gets through.
    assert.deepEqual(await upgrade(wsUrl, { origin, cookie }), { opened: true });
  });
});

describe('the browser shell keeps the page connected', { timeout: 60_000 }, () => {
  test('says so when the core goes away, and catches up when it is back', { timeout: 25_000 }, async () => {
    requireBuild();
    // In-process, so the shell can come back on the same port with the same token, as after a quick restart.
    const temp = tempCore();
    const rendererDir = join(repoRoot, 'dist', 'renderer');
    const options = { core: temp.core, rendererDir, actor: 'tester@browser', token: 'e2e-fixed-token-0123456789abcdefghijklmnop' };
    let shell = await startShellInProcess(options);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      page.setDefaultTimeout(7_000);
      await page.goto(shell.url);
      await page.getByRole('heading', { name: 'Fleet', level: 2 }).waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sites' }).click();
      await page.getByRole('heading', { name: 'Sites', level: 2 }).waitFor();
      assert.equal(await page.getByTestId('connection-banner').count(), 0);

      await shell.close();
      const banner = page.getByTestId('connection-banner');
      await banner.waitFor();
      assert.match((await banner.textContent()) ?? '', /Disconnected — reconnecting/);
      await screenshot(page, 'disconnected');

      // A change made while the page could not hear about it…
      await confirmAndRun(temp.client, 'inventory.sites.create', { name: 'made-while-away' });
      shell = await startShellInProcess({ ...options, port: shell.port });
      // …shows up once the link is back, without a reload.
      await banner.waitFor({ state: 'detached' });
      await page.getByTestId('site-row-made-while-away').waitFor();
    } finally {
      await browser.close();
      await shell.close();
      temp.close();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CustomScheme, Protocol } from 'electron';
import { APP_ENTRY_URL, isAppUrl } from './app-origin';
import { createAppProtocolHandler, installAppProtocol, planAppResponse, registerAppScheme } from './app-protocol';
import { contentSecurityPolicy } from './window-options';

let workDir: string;
let rendererDir: string;

before(() => {
  workDir = mkdtempSync(join(tmpdir(), 'copper-app-protocol-'));
  rendererDir = join(workDir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Copper Console</title>');
  writeFileSync(join(rendererDir, 'app.js'), 'console.log("copper")');
  writeFileSync(join(rendererDir, 'app.css'), 'body{}');
  writeFileSync(join(rendererDir, 'notes.txt'), 'not a renderer asset');
  writeFileSync(join(workDir, 'secret'), 'the secret outside the renderer folder');
});

after(() => rmSync(workDir, { recursive: true, force: true }));

/** The handler with a reader that records every path it is asked to read. */
function handlerWithSpy() {
  const reads: string[] = [];
  const handler = createAppProtocolHandler(rendererDir, (filePath) => {
    reads.push(filePath);
    return readFile(filePath);
  });
  const get = (url: string, method = 'GET') => handler({ url, method });
  return { get, reads };
}

describe('app:// scheme registration', () => {
  test('registers app as a standard, secure scheme without fetch, CORS, service workers or CSP bypass', () => {
    const registered: CustomScheme[] = [];
    registerAppScheme({ registerSchemesAsPrivileged: (schemes) => registered.push(...schemes) });
    assert.equal(registered.length, 1);
    assert.equal(registered[0]?.scheme, 'app');
    const privileges = registered[0]?.privileges ?? {};
    assert.equal(privileges.standard, true);
    assert.equal(privileges.secure, true);
    assert.equal(privileges.supportFetchAPI, false);
    assert.equal(privileges.corsEnabled, false);
    assert.equal(privileges.allowServiceWorkers, false);
    assert.equal(privileges.bypassCSP, false);
  });

  test('installs one handler, for the app scheme', async () => {
    const handled: Array<Parameters<Protocol['handle']>> = [];
    installAppProtocol({ handle: (...args) => handled.push(args) }, rendererDir);
    assert.equal(handled.length, 1);
    const [scheme, handler] = handled[0] ?? [];
    assert.equal(scheme, 'app');
    const response = await handler?.(new Request(APP_ENTRY_URL));
    assert.equal(response?.status, 200);
  });
});

describe('app:// responses', () => {
  test('serves index.html with the CSP header, nosniff and an HTML content type', async () => {
    const { get } = handlerWithSpy();
    const response = await get('app://copper/index.html');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('Content-Security-Policy'), contentSecurityPolicy());
    assert.equal(response.headers.get('X-Content-Type-Options'), 'nosniff');
    assert.equal(response.headers.get('Content-Type'), 'text/html; charset=utf-8');
    assert.equal(await response.text(), '<!doctype html><title>Copper Console</title>');
  });

  test('serves app:// root as index.html', async () => {
    const { get } = handlerWithSpy();
    const response = await get('app://copper/');
    assert.equal(response.status, 200);
    assert.match(await response.text(), /Copper Console/);
  });

  test('serves scripts as JavaScript and styles as CSS (module scripts are refused with any other type)', async () => {
    const { get } = handlerWithSpy();
    assert.equal((await get('app://copper/app.js')).headers.get('Content-Type'), 'text/javascript; charset=utf-8');
    assert.equal((await get('app://copper/app.css')).headers.get('Content-Type'), 'text/css; charset=utf-8');
  });

  test('answers HEAD with headers and no body', async () => {
    const { get } = handlerWithSpy();
    const response = await get('app://copper/index.html', 'HEAD');
    assert.equal(response.status, 200);
    assert.equal(await response.text(), '');
  });

  test('refuses app://copper/../secret and every encoded form of it without reading outside the renderer folder', async () => {
    const { get, reads } = handlerWithSpy();
    const attempts = [
      'app://copper/../secret',
      'app://copper/assets/../../secret',
      'app://copper/%2e%2e/secret',
      'app://copper/%2E%2E/secret',
      'app://copper/..%2fsecret',
      'app://copper/..%2Fsecret',
      'app://copper/%2e%2e%2fsecret',
      'app://copper/..%5csecret',
      'app://copper/assets%2f..%2f..%2fsecret',
      'app://copper/.%2e/secret',
      'app://copper/./index.html',
      'app://copper/index.html%00.js',
    ];
    for (const url of attempts) {
      const response = await get(url);
      assert.equal(response.status, 404, url);
      assert.doesNotMatch(await response.text(), /secret outside/, url);
      assert.equal(response.headers.get('Content-Security-Policy'), contentSecurityPolicy(), url);
    }
    assert.deepEqual(reads, [], 'no refused request may reach the disk');
  });

  test('refuses every host but copper, ports, credentials and other schemes', () => {
    for (const url of [
      'app://other/index.html',
      'app://copper.evil/index.html',
      'app://copper:8080/index.html',
      'app://user@copper/index.html',
      'app://user:pw@copper/index.html',
      'https://copper/index.html',
      'file:///etc/passwd',
    ]) {
      assert.equal(planAppResponse(url, rendererDir).status, 404, url);
      assert.equal(planAppResponse(url, rendererDir).filePath, null, url);
    }
  });

  test('refuses methods other than GET and HEAD', async () => {
    const { get, reads } = handlerWithSpy();
    const response = await get('app://copper/index.html', 'POST');
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('Allow'), 'GET, HEAD');
    assert.deepEqual(reads, []);
  });

  test('answers 404 for a missing file and for a folder, never an error page', async () => {
    const { get } = handlerWithSpy();
    assert.equal((await get('app://copper/missing.js')).status, 404);
    assert.equal(planAppResponse('app://copper/assets', rendererDir).status, 404, 'a folder has no known file type');
  });

  test('refuses file types it does not serve', () => {
    assert.equal(planAppResponse('app://copper/notes.txt', rendererDir).status, 404);
  });

  test('answers 400 to a malformed percent-encoding', () => {
    assert.equal(planAppResponse('app://copper/%E0%A4%A', rendererDir).status, 400);
  });

  test('resolves a nested asset inside the renderer folder', () => {
    const plan = planAppResponse('app://copper/assets/font.woff2?v=1#x', rendererDir);
    assert.equal(plan.status, 200);
    assert.equal(plan.filePath, join(rendererDir, 'assets', 'font.woff2'));
    assert.equal(plan.headers['Content-Type'], 'font/woff2');
  });
});

describe('isAppUrl', () => {
  test('accepts app://copper/ URLs only', () => {
    assert.equal(isAppUrl('app://copper/index.html'), true);
    assert.equal(isAppUrl('app://copper/'), true);
    for (const url of ['app://other/', 'app://copper.evil/', 'https://copper/', 'app://x@copper/', 'javascript:alert(1)', 'not a url', '']) {
      assert.equal(isAppUrl(url), false, url);
    }
  });
});

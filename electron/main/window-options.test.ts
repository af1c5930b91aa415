import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contentSecurityPolicy, createWindowOptions } from './window-options';

const directives = (policy: string): Map<string, string[]> =>
  new Map(
    policy.split(';').map((part) => {
      const [name = '', ...sources] = part.trim().split(/\s+/);
      return [name, sources];
    }),
  );

describe('createWindowOptions', () => {
  const options = createWindowOptions({ preloadPath: '/opt/copper/dist/electron/preload.js' });
  const web = options.webPreferences ?? {};

  test('isolates the page: contextIsolation and sandbox on, every kind of Node integration off', () => {
    assert.equal(web.contextIsolation, true);
    assert.equal(web.sandbox, true);
    assert.equal(web.nodeIntegration, false);
    assert.equal(web.nodeIntegrationInWorker, false);
    assert.equal(web.nodeIntegrationInSubFrames, false);
  });

  test('keeps web security on and refuses insecure content, <webview> and the network spellchecker', () => {
    assert.equal(web.webSecurity, true);
    assert.equal(web.allowRunningInsecureContent, false);
    assert.equal(web.webviewTag, false);
    assert.equal(web.spellcheck, false);
    assert.equal(web.experimentalFeatures, false);
  });

  test('loads the given preload and keeps the window hidden until it is ready to show', () => {
    assert.equal(web.preload, '/opt/copper/dist/electron/preload.js');
    assert.equal(options.show, false);
    assert.equal(options.title, 'Copper Console');
    assert.ok((options.minWidth ?? 0) > 0 && (options.minHeight ?? 0) > 0);
    assert.ok((options.width ?? 0) >= (options.minWidth ?? 0) && (options.height ?? 0) >= (options.minHeight ?? 0));
  });

  test('allows DevTools only when asked to (development builds)', () => {
    assert.equal(web.devTools, false);
    assert.equal(createWindowOptions({ preloadPath: '/p.js', devTools: true }).webPreferences?.devTools, true);
  });

  test('returns a fresh object each time, so no caller can loosen the next window', () => {
    const first = createWindowOptions({ preloadPath: '/p.js' });
    if (first.webPreferences) first.webPreferences.nodeIntegration = true;
    assert.equal(createWindowOptions({ preloadPath: '/p.js' }).webPreferences?.nodeIntegration, false);
  });
});

describe('contentSecurityPolicy', () => {
  const policy = directives(contentSecurityPolicy());

  test("allows scripts from the app itself only: script-src 'self', no unsafe-eval, no inline scripts", () => {
    assert.deepEqual(policy.get('script-src'), ["'self'"]);
    assert.doesNotMatch(contentSecurityPolicy(), /unsafe-eval/);
    assert.deepEqual(policy.get('default-src'), ["'self'"]);
  });

  test('allows inline styles only (Mantine) and images and fonts from the app or data: URLs', () => {
    assert.deepEqual(policy.get('style-src'), ["'self'", "'unsafe-inline'"]);
    assert.deepEqual(policy.get('img-src'), ["'self'", 'data:']);
    assert.deepEqual(policy.get('font-src'), ["'self'", 'data:']);
    assert.deepEqual(policy.get('connect-src'), ["'self'"]);
  });

  test('forbids plugins, <base>, being framed and form submissions', () => {
    assert.deepEqual(policy.get('object-src'), ["'none'"]);
    assert.deepEqual(policy.get('base-uri'), ["'none'"]);
    assert.deepEqual(policy.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(policy.get('form-action'), ["'none'"]);
  });

  test('names no remote origin anywhere', () => {
    assert.doesNotMatch(contentSecurityPolicy(), /https?:|wss?:|\*/);
  });
});

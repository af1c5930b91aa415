import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { HandlerDetails } from 'electron';
import { installSecurityHandlers, isTrustedSender, type SenderFrame } from './security';
import { FakeEvent, FakeNavigation, FakeSession, FakeWebContents, subFrame, topFrame } from './test-support/fake-electron';

/** An app stub, the session stub, and one web contents created after the handlers were installed. */
function hardened() {
  const app = new EventEmitter();
  const session = new FakeSession();
  installSecurityHandlers(app, session);
  const contents = new FakeWebContents();
  app.emit('web-contents-created', new FakeEvent(), contents);
  return { app, session, contents };
}

const openRequest = (url: string): HandlerDetails => ({
  url,
  frameName: '',
  features: '',
  disposition: 'new-window',
  referrer: { url: 'app://copper/index.html', policy: 'no-referrer' },
});

const navigate = (contents: FakeWebContents, event: string, url: string): boolean => {
  const attempt = new FakeNavigation(url);
  contents.emit(event, attempt);
  return attempt.defaultPrevented;
};

describe('installSecurityHandlers', () => {
  test('denies every new window, whatever it points at', () => {
    const { contents } = hardened();
    assert.ok(contents.windowOpenHandler, 'a window-open handler is installed on every new web contents');
    for (const url of ['https://example.org/', 'app://copper/index.html', 'about:blank', 'file:///etc/passwd']) {
      assert.deepEqual(contents.windowOpenHandler(openRequest(url)), { action: 'deny' }, url);
    }
  });

  test('prevents navigation outside app://copper and allows it inside', () => {
    const { contents } = hardened();
    for (const url of [
      'https://example.org/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'app://other/index.html',
      'app://copper.evil/index.html',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'about:blank',
    ]) {
      assert.equal(navigate(contents, 'will-navigate', url), true, `will-navigate to ${url} must be prevented`);
    }
    assert.equal(navigate(contents, 'will-navigate', 'app://copper/index.html'), false);
    assert.equal(navigate(contents, 'will-navigate', 'app://copper/index.html#/hosts'), false);
  });

  test('prevents redirects and sub-frame navigations that leave app://copper', () => {
    const { contents } = hardened();
    assert.equal(navigate(contents, 'will-redirect', 'https://example.org/'), true);
    assert.equal(navigate(contents, 'will-redirect', 'app://copper/index.html'), false);
    assert.equal(navigate(contents, 'will-frame-navigate', 'https://example.org/'), true);
    assert.equal(navigate(contents, 'will-frame-navigate', 'app://copper/index.html'), false);
  });

  test('prevents any <webview> from attaching', () => {
    const { contents } = hardened();
    const attach = new FakeEvent();
    contents.emit('will-attach-webview', attach, {}, {});
    assert.equal(attach.defaultPrevented, true);
  });

  test('answers every permission request with false and every permission check with false', () => {
    const { session } = hardened();
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'fullscreen', 'unknown']) {
      const answers: boolean[] = [];
      session.permissionRequestHandler?.(new FakeWebContents(), permission, (granted) => answers.push(granted));
      assert.deepEqual(answers, [false], permission);
      assert.equal(session.permissionCheckHandler?.(null, permission), false, permission);
    }
  });

  test('denies device access and cancels the HID, serial, USB and Bluetooth pickers', () => {
    const { session, contents } = hardened();
    assert.equal(session.devicePermissionHandler?.({ deviceType: 'usb', origin: 'app://copper' }), false);

    const picks: unknown[][] = [];
    const pick = (...args: unknown[]) => picks.push(args);
    const hid = new FakeEvent();
    session.emit('select-hid-device', hid, { deviceList: [{ deviceId: 'h1' }] }, pick);
    const serial = new FakeEvent();
    session.emit('select-serial-port', serial, [{ portId: 's1' }], contents, pick);
    const usb = new FakeEvent();
    session.emit('select-usb-device', usb, { deviceList: [{ deviceId: 'u1' }] }, pick);
    const bluetooth = new FakeEvent();
    contents.emit('select-bluetooth-device', bluetooth, [{ deviceId: 'b1' }], pick);

    for (const event of [hid, serial, usb, bluetooth]) assert.equal(event.defaultPrevented, true);
    assert.deepEqual(picks, [[], [''], [], ['']], 'every picker is answered with "no device"');
  });

  test('still installs what it can on a session without a device permission API', () => {
    const app = new EventEmitter();
    const session = new FakeSession();
    const withoutDevices = Object.assign(session, { setDevicePermissionHandler: undefined });
    installSecurityHandlers(app, withoutDevices);
    assert.ok(session.permissionRequestHandler && session.permissionCheckHandler);
  });
});

describe('isTrustedSender', () => {
  test('trusts the top frame of app://copper', () => {
    assert.equal(isTrustedSender(topFrame('app://copper/index.html')), true);
  });

  test('refuses a sub-frame, even one served from app://copper', () => {
    const top = topFrame('app://copper/index.html');
    assert.equal(isTrustedSender(subFrame(top, 'app://copper/index.html')), false);
    assert.equal(isTrustedSender(subFrame(top, 'https://example.org/')), false);
  });

  test('refuses a top frame of any other origin', () => {
    for (const url of ['https://example.org/', 'file:///index.html', 'app://other/index.html', 'app://copper.evil/index.html', 'about:blank']) {
      assert.equal(isTrustedSender(topFrame(url)), false, url);
    }
  });

  test('refuses a frame whose URL and origin disagree', () => {
    assert.equal(isTrustedSender(topFrame('app://copper/index.html', 'null')), false);
    assert.equal(isTrustedSender(topFrame('about:blank', 'app://copper')), false);
  });

  test('refuses a missing, detached or disposed frame', () => {
    assert.equal(isTrustedSender(null), false);
    assert.equal(isTrustedSender(undefined), false);
    assert.equal(isTrustedSender({ ...topFrame('app://copper/index.html'), detached: true }), false);
    const disposed: SenderFrame = {
      get url(): string {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
      origin: 'app://copper',
      parent: null,
      get top(): SenderFrame {
        return disposed;
      },
      frameTreeNodeId: 1,
    };
    assert.equal(isTrustedSender(disposed), false);
  });
});

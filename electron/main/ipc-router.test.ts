import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { IPC_TO_RENDERER } from '../../shared/client/bridge';
import type { ClientMessage, ServerMessage } from '../../shared/contract/wire';
import { createCore } from '../core/app/core';
import { SealedFileSecretStore } from '../core/secrets/sealed-file-store';
import { registerIpc, type CoreSession, type IpcRouterOptions } from './ipc-router';
import { createSafeStorageSealer } from './safe-storage-sealer';
import { FakeEvent, FakeIpcMain, FakeWebContents, subFrame, topFrame } from './test-support/fake-electron';

interface RecordedSession extends CoreSession {
  readonly handled: unknown[];
  closed: boolean;
  reply(message: ServerMessage): void;
}

/** A router over recording sessions: each handled message is answered with a result echoing its id. */
function router(options: IpcRouterOptions = {}) {
  const ipcMain = new FakeIpcMain();
  const sessions: RecordedSession[] = [];
  const warnings: string[] = [];
  const ipc = registerIpc(
    ipcMain,
    (send) => {
      const session: RecordedSession = {
        handled: [],
        closed: false,
        handle(message) {
          this.handled.push(message);
          const id = (message as { id: string }).id;
          send({ type: 'result', id, ok: true, value: { echoed: id } });
        },
        close() {
          this.closed = true;
        },
        reply: send,
      };
      sessions.push(session);
      return session;
    },
    { warn: (line) => warnings.push(line), ...options },
  );
  return { ipcMain, ipc, sessions, warnings };
}

const call = (id: string, input: unknown = {}): ClientMessage => ({ type: 'call', id, op: 'app.info', phase: 'run', input });
const trusted = () => topFrame('app://copper/index.html');

describe('registerIpc', () => {
  test('hands messages from our app://copper top frame to the core and sends the replies back on IPC_TO_RENDERER', () => {
    const { ipcMain, sessions } = router();
    const window = new FakeWebContents();
    ipcMain.deliver(window, trusted(), call('c1'));
    assert.equal(sessions.length, 1);
    assert.deepEqual(sessions[0]?.handled, [call('c1')]);
    assert.deepEqual(window.sent, [{ channel: IPC_TO_RENDERER, args: [{ type: 'result', id: 'c1', ok: true, value: { echoed: 'c1' } }] }]);
  });

  test('keeps one session per web contents, opened on its first message', () => {
    const { ipcMain, sessions } = router();
    const first = new FakeWebContents();
    const second = new FakeWebContents();
    assert.equal(sessions.length, 0, 'no session before the first message');
    ipcMain.deliver(first, trusted(), call('a'));
    ipcMain.deliver(first, trusted(), call('b'));
    ipcMain.deliver(second, trusted(), call('c'));
    assert.equal(sessions.length, 2);
    assert.equal(sessions[0]?.handled.length, 2);
    assert.deepEqual(second.received(), [{ type: 'result', id: 'c', ok: true, value: { echoed: 'c' } }]);
    assert.equal(first.received().length, 2, 'replies go to the web contents that asked');
  });

  test('never lets a sub-frame reach the core, even one served from app://copper, and warns without the content', () => {
    const { ipcMain, sessions, warnings } = router();
    const window = new FakeWebContents();
    const top = trusted();
    ipcMain.deliver(window, subFrame(top, 'app://copper/index.html'), call('x', { password: 'hunter2-secret' }));
    ipcMain.deliver(window, subFrame(top, 'https://example.org/'), call('y', { password: 'hunter2-secret' }));
    assert.equal(sessions.length, 0);
    assert.deepEqual(window.sent, []);
    assert.equal(warnings.length, 1, 'one warning per sender, not one per message');
    assert.equal(warnings[0]?.includes('\n'), false, 'the warning is one line');
    assert.doesNotMatch(warnings[0] ?? '', /hunter2|password|app\.info/);
    assert.match(warnings[0] ?? '', /untrusted frame \(sub-frame of app:\/\/copper/);
  });

  test('never lets a top frame of another origin reach the core', () => {
    const { ipcMain, sessions } = router();
    for (const url of ['https://example.org/', 'file:///tmp/index.html', 'app://other/index.html']) {
      const window = new FakeWebContents();
      ipcMain.deliver(window, topFrame(url), call('x'));
      assert.deepEqual(window.sent, [], url);
    }
    ipcMain.deliver(new FakeWebContents(), null, call('x'));
    assert.equal(sessions.length, 0);
  });

  test('never lets a web contents that is not one of our windows reach the core', () => {
    const ours = new FakeWebContents();
    const { ipcMain, sessions, warnings } = router({ isOurWindow: (contents) => contents.id === ours.id });
    ipcMain.deliver(new FakeWebContents(), trusted(), call('stranger'));
    assert.equal(sessions.length, 0);
    assert.match(warnings[0] ?? '', /not a window this console opened/);
    ipcMain.deliver(ours, trusted(), call('ours'));
    assert.deepEqual(sessions[0]?.handled, [call('ours')]);
  });

  test('refuses a trusted message that does not follow the protocol: INVALID_INPUT back, nothing to the core', () => {
    const { ipcMain, sessions, warnings } = router();
    const window = new FakeWebContents();
    ipcMain.deliver(window, trusted(), { type: 'call', id: 'bad', op: 'app.info', phase: 'delete-everything', input: {} });
    ipcMain.deliver(window, trusted(), 'not even an object');
    assert.equal(sessions.length, 0);
    assert.deepEqual(window.received(), [
      { type: 'result', id: 'bad', ok: false, error: { code: 'INVALID_INPUT', message: 'The message does not follow the Copper protocol.' } },
      { type: 'result', id: 'invalid', ok: false, error: { code: 'INVALID_INPUT', message: 'The message does not follow the Copper protocol.' } },
    ]);
    assert.doesNotMatch(warnings.join(' '), /delete-everything/);
  });

  test('hands the core only the validated message, without extra fields', () => {
    const { ipcMain, sessions } = router();
    ipcMain.deliver(new FakeWebContents(), trusted(), { ...call('c1'), unexpected: true, extra: 'x' });
    assert.deepEqual(sessions[0]?.handled, [call('c1')]);
  });

  test('closes the session when its web contents is destroyed, and sends nothing to it afterwards', () => {
    const { ipcMain, sessions } = router();
    const window = new FakeWebContents();
    ipcMain.deliver(window, trusted(), call('c1'));
    const session = sessions[0];
    window.destroy();
    assert.equal(session?.closed, true);
    session?.reply({ type: 'progress', id: 'c1', progress: { step: 'late', done: 1, total: null, message: '' } });
    assert.equal(window.received().length, 1, 'output of a late task is not sent to a destroyed web contents');
  });

  test('closes the session on a reload or another app document, and opens a fresh one for the next page', () => {
    const { ipcMain, sessions } = router();
    const window = new FakeWebContents();
    ipcMain.deliver(window, trusted(), call('c1'));
    window.emit('did-start-navigation', { url: 'app://copper/index.html#/hosts', isMainFrame: true, isSameDocument: true });
    window.emit('did-start-navigation', { url: 'app://copper/index.html', isMainFrame: false, isSameDocument: false });
    assert.equal(sessions[0]?.closed, false, 'in-page and sub-frame navigations keep the session');
    window.emit('did-start-navigation', { url: 'app://copper/index.html', isMainFrame: true, isSameDocument: false });
    assert.equal(sessions[0]?.closed, true);
    ipcMain.deliver(window, trusted(), call('c2'));
    assert.equal(sessions.length, 2);
    assert.deepEqual(sessions[1]?.handled, [call('c2')]);
    window.destroy();
    assert.equal(sessions[1]?.closed, true);
    assert.equal(window.listenerCount('destroyed'), 0);
    assert.equal(window.listenerCount('did-start-navigation'), 1, 'lifecycle listeners are attached once per web contents');
  });

  test('keeps the session when a navigation away from the app starts, since the security handlers prevent it', () => {
    const { ipcMain, sessions } = router();
    const window = new FakeWebContents();
    ipcMain.deliver(window, trusted(), call('c1'));
    window.emit('did-start-navigation', { url: 'https://example.org/', isMainFrame: true, isSameDocument: false });
    assert.equal(sessions[0]?.closed, false);
  });

  test('closes the session, and sends it nowhere, if a page from another origin is ever committed in the window', () => {
    const { ipcMain, sessions } = router();
    const window = new FakeWebContents();
    ipcMain.deliver(window, trusted(), call('c1'));
    window.url = 'https://example.org/';
    sessions[0]?.reply({ type: 'event', id: 'sub', payload: { secret: 'inventory' } });
    assert.equal(window.received().length, 1, 'only the reply to c1, sent while our page was shown');
    window.emit('did-navigate', new FakeEvent(), 'https://example.org/', 200, 'OK');
    assert.equal(sessions[0]?.closed, true);
  });

  test('closes the session when the renderer process crashes', () => {
    const { ipcMain, sessions } = router();
    const window = new FakeWebContents();
    ipcMain.deliver(window, trusted(), call('c1'));
    window.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    assert.equal(sessions[0]?.closed, true);
  });

  test('close() closes every open session and drops messages that arrive afterwards', () => {
    const { ipcMain, ipc, sessions } = router();
    const window = new FakeWebContents();
    ipcMain.deliver(window, trusted(), call('a'));
    ipcMain.deliver(new FakeWebContents(), trusted(), call('b'));
    ipc.close();
    assert.deepEqual(
      sessions.map((session) => session.closed),
      [true, true],
    );
    ipcMain.deliver(window, trusted(), call('late'));
    assert.equal(sessions.length, 2, 'no session is opened on a core that is shutting down');
  });

  test('connects to the real core: app.info from our window comes back as the desktop shell', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'copper-ipc-'));
    const core = createCore({
      dataDir,
      secrets: new SealedFileSecretStore(
        join(dataDir, 'secrets.os.bin'),
        createSafeStorageSealer(
          {
            isEncryptionAvailable: () => true,
            encryptString: (plain) => Buffer.from(plain).reverse(),
            decryptString: (sealed) => Buffer.from(sealed).reverse().toString(),
            getSelectedStorageBackend: () => 'gnome_libsecret',
          },
          'linux',
        ),
      ),
      shell: 'desktop',
      version: '9.9.9',
    });
    try {
      const ipcMain = new FakeIpcMain();
      const ipc = registerIpc(ipcMain, (send) => core.openSession('operator@desktop', send));
      const window = new FakeWebContents();
      ipcMain.deliver(window, trusted(), call('info-1'));
      const reply = (await waitFor(() => window.received()[0])) as {
        type: string;
        id: string;
        ok: boolean;
        value: { shell: string; version: string; dataDir: string; secretStore: { state: string } };
      };
      assert.equal(reply.type, 'result');
      assert.equal(reply.id, 'info-1');
      assert.equal(reply.ok, true);
      const value = reply.value;
      assert.equal(value.shell, 'desktop');
      assert.equal(value.version, '9.9.9');
      assert.equal(value.dataDir, dataDir);
      assert.equal(value.secretStore.state, 'absent');
      ipc.close();
    } finally {
      core.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

async function waitFor<T>(read: () => T | undefined, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('Timed out waiting for a reply from the core.');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

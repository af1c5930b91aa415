import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { IPC_TO_MAIN, IPC_TO_RENDERER } from '../../shared/client/bridge';
import type { ClientMessage } from '../../shared/contract/wire';
import { exposeCopperBridge, type BridgeExposer } from './preload';

/** ipcRenderer as the preload sees it: an EventEmitter that also records what was sent to main. */
class FakeIpcRenderer extends EventEmitter {
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }

  /** A message from main, delivered the way Electron does: the IpcRendererEvent first. */
  deliver(message: unknown): void {
    this.emit(IPC_TO_RENDERER, { sender: this, senderId: 0, ports: [] }, message);
  }
}

/** contextBridge stand-in: what the page's `window` would see. */
class FakeContextBridge implements BridgeExposer {
  readonly world = new Map<string, unknown>();

  exposeInMainWorld(apiKey: string, api: unknown): void {
    this.world.set(apiKey, api);
  }
}

interface PageBridge {
  send(message: unknown): void;
  onMessage(listener: (...args: unknown[]) => void): () => void;
}

function preloaded() {
  const ipcRenderer = new FakeIpcRenderer();
  const contextBridge = new FakeContextBridge();
  exposeCopperBridge({ contextBridge, ipcRenderer }, 'app://copper');
  const copper = contextBridge.world.get('copper') as PageBridge;
  return { ipcRenderer, contextBridge, copper };
}

const call: ClientMessage = { type: 'call', id: 'c1', op: 'app.info', phase: 'run', input: {} };

describe('preload', () => {
  test('exposes exactly one key, copper, holding only send and onMessage', () => {
    const { contextBridge, copper, ipcRenderer } = preloaded();
    assert.deepEqual([...contextBridge.world.keys()], ['copper']);
    assert.deepEqual(Object.keys(copper).sort(), ['onMessage', 'send']);
    assert.equal(typeof copper.send, 'function');
    assert.equal(typeof copper.onMessage, 'function');
    for (const value of Object.values(copper)) assert.notEqual(value, ipcRenderer);
  });

  test('exposes nothing to a page of any other origin', () => {
    for (const origin of ['https://example.org', 'null', 'file://', 'app://other']) {
      const contextBridge = new FakeContextBridge();
      assert.equal(exposeCopperBridge({ contextBridge, ipcRenderer: new FakeIpcRenderer() }, origin), false, origin);
      assert.equal(contextBridge.world.size, 0, origin);
    }
  });

  test('sends a valid message to main on IPC_TO_MAIN', () => {
    const { copper, ipcRenderer } = preloaded();
    copper.send(call);
    assert.deepEqual(ipcRenderer.sent, [{ channel: IPC_TO_MAIN, args: [call] }]);
  });

  test('sends only the validated message, without fields the protocol does not know', () => {
    const { copper, ipcRenderer } = preloaded();
    copper.send({ ...call, sneaky: 'extra' });
    assert.deepEqual(ipcRenderer.sent[0]?.args, [call]);
  });

  test('rejects an invalid message and sends nothing', () => {
    const { copper, ipcRenderer } = preloaded();
    for (const invalid of [
      { type: 'call', id: 'c1', op: 'app.info', phase: 'delete-everything', input: {} },
      { type: 'call', id: '', op: 'app.info', phase: 'run', input: {} },
      { type: 'call', id: 'c1', op: 'x', phase: 'execute', input: {}, planHash: 'not-a-hash' },
      { type: 'exec', command: 'rm -rf /' },
      'app.info',
      null,
    ]) {
      assert.throws(() => copper.send(invalid), /does not follow the Copper protocol/, JSON.stringify(invalid));
    }
    assert.deepEqual(ipcRenderer.sent, []);
  });

  test('gives the listener the message and never the IpcRendererEvent', () => {
    const { copper, ipcRenderer } = preloaded();
    const calls: unknown[][] = [];
    copper.onMessage((...args) => calls.push(args));
    const reply = { type: 'result', id: 'c1', ok: true, value: { version: '0.1.0' } };
    ipcRenderer.deliver(reply);
    assert.deepEqual(calls, [[reply]], 'exactly one argument: the message');
  });

  test('stops delivering after unsubscribe, and only removes its own listener', () => {
    const { copper, ipcRenderer } = preloaded();
    const first: unknown[] = [];
    const second: unknown[] = [];
    const stopFirst = copper.onMessage((message) => first.push(message));
    copper.onMessage((message) => second.push(message));
    ipcRenderer.deliver('one');
    stopFirst();
    ipcRenderer.deliver('two');
    assert.deepEqual(first, ['one']);
    assert.deepEqual(second, ['one', 'two']);
    assert.equal(ipcRenderer.listenerCount(IPC_TO_RENDERER), 1);
  });

  test('refuses a listener that is not a function', () => {
    const { copper, ipcRenderer } = preloaded();
    assert.throws(() => copper.onMessage('alert(1)' as unknown as () => void), /listener function/);
    assert.equal(ipcRenderer.listenerCount(IPC_TO_RENDERER), 0);
  });
});

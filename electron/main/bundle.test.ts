/*
 * The shipped bundles, not the sources: main.ts and preload.ts are bundled here with the options scripts/build.mjs
 * uses (CommonJS for Node 20; main with packages external, preload whole with only `electron` external) and run the
 * way Electron runs them. The Electron binary is not needed: `electron` is a stub, as in the other tests.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Module from 'node:module';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { IPC_TO_MAIN, IPC_TO_RENDERER } from '../../shared/client/bridge';

const root = resolve(__dirname, '..', '..');
let outDir: string;

before(async () => {
  // Inside the checkout (test-output/ is git-ignored) so the main bundle finds node_modules like dist/ would.
  mkdirSync(join(root, 'test-output'), { recursive: true });
  outDir = mkdtempSync(join(root, 'test-output', 'electron-bundle-'));
  const node = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent', define: { __COPPER_VERSION__: '"0.0.0-test"' } } as const;
  await Promise.all([
    build({ ...node, packages: 'external', entryPoints: [join(root, 'electron/main/main.ts')], outfile: join(outDir, 'main.js') }),
    build({ ...node, external: ['electron'], entryPoints: [join(root, 'electron/preload/preload.ts')], outfile: join(outDir, 'preload.js') }),
  ]);
});

after(() => rmSync(outDir, { recursive: true, force: true }));

/** Loads a CommonJS file with `electron` replaced by `stub`, as the process's main module or as a plain dependency. */
function loadWithElectron(file: string, stub: object, asMain: boolean): void {
  const moduleApi = Module as unknown as {
    _load(request: string, parent: unknown, isMain: boolean): unknown;
  };
  const load = moduleApi._load;
  const mainModule = process.mainModule;
  moduleApi._load = function (request, parent, isMain) {
    return request === 'electron' ? stub : load.call(this, request, parent, isMain);
  };
  try {
    moduleApi._load(file, null, asMain);
  } finally {
    moduleApi._load = load;
    process.mainModule = mainModule;
    delete require.cache[file];
  }
}

describe('main bundle', () => {
  function stubElectron(userData: string) {
    const calls: string[] = [];
    const app = Object.assign(new EventEmitter(), {
      isPackaged: true,
      requestSingleInstanceLock: () => {
        calls.push('requestSingleInstanceLock');
        return false; // another console "already runs": bootstrap stops right after the lock, touching nothing else
      },
      enableSandbox: () => calls.push('enableSandbox'),
      whenReady: () => new Promise<void>(() => undefined),
      getPath: () => userData,
      getVersion: () => '0.0.0',
      quit: () => calls.push('quit'),
      exit: () => calls.push('exit'),
    });
    return { stub: { app }, calls };
  }

  test('starts the app when Electron loads it as the main script', () => {
    const { stub, calls } = stubElectron(outDir);
    loadWithElectron(join(outDir, 'main.js'), stub, true);
    assert.deepEqual(calls, ['requestSingleInstanceLock', 'quit']);
  });

  test('starts nothing and never asks for electron when it is merely required', () => {
    const { stub, calls } = stubElectron(outDir);
    loadWithElectron(join(outDir, 'main.js'), stub, false);
    assert.deepEqual(calls, []);
  });

  test('requires only electron and the runtime dependencies from package.json', () => {
    const bundle = readFileSync(join(outDir, 'main.js'), 'utf8');
    const dependencies = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: object }).dependencies);
    const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1] ?? ''));
    for (const name of required) {
      const isAllowed = name === 'electron' || name.startsWith('node:') || Module.isBuiltin(name) || dependencies.some((dep) => name === dep || name.startsWith(`${dep}/`));
      assert.ok(isAllowed, `main.js requires "${name}", which the packaged app would not have`);
    }
  });
});

describe('preload bundle', () => {
  /** Runs the bundle as Electron's sandbox does: a function whose `require` knows only 'electron', with no eval allowed. */
  function runSandboxed(pageOrigin: string) {
    const world = new Map<string, unknown>();
    const ipcRenderer = Object.assign(new EventEmitter(), {
      sent: [] as unknown[][],
      send(...args: unknown[]) {
        this.sent.push(args);
      },
    });
    const electron = { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => world.set(key, api) }, ipcRenderer };
    const sandboxRequire = (name: string) => {
      if (name === 'electron') return electron;
      throw new Error(`module not found: ${name}`);
    };
    const preloadProcess = Object.assign(new EventEmitter(), { type: 'renderer', sandboxed: true });
    const source = readFileSync(join(outDir, 'preload.js'), 'utf8');
    const run = new Function('require', 'process', 'Buffer', 'global', 'setImmediate', 'clearImmediate', 'exports', 'module', 'location', source);
    const realFunction = globalThis.Function;
    const codeGenerationAttempts: string[] = [];
    const refuse = (_target: unknown, args: unknown[]) => {
      codeGenerationAttempts.push(String(args.at(-1)));
      throw new EvalError('Code generation from strings is not allowed here.');
    };
    globalThis.Function = new Proxy<FunctionConstructor>(realFunction, { construct: refuse, apply: refuse });
    try {
      const exports = {};
      run(sandboxRequire, preloadProcess, Buffer, globalThis, setImmediate, clearImmediate, exports, { exports }, { origin: pageOrigin });
    } finally {
      globalThis.Function = realFunction;
    }
    return { world, ipcRenderer, codeGenerationAttempts };
  }

  test('runs in the sandbox with nothing but electron to require, and exposes window.copper to our page', () => {
    const { world, ipcRenderer, codeGenerationAttempts } = runSandboxed('app://copper');
    assert.deepEqual([...world.keys()], ['copper']);
    const copper = world.get('copper') as { send(message: unknown): void; onMessage(listener: (...args: unknown[]) => void): () => void };
    assert.deepEqual(Object.keys(copper).sort(), ['onMessage', 'send']);

    copper.send({ type: 'call', id: 'c1', op: 'app.info', phase: 'run', input: {} });
    assert.deepEqual(ipcRenderer.sent, [[IPC_TO_MAIN, { type: 'call', id: 'c1', op: 'app.info', phase: 'run', input: {} }]]);
    assert.throws(() => copper.send({ type: 'exec', command: 'rm -rf /' }), /does not follow the Copper protocol/);

    const heard: unknown[][] = [];
    copper.onMessage((...args) => heard.push(args));
    ipcRenderer.emit(IPC_TO_RENDERER, { sender: ipcRenderer }, { type: 'result', id: 'c1', ok: true, value: 1 });
    assert.deepEqual(heard, [[{ type: 'result', id: 'c1', ok: true, value: 1 }]]);
    assert.deepEqual(codeGenerationAttempts, [], 'zod runs jitless: not even a probe that a strict CSP would report');
  });

  test('exposes nothing to a page of another origin', () => {
    assert.equal(runSandboxed('https://example.org').world.size, 0);
  });
});

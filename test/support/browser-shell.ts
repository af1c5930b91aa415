import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const repoRoot = resolve(__dirname, '..', '..');
export const screenshotDir = join(repoRoot, 'test-output', 'screenshots');
const copperBin = join(repoRoot, 'bin', 'copper.js');
const PASSPHRASE = 'test-passphrase-1';

export interface BrowserShellProcess {
  /** The one-time address with the token, as `copper serve` prints it. */
  url: string;
  /** http://127.0.0.1:PORT, without the token. */
  origin: string;
  port: number;
  dataDir: string;
  /** Runs the CLI against the same data folder, e.g. `copper(['site', 'add', 'hq'])`. */
  copper(args: string[], input?: string): { status: number | null; stdout: string; stderr: string };
  stop(): Promise<void>;
}

/** Fails early, in plain words, when the UI has not been built: the tests drive the real bundle, not sources. */
export function requireBuild(): void {
  for (const file of ['dist/renderer/index.html', 'dist/renderer/app.js', 'dist/cli/copper.js']) {
    if (!existsSync(join(repoRoot, file))) {
      throw new Error(`${file} is missing: run \`npm run build\` before the end-to-end tests.`);
    }
  }
}

/**
 * Starts `copper serve --json` on a fresh data folder (its own inventory, audit trail and vault) and waits for the
 * JSON line with the address. `stop()` ends it with SIGTERM and removes the folder.
 */
export async function startBrowserShell(): Promise<BrowserShellProcess> {
  requireBuild();
  const dataDir = mkdtempSync(join(tmpdir(), 'copper-e2e-'));
  const env = { ...process.env, COPPER_HOME: dataDir, COPPER_PASSPHRASE: PASSPHRASE };
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [copperBin, 'serve', '--json'], { cwd: repoRoot, env });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const started = await new Promise<{ url: string; port: number }>((resolvePromise, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`copper serve did not print its address within 15 s.\n${stderr}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.trim().startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      try {
        resolvePromise(JSON.parse(line) as { url: string; port: number });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`copper serve exited with code ${code} before it printed its address.\n${stderr}`));
    });
  });

  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    url: started.url,
    origin: `http://127.0.0.1:${started.port}`,
    port: started.port,
    dataDir,
    copper(args, input) {
      const result = spawnSync(process.execPath, [copperBin, '--data-dir', dataDir, ...args], {
        cwd: repoRoot,
        env,
        encoding: 'utf8',
        timeout: 15_000,
        ...(input !== undefined ? { input } : {}),
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timeout = new Promise<void>((done) => setTimeout(done, 5_000));
        await Promise.race([exited, timeout]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, never a downloaded browser. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

export interface ConsoleSession {
  shell: BrowserShellProcess;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Problems the page reported: uncaught errors, console errors, CSP violations. A healthy UI has none. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * A running console and a Chromium page signed in to it (the token moved into the cookie), on the Sites page unless
 * `start` says otherwise (the console itself opens on Fleet). Pass a browser to share one between tests (each still gets
 * its own context, console and data folder); else one is launched and closed with the session.
 */
export async function openConsole(
  options: { browser?: Browser; colorScheme?: 'light' | 'dark'; start?: 'Fleet' | 'Sites' } = {},
): Promise<ConsoleSession> {
  const shell = await startBrowserShell();
  const ownBrowser = options.browser === undefined;
  let browser: Browser | undefined = options.browser;
  try {
    browser ??= await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: options.colorScheme ?? 'light' });
    const page = await context.newPage();
    page.setDefaultTimeout(7_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    await page.goto(shell.url);
    await page.getByRole('heading', { name: 'Fleet', level: 2 }).waitFor();
    const start = options.start ?? 'Sites';
    if (start !== 'Fleet') {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: start }).click();
      await page.getByRole('heading', { name: start, level: 2 }).waitFor();
    }
    const opened = browser;
    return {
      shell,
      browser: opened,
      context,
      page,
      pageErrors,
      async close() {
        await context.close();
        if (ownBrowser) await opened.close();
        await shell.stop();
      },
    };
  } catch (error) {
    if (ownBrowser) await browser?.close();
    await shell.stop();
    throw error;
  }
}

/**
 * Runs a test body against a fresh console, then proves the page reported no errors (uncaught errors, console errors,
 * CSP violations); the console is closed whatever happens.
 */
export async function inConsole(
  options: Parameters<typeof openConsole>[0],
  body: (session: ConsoleSession) => Promise<void>,
): Promise<void> {
  const session = await openConsole(options);
  try {
    await body(session);
    assert.deepEqual(session.pageErrors, []);
  } finally {
    await session.close();
  }
}

/** Waits until no CSS transition or animation runs, so a screenshot shows the settled UI, not a fade. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getAnimations().filter((a) => a.playState === 'running' && Number.isFinite(a.effect?.getComputedTiming().endTime ?? Infinity)).length === 0);
}

/** A screenshot of the settled page, for people to look at. Passing notifications are left out: they hide the page. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await settled(page);
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({
    path: join(screenshotDir, `${name}.png`),
    style: '.mantine-Notifications-root { display: none !important; }',
    fullPage: options.fullPage ?? false,
  });
}

#!/usr/bin/env node
// `npm run bench:queue`: the performance targets of the mail queue (issue 4), measured on the lab. See bench/README.md.
// Fills the lab queue with N deferred messages, times copper's queue commands against the raw tools over the same SSH
// path and login (one ssh-agent serves both), scrolls the queue table in Chromium, and leaves the queue empty.
/* global window, document, location, requestAnimationFrame, MessageChannel -- in functions Playwright runs inside the page */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { clearQueue, fillQueue, waitForDeferred } from '../scripts/lab/fill-queue.mjs';
import { holdQueueLock } from '../scripts/lab/queue-lock.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const copperBin = join(root, 'bin', 'copper.js');
const TARGETS = {
  vsRaw: 1.15,
  vsQshape: 1.0,
  rssMb: 250,
  frameWorkP95Ms: 16,
  // A 60 Hz frame clock plus 10% jitter: the interval an idle page already shows, i.e. no frame dropped.
  frameIntervalP95Ms: Math.round((1000 / 60) * 1.1 * 10) / 10,
};
const HOST = 'lab';
const GNU_TIME = '/usr/bin/time';

const log = (msg) => process.stderr.write(`${msg}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------------ setup

function readLab() {
  const file = join(process.env.COPPER_LAB_DIR || join(root, '.lab'), 'lab.json');
  if (!existsSync(file)) throw new Error(`the lab is not running (${file} is missing): run \`bash scripts/lab/up.sh\` first`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

function checkPrerequisites() {
  if (process.getuid?.() !== 0) throw new Error('run as root: filling and emptying the lab queue needs postsuper');
  if (!existsSync(join(root, 'dist', 'cli', 'copper.js'))) throw new Error('the CLI is not built: run `npm run build` first');
}

function mustRun(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.error?.message}`);
  return result.stdout;
}

/**
 * An ssh-agent of our own holding the lab keys. Both copper (SSH_AUTH_SOCK) and the raw ssh (IdentityAgent) log in
 * through it, so neither side pays for unlocking a key and the comparison is login path against login path.
 */
async function startAgent(dir, keys) {
  const sock = join(dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  for (let i = 0; !existsSync(sock); i++) {
    if (i > 100) throw new Error('ssh-agent did not create its socket within 5 s');
    await sleep(50);
  }
  for (const key of keys) mustRun('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
  return { sock, stop: () => agent.kill() };
}

/** A fresh copper data folder with the lab registered as host `lab`, logging in with the agent. */
function registerLab(copper, lab) {
  copper(['site', 'add', 'bench']);
  copper(['host', 'add', HOST, '--site', 'bench', '--ssh', `${lab.users.key.name}@${lab.ssh.host}:${lab.ssh.port}`, '--fingerprint', lab.ssh.hostKeyFingerprint]);
}

// ------------------------------------------------------------------------------------------------ timing

/**
 * Runs a command with stdout to /dev/null and returns its wall time and peak RSS. RSS comes from GNU time when it is
 * installed; otherwise from polling VmHWM (the kernel's high-water mark, so only the last 20 ms can be missed).
 */
async function timed(argv, env, scratch) {
  const rssFile = join(scratch, 'rss');
  const useTime = existsSync(GNU_TIME);
  const [cmd, ...args] = useTime ? [GNU_TIME, '-f', '%M', '-o', rssFile, ...argv] : argv;
  const devNull = openSync('/dev/null', 'w');
  const started = performance.now();
  const child = spawn(cmd, args, { env, stdio: ['ignore', devNull, 'pipe'] });
  closeSync(devNull);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let polledKb = 0;
  const poll = useTime ? null : setInterval(() => (polledKb = Math.max(polledKb, vmHwmKb(child.pid))), 20);
  const code = await new Promise((resolve, reject) => child.on('error', reject).on('close', resolve));
  const seconds = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  if (code !== 0) throw new Error(`${argv.join(' ')} exited ${code}: ${stderr.trim().slice(-2000)}`);
  const rssKb = useTime ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) : polledKb;
  return { seconds, rssMb: rssKb / 1024 };
}

function vmHwmKb(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // the process already exited
  }
}

/** The four commands compared, each a fresh process and a fresh SSH login, as an operator would run them. */
function tools({ lab, agentSock, dataDir, qshape }) {
  const ssh = (host, ...command) => ['ssh', '-F', lab.sshConfigPath, '-o', `IdentityAgent=${agentSock}`, host, ...command];
  const copper = (...args) => [process.execPath, copperBin, '--data-dir', dataDir, ...args];
  return [
    { name: 'raw', label: 'ssh lab postqueue -j', argv: ssh('lab-key', '/usr/sbin/postqueue', '-j') },
    { name: 'summary', label: 'copper queue summary', argv: copper('queue', 'summary', HOST), copper: true },
    { name: 'list', label: 'copper queue list --json', argv: copper('--json', 'queue', 'list', HOST), copper: true },
    ...(qshape ? [{ name: 'qshape', label: 'ssh lab sudo qshape deferred', argv: ssh('lab-sudo', 'sudo', '-n', '/usr/sbin/qshape', 'deferred') }] : []),
  ];
}

/** qshape must read the queue files, so it needs root; the lab grants that through sudo only if up.sh allows it. */
function qshapeAllowed(lab, agentSock) {
  const probe = spawnSync('ssh', ['-F', lab.sshConfigPath, '-o', `IdentityAgent=${agentSock}`, 'lab-sudo', 'sudo', '-n', '/usr/sbin/qshape', 'hold'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  log(`qshape is skipped: \`sudo -n /usr/sbin/qshape\` is refused for ${lab.users.sudo.name} (${probe.stderr.trim()}).`);
  log('  Fix: add /usr/sbin/qshape to lab_sudo_cmds in scripts/lab/lib.sh, then run scripts/lab/up.sh.');
  return false;
}

/**
 * One warm-up round (the first postqueue after a fill reads cold queue files), then `runs` rounds; each round runs
 * every tool once, in a rotating order, so a burst of background load does not land on one tool only.
 */
async function measure(toolList, runs, env, scratch) {
  const samples = Object.fromEntries(toolList.map((t) => [t.name, []]));
  for (let round = 0; round <= runs; round++) {
    const order = toolList.map((_, i) => toolList[(i + round) % toolList.length]);
    for (const tool of order) {
      const sample = await timed(tool.argv, env, scratch);
      if (round > 0) samples[tool.name].push(sample);
    }
    log(`  round ${round === 0 ? 'warm-up' : `${round}/${runs}`} done`);
  }
  return samples;
}

// ------------------------------------------------------------------------------------------------ UI

/**
 * The UI target: Playwright scrolls the host's queue table with the mouse wheel while the page records every animation
 * frame (target: p95 frame time ≤ 16 ms). Two passes, because they stress different things: reading-speed wheel
 * notches (rows already loaded, a few new rows per frame), then the rest of the way to the last row in `steps` big
 * steps (every frame a fresh screen of rows, pages fetched on the way). Runs `copper serve` on its own data folder and
 * Debian's Chromium (installed by scripts/ensure-test-deps.sh, as for the e2e tests).
 */
async function measureTableScroll({ lab, expectedRows, steps }) {
  mustRun('bash', [join(root, 'scripts', 'ensure-test-deps.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const { startBrowserShell, launchChromium } = await import('../test/support/browser-shell.ts');
  const shell = await startBrowserShell();
  let browser;
  try {
    browser = await launchChromium();
    registerLab((args) => checkedShellRun(shell, args), lab);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(60_000);
    await page.goto(shell.url);
    await page.getByRole('heading', { name: 'Fleet', level: 2 }).waitFor();
    await page.evaluate((host) => (location.hash = `#/hosts/${host}/queue`), HOST);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="queue-matched"]')?.dataset.total) >= n, expectedRows, { timeout: 300_000 });
    const rows = Number(await page.locator('[data-testid="queue-matched"]').getAttribute('data-total'));
    await page.locator('[data-testid="queue-row"]').first().waitFor();
    const body = page.locator('[data-testid="queue-table"] .copper-qt-body');
    await body.scrollIntoViewIfNeeded(); // the wheel scrolls what is under the pointer: the table must be on screen
    const box = await body.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);

    const notches = await scrollPass(page, 'wheel notches', WHEEL_NOTCHES, WHEEL_NOTCH_PX);
    const remaining = await body.evaluate((el) => el.scrollHeight - el.clientHeight - el.scrollTop);
    const toBottom = await scrollPass(page, 'to the last row', steps, Math.ceil(remaining / steps), () => waitForBottom(body));
    const lastRow = page.locator(`[data-testid="queue-row"][aria-rowindex="${rows + 1}"]`); // row 1 is the header
    await lastRow.waitFor({ timeout: 30_000 }).catch(() => {}); // reported as reachedLastRow
    return { rows, rendererBuild: rendererBuild(), passes: [notches, toBottom], reachedLastRow: (await lastRow.count()) === 1 };
  } finally {
    await browser?.close();
    await shell.stop();
  }
}

const WHEEL_NOTCHES = 200;
const WHEEL_NOTCH_PX = 120; // one notch of a common mouse wheel

async function scrollPass(page, name, steps, pixelsPerStep, settle = async () => {}) {
  await page.evaluate(startFrameRecorder);
  for (let i = 0; i < steps; i++) await page.mouse.wheel(0, pixelsPerStep);
  await settle();
  const { intervals, work } = await page.evaluate(stopFrameRecorder);
  const stats = (xs) => ({ p50: percentile(xs, 50), p95: percentile(xs, 95), max: Math.max(...xs) });
  return { name, steps, pixelsPerStep, frames: intervals.length, intervalMs: stats(intervals), workMs: stats(work) };
}

/** Wheel events return before the scroll is done; waits (at most 10 s) until the table shows its end. */
function waitForBottom(body) {
  return body.evaluate(
    (el) => new Promise((done) => {
      const deadline = performance.now() + 10_000;
      const check = () => (el.scrollTop + el.clientHeight >= el.scrollHeight - 1 || performance.now() > deadline ? done() : requestAnimationFrame(check));
      check();
    }),
  );
}

/** `npm run build` bundles React's development build, which is several times slower than what ships. */
function rendererBuild() {
  return readFileSync(join(root, 'dist', 'renderer', 'app.js'), 'utf8').includes('jsxDEV') ? 'development' : 'production';
}

function checkedShellRun(shell, args) {
  const result = shell.copper(args);
  if (result.status !== 0) throw new Error(`copper ${args.join(' ')} failed: ${result.stderr}`);
}

// These two run in the page. Two figures per frame: the interval between frames (what the eye sees; headless Chromium
// paces frames at 60 Hz, so even an idle page shows 16.7 ms) and the frame's main-thread work, from the frame's start
// to the first task after it rendered (what the page costs, independent of the frame clock).
function startFrameRecorder() {
  const rec = { intervals: [], work: [], on: true, last: performance.now() };
  const channel = new MessageChannel();
  let frameStart = 0;
  channel.port1.onmessage = () => rec.work.push(performance.now() - frameStart);
  const tick = (now) => {
    rec.intervals.push(now - rec.last);
    rec.last = now;
    frameStart = now;
    channel.port2.postMessage(null);
    if (rec.on) requestAnimationFrame(tick);
  };
  window.__benchFrames = rec;
  requestAnimationFrame(tick);
}
function stopFrameRecorder() {
  const rec = window.__benchFrames;
  rec.on = false;
  return { intervals: rec.intervals.slice(1), work: rec.work }; // the first interval spans the time before recording
}

// ------------------------------------------------------------------------------------------------ report

function summarise(n, samples) {
  const med = (name) => (samples[name] ? median(samples[name].map((s) => s.seconds)) : null);
  const raw = med('raw');
  const qshape = med('qshape');
  return Object.entries(samples).map(([name, runs]) => {
    const seconds = med(name);
    const peakRssMb = Math.max(...runs.map((s) => s.rssMb));
    const row = {
      n,
      tool: name,
      runs: runs.length,
      medianSeconds: seconds,
      vsRaw: seconds / raw,
      vsQshape: qshape ? seconds / qshape : null,
      peakRssMb,
      samples: runs,
      checks: [],
    };
    if (name === 'summary' || name === 'list') {
      row.checks.push({ target: `≤ ${TARGETS.vsRaw}× raw`, pass: row.vsRaw <= TARGETS.vsRaw });
      row.checks.push({ target: `peak RSS ≤ ${TARGETS.rssMb} MB`, pass: peakRssMb <= TARGETS.rssMb });
    }
    if (name === 'summary') {
      row.checks.push(qshape ? { target: `≤ ${TARGETS.vsQshape}× qshape`, pass: row.vsQshape <= TARGETS.vsQshape } : { target: `≤ ${TARGETS.vsQshape}× qshape`, pass: null });
    }
    return row;
  });
}

function printTable(rows, labels, ui) {
  const verdict = (c) => `${c.pass === null ? 'n/a' : c.pass ? 'PASS' : 'MISS'} ${c.target}`;
  const lines = rows.map((r) => [
    r.n.toLocaleString('en'),
    labels[r.tool],
    r.medianSeconds.toFixed(3),
    String(r.runs),
    `${r.vsRaw.toFixed(2)}×`,
    r.vsQshape === null ? '-' : `${r.vsQshape.toFixed(2)}×`,
    r.peakRssMb.toFixed(0),
    r.checks.map(verdict).join('; ') || '(reference)',
  ]);
  const head = ['N', 'tool', 'median s', 'runs', 'vs raw', 'vs qshape', 'peak RSS MB', 'targets'];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  console.log(fmt(head));
  for (const l of lines) console.log(fmt(l));
  if (ui?.error) console.log(`\nUI: not measured: ${ui.error}`);
  else if (ui) {
    const check = (value, target) => `${value <= target ? 'PASS' : 'MISS'} p95 ≤ ${target} ms`;
    const ms = ({ p50, p95, max }) => `p50 ${p50.toFixed(1)}, p95 ${p95.toFixed(1)}, max ${max.toFixed(1)} ms`;
    console.log(`\nUI: ${ui.rows.toLocaleString('en')}-row table, ${ui.rendererBuild} renderer build, last row reached: ${ui.reachedLastRow}`);
    if (ui.rendererBuild === 'development') console.log('  (React development build: build with NODE_ENV=production npm run build for figures that mean something)');
    for (const pass of ui.passes) {
      console.log(`  ${pass.name}: ${pass.steps} wheel steps of ${pass.pixelsPerStep} px, ${pass.frames} frames`);
      console.log(`    frame work      ${ms(pass.workMs)}  ${check(pass.workMs.p95, TARGETS.frameWorkP95Ms)}`);
      console.log(`    frame interval  ${ms(pass.intervalMs)}  ${check(pass.intervalMs.p95, TARGETS.frameIntervalP95Ms)}`);
    }
  }
}

function writeResults(result) {
  const dir = join(root, 'test-output', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `queue-${result.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

// ------------------------------------------------------------------------------------------------ main

/** Tops the queue up from `have` to `n` deferred messages: sizes run in ascending order, so earlier fills are kept. */
async function fillTo(have, n) {
  const t = performance.now();
  await fillQueue({ count: n - have, seed: n, progressEvery: 10_000, onProgress: ({ queued }) => log(`  submitted ${queued}/${n - have}`) });
  await waitForDeferred(n, { timeoutMs: 1_800_000, intervalMs: 2000 });
  log(`  ${n} deferred (fill took ${((performance.now() - t) / 1000).toFixed(1)} s)`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      runs: { type: 'string' },
      'ui-steps': { type: 'string', default: '400' },
      'no-ui': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('Usage: npm run bench:queue -- [--sizes 10000,100000] [--runs N] [--ui-steps 400] [--no-ui]   (root, lab up, CLI built)');
    return;
  }
  checkPrerequisites();
  const releaseQueue = await holdQueueLock('npm run bench:queue', { log });
  const lab = readLab();
  const sizes = values.sizes.split(',').map(Number).sort((a, b) => a - b);
  const runsFor = (n) => (values.runs ? Number(values.runs) : n >= 100_000 ? 3 : 5);
  const startedAt = new Date().toISOString();
  const scratch = mkdtempSync(join(tmpdir(), 'copper-bench-'));
  const agent = await startAgent(scratch, [lab.users.key.privateKey, lab.users.sudo.privateKey]);
  const cleanUp = async () => {
    agent.stop();
    await clearQueue().catch((err) => log(`could not empty the queue: ${err.message}`));
    rmSync(scratch, { recursive: true, force: true });
    releaseQueue();
  };
  // Interrupted, the agent (a child, but not killed with us by `kill PID`) and the filled queue must not stay behind.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  const env = { ...process.env, SSH_AUTH_SOCK: agent.sock };
  process.env.SSH_AUTH_SOCK = agent.sock; // for `copper serve`, which inherits this environment
  try {
    const dataDir = join(scratch, 'data');
    registerLab((args) => mustRun(process.execPath, [copperBin, '--data-dir', dataDir, ...args], { env }), lab);
    const toolList = tools({ lab, agentSock: agent.sock, dataDir, qshape: qshapeAllowed(lab, agent.sock) });
    const labels = Object.fromEntries(toolList.map((t) => [t.name, t.label]));
    log(`machine: ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)}${loadavg()[0] > cpus().length ? ' (busy: figures will be noisy)' : ''}`);

    const rows = [];
    let ui = null;
    await clearQueue();
    let filled = 0;
    for (const n of sizes) {
      log(`N = ${n}: filling the queue`);
      await fillTo(filled, n);
      filled = n;
      log(`N = ${n}: timing ${toolList.map((t) => t.name).join(', ')} (${runsFor(n)} runs each)`);
      rows.push(...summarise(n, await measure(toolList, runsFor(n), env, scratch)));
    }
    const uiRows = sizes.at(-1);
    if (!values['no-ui']) {
      log(`UI: scrolling the ${uiRows}-row queue table`);
      // A UI failure must not throw away the CLI figures measured so far.
      ui = await measureTableScroll({ lab, expectedRows: uiRows, steps: Number(values['ui-steps']) }).then(
        (result) => result,
        (err) => ({ rows: uiRows, error: err.message }),
      );
    }
    printTable(rows, labels, ui);
    const file = writeResults({ startedAt, machine: { cpus: cpus().length, loadavgAtEnd: loadavg() }, targets: TARGETS, rows, ui });
    log(`\nresults: ${file}`);
  } finally {
    await cleanUp();
  }
}

main().catch((err) => {
  console.error(`bench:queue: ${err.stack ?? err.message}`);
  process.exit(1);
});

#!/usr/bin/env node
// Lab tool: fill the lab Postfix queue with deferred mail, inject hostile queue entries, empty the queue.
// Module (import { fillQueue, ... }) and CLI (`node scripts/lab/fill-queue.mjs --help`). Runs on the lab
// machine as root (postsuper needs it); every queue entry is made by the real Postfix, never by writing files.
import { holdQueueLock } from './queue-lock.mjs';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { startHostileSmtp } from './hostile-smtp.mjs';

const SMTP_HOST = '127.0.0.1';

// ------------------------------------------------------------------------------------------------ mail generation

/** Small seeded PRNG: the same seed and index always give the same message, so runs are comparable. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SENDER_DOMAINS = [
  'shop.example', 'news.example', 'billing.example', 'alerts.example', 'crm.example', 'hr.example',
  'tickets.example', 'forum.example', 'promo.example', 'support.example', 'portal.test', 'backup.test',
  'monitor.test', 'builds.test', 'calendar.test', 'survey.test', 'payroll.test', 'intranet.test',
  'lists.test', 'noreply.test',
];

// Recipient domains of a real outbound queue: a handful of big providers hold most of the mail.
const RECIPIENT_DOMAINS = [
  'bigmail.example', 'webpost.example', 'inbox.example', 'corp-mail.example', 'isp-one.example',
  ...Array.from({ length: 45 }, (_, i) => `tenant-${String(i + 1).padStart(2, '0')}.test`),
];

const LOCAL_PARTS = [
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj',
  'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'info', 'sales', 'admin', 'contact',
];

/** Zipf-like weights (rank^-1.1) as a cumulative table for sampling. */
function cumulativeZipf(n, exponent) {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** exponent);
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  return weights.map((w) => (acc += w / total));
}
const RECIPIENT_CDF = cumulativeZipf(RECIPIENT_DOMAINS.length, 1.1);

function pickWeighted(cdf, items, r) {
  const i = cdf.findIndex((c) => r < c);
  return items[i === -1 ? items.length - 1 : i];
}
const pick = (items, r) => items[Math.floor(r * items.length)];

// One 20 KB block of CRLF text; bodies are prefixes of it, so generating 100k messages costs no string building.
const FILLER = (() => {
  const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n';
  return line.repeat(Math.ceil(20_000 / line.length) + 1);
})();

const MIN_BODY = 300;
const MAX_BODY = 20_000;

/** Message number `index`: envelope plus a CRLF message whose size is skewed towards small. */
export function makeMessage(index, seed = 1) {
  const rnd = mulberry32(seed * 0x9e3779b1 + index);
  const sender = `${pick(LOCAL_PARTS, rnd())}${Math.floor(rnd() * 100)}@${pick(SENDER_DOMAINS, rnd())}`;
  const recipientCount = 1 + Math.floor(rnd() * 3);
  const recipients = Array.from(
    { length: recipientCount },
    (_, k) => `${pick(LOCAL_PARTS, rnd())}.${index}.${k}@${pickWeighted(RECIPIENT_CDF, RECIPIENT_DOMAINS, rnd())}`,
  );
  const bodySize = Math.round(MIN_BODY * (MAX_BODY / MIN_BODY) ** (rnd() ** 2));
  const headers =
    `From: <${sender}>\r\nTo: ${recipients.map((r) => `<${r}>`).join(', ')}\r\n` +
    `Subject: lab queue message ${index}\r\nMessage-ID: <fill.${seed}.${index}@copper.lab>\r\n\r\n`;
  const bodyEnd = FILLER.lastIndexOf('\r\n', Math.max(bodySize - headers.length, 2)) + 2;
  return { sender, recipients, data: headers + FILLER.slice(0, bodyEnd) };
}

// ------------------------------------------------------------------------------------------------ SMTP client

/**
 * One SMTP connection that reads replies as they come and hands each final reply line to the oldest waiter.
 * Postfix answers pipelined commands strictly in order, so a FIFO of waiters is all the bookkeeping needed.
 */
class SmtpConnection {
  #socket;
  #buffer = '';
  #waiters = [];
  #error = null;

  static async open(port, host = SMTP_HOST) {
    const conn = new SmtpConnection();
    const greeting = conn.#next();
    conn.#socket = net.connect({ host, port });
    conn.#socket.setNoDelay(true);
    conn.#socket.setEncoding('latin1');
    conn.#socket.on('data', (chunk) => conn.#onData(chunk));
    conn.#socket.on('error', (err) => conn.#fail(err));
    conn.#socket.on('close', () => conn.#fail(new Error(`SMTP connection to ${host}:${port} closed`)));
    expectCode(await greeting, 2, 'greeting');
    return conn;
  }

  /** Sends one command and returns the promise of its reply, without waiting for it. */
  command(line) {
    return this.pipeline([line])[0];
  }

  /**
   * Sends commands (plus raw `data` after the last) in one write and returns one reply promise per command.
   * One write per transaction instead of one per command cuts syscalls and packets on both ends.
   * Text is latin1: one char is one byte, so callers can send any byte.
   */
  pipeline(lines, data = '') {
    const replies = lines.map(() => this.#next());
    this.#socket.write(`${lines.join('\r\n')}\r\n${data}`, 'latin1');
    return replies;
  }

  close() {
    this.#socket.destroy();
  }

  #next() {
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject, lines: [] }));
  }

  #onData(chunk) {
    this.#buffer += chunk;
    let eol;
    while ((eol = this.#buffer.indexOf('\r\n')) !== -1) {
      const line = this.#buffer.slice(0, eol);
      this.#buffer = this.#buffer.slice(eol + 2);
      const waiter = this.#waiters[0];
      if (!waiter) continue; // e.g. a 421 on shutdown; the close handler reports it
      waiter.lines.push(line.slice(4));
      if (line[3] !== '-') {
        this.#waiters.shift();
        waiter.resolve({ code: Number(line.slice(0, 3)), text: waiter.lines.join('\n'), lines: waiter.lines });
      }
    }
  }

  #fail(err) {
    this.#error ??= err;
    for (const w of this.#waiters.splice(0)) w.reject(this.#error);
  }
}

function expectCode(reply, klass, what) {
  if (Math.floor(reply.code / 100) !== klass) throw new Error(`SMTP ${what} refused: ${reply.code} ${reply.text}`);
  return reply;
}

/** EHLO, and insist on the two extensions the fast path relies on. */
async function hello(conn, name = 'fill-queue.copper.lab') {
  const reply = expectCode(await conn.command(`EHLO ${name}`), 2, 'EHLO');
  const ext = reply.lines.map((l) => l.toUpperCase());
  for (const needed of ['PIPELINING', 'CHUNKING']) {
    if (!ext.includes(needed)) throw new Error(`the SMTP server does not offer ${needed}`);
  }
}

/**
 * Sends one whole transaction without waiting: MAIL, RCPTs and `BDAT n LAST` with the data. BDAT (CHUNKING) needs
 * neither a 354 round trip nor dot-stuffing, so a connection can keep many messages in flight.
 * Resolves to every reply and the queue ID (null when nothing was queued).
 */
async function transaction(conn, { sender, recipients, data }) {
  const commands = [`MAIL FROM:<${sender}>`, ...recipients.map((r) => `RCPT TO:<${r}>`), `BDAT ${data.length} LAST`];
  const replies = await Promise.all(conn.pipeline(commands, data));
  const final = replies.at(-1);
  const queueId = final.code === 250 ? (/queued as ([0-9A-Za-z]+)/.exec(final.text)?.[1] ?? null) : null;
  return { mail: replies[0], rcpts: replies.slice(1, -1), data: final, queueId };
}

/** A transaction where every command must succeed; resolves to the queue ID. */
async function sendPipelined(conn, message) {
  const { mail, rcpts, data, queueId } = await transaction(conn, message);
  expectCode(mail, 2, `MAIL FROM ${message.sender}`);
  rcpts.forEach((r, i) => expectCode(r, 2, `RCPT TO ${message.recipients[i]}`));
  expectCode(data, 2, 'BDAT');
  return queueId;
}

/** Keeps up to `window` transactions in flight on one connection until `take()` runs out of messages. */
async function pumpConnection(port, take, window, onQueued) {
  const conn = await SmtpConnection.open(port);
  try {
    await hello(conn);
    const inFlight = new Set();
    let message;
    while ((message = take())) {
      const p = sendPipelined(conn, message).then(onQueued);
      inFlight.add(p);
      p.finally(() => inFlight.delete(p)).catch(() => {});
      if (inFlight.size >= window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await conn.command('QUIT');
  } finally {
    conn.close();
  }
}

/**
 * Submits `count` generated messages to the lab's smtpd over `connections` parallel, pipelined SMTP sessions.
 * Every recipient domain is non-local, so Postfix defers them all (relayhost [127.0.0.1]:9 refuses).
 * Resolves when smtpd has accepted them all (they are then queued, not yet deferred: see waitForDeferred).
 */
export async function fillQueue({
  count,
  connections = 8,
  port = 2525,
  window = 64,
  seed = 1,
  onProgress,
  progressEvery = 1000,
} = {}) {
  if (!Number.isInteger(count) || count < 0) throw new Error(`fillQueue: count must be a non-negative integer, got ${count}`);
  const started = performance.now();
  let next = 0;
  let queued = 0;
  const take = () => (next < count ? makeMessage(next++, seed) : null);
  const onQueued = () => {
    queued += 1;
    if (onProgress && (queued % progressEvery === 0 || queued === count)) {
      onProgress({ queued, count, elapsedMs: performance.now() - started });
    }
  };
  const sessions = Math.max(1, Math.min(connections, count));
  await Promise.all(Array.from({ length: sessions }, () => pumpConnection(port, take, window, onQueued)));
  return { queued, elapsedMs: performance.now() - started };
}

// ------------------------------------------------------------------------------------------------ queue inspection

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}

/**
 * Streams `postqueue -j` and calls `onLine(line)` for each message. The output is ~300 bytes per message
 * (30 MB at 100k), so it is never held whole.
 */
function eachQueueLine(onLine) {
  return new Promise((resolve, reject) => {
    const child = spawn('postqueue', ['-j'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', onLine);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`postqueue -j exited ${code}: ${stderr.trim()}`))));
  });
}

// Every line starts with the queue name: JSON string escaping guarantees no address can fake this prefix.
const QUEUE_NAME_PREFIX = '{"queue_name": "';

/** Messages per queue, e.g. { total: 3, deferred: 2, active: 1 }. */
export async function queueCount() {
  const counts = { total: 0 };
  await eachQueueLine((line) => {
    if (!line.startsWith(QUEUE_NAME_PREFIX)) return;
    const name = line.slice(QUEUE_NAME_PREFIX.length, line.indexOf('"', QUEUE_NAME_PREFIX.length));
    counts[name] = (counts[name] ?? 0) + 1;
    counts.total += 1;
  });
  return counts;
}

/** The `postqueue -j` records of the given queue IDs (parsed), in queue order. */
export async function queueEntries(ids) {
  const wanted = new Set(ids);
  const entries = [];
  await eachQueueLine((line) => {
    const id = /"queue_id": "([0-9A-Za-z]+)"/.exec(line)?.[1];
    if (id && wanted.has(id)) entries.push(JSON.parse(line));
  });
  return entries;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until at least `expected` messages sit in the deferred queue. The active queue holds at most
 * qmgr_message_active_limit (20,000) messages, so large fills reach deferred in waves.
 */
export async function waitForDeferred(expected, { timeoutMs = 600_000, intervalMs = 1000, onProgress } = {}) {
  const started = performance.now();
  for (;;) {
    const counts = await queueCount();
    const elapsedMs = performance.now() - started;
    onProgress?.({ ...counts, expected, elapsedMs });
    if ((counts.deferred ?? 0) >= expected) return { ...counts, elapsedMs };
    if (elapsedMs > timeoutMs) {
      throw new Error(`waitForDeferred: ${counts.deferred ?? 0}/${expected} deferred after ${Math.round(elapsedMs / 1000)} s (${JSON.stringify(counts)})`);
    }
    await sleep(intervalMs);
  }
}

/** Deletes every message in every queue (maildrop included), then checks the queue is empty. */
export async function clearQueue({ attempts = 5 } = {}) {
  let lastError;
  for (let i = 0; i < attempts; i++) {
    try {
      await run('postsuper', ['-d', 'ALL']);
      await run('postsuper', ['-d', 'ALL', 'maildrop']);
      const counts = await queueCount();
      if (counts.total === 0) return;
      lastError = new Error(`the queue is not empty: ${JSON.stringify(counts)}`);
    } catch (err) {
      // While Postfix restarts (up.sh), postlogd is down and postsuper dies trying to open maillog_file itself.
      lastError = err;
    }
    await sleep(1000); // mail still being written by cleanup, or a restart, settles within a second or two
  }
  throw new Error(`clearQueue: failed after ${attempts} attempts: ${lastError.message}`);
}

// ------------------------------------------------------------------------------------------------ hostile entries

/** Domain the lab's transport_maps (set by scripts/lab/up.sh) routes to the hostile responder on HOSTILE_PORT. */
export const HOSTILE_DOMAIN = 'hostile.example';
export const HOSTILE_PORT = 2526;

const ESC = '\x1b';
/** UTF-8 text as latin1 chars, i.e. the bytes the SMTP client will send. */
const utf8 = (text) => Buffer.from(text, 'utf8').toString('latin1');

// Hostile envelope addresses. Quoted local parts may carry almost anything (RFC 5321), so a hostile client can
// put markup, escapes and raw bytes in them; each case goes in its own message so a refusal hides nothing else.
export const HOSTILE_CASES = [
  { label: 'html-script', sender: '"<script>alert(1)</script>"@evil.example', recipient: `"<script>alert('rcpt')</script>"@bigmail.example` },
  { label: 'html-img', sender: '"<img src=x onerror=alert(1)>"@evil.example', recipient: '"<img src=x onerror=alert(2)>"@bigmail.example' },
  { label: 'ansi', sender: `"${ESC}[31mred${ESC}[0m"@evil.example`, recipient: `"${ESC}[2J${ESC}[Hcleared"@bigmail.example` },
  { label: 'control', sender: '"bell\x07bs\x08del\x7f"@evil.example', recipient: '"tab\there"@bigmail.example' },
  { label: 'quotes', sender: '"dq\\"sq\'bt`"@evil.example', recipient: '"it\'s \\"quoted\\""@bigmail.example' },
  { label: 'invalid-utf8', sender: '"\xff\xfe"@evil.example', recipient: '"\xc3\x28bad"@bigmail.example' },
  { label: 'bidi-utf8', sender: utf8('"\u202egnp.exe"@evil.example'), recipient: utf8('"\u202eevil\u202c"@bigmail.example') },
];

/**
 * Creates real queue entries with hostile text: each HOSTILE_CASES sender, to its hostile recipient and to
 * victim@HOSTILE_DOMAIN, whose deferral reason comes from the hostile responder (RCPT answered with HTML/JS, ANSI,
 * quotes and invalid UTF-8). Needs transport_maps to route HOSTILE_DOMAIN to [127.0.0.1]:2526.
 * Returns the queue IDs, their `postqueue -j` records, and every case with the replies smtpd gave.
 */
export async function injectHostile({ port = 2525, timeoutMs = 30_000 } = {}) {
  await requireHostileRoute();
  const responder = await startHostileSmtp({ port: HOSTILE_PORT });
  try {
    const cases = [];
    for (const c of HOSTILE_CASES) cases.push({ ...c, ...(await submitCase(port, c)) });
    const ids = cases.map((c) => c.queueId).filter(Boolean);
    const entries = await waitForReasons(ids, timeoutMs);
    return { ids, entries, cases };
  } finally {
    await responder.close();
  }
}

async function requireHostileRoute() {
  const maps = (await run('postconf', ['-h', 'transport_maps'])).trim();
  const route = maps ? (await run('postmap', ['-q', HOSTILE_DOMAIN, maps]).catch(() => '')).trim() : '';
  if (route !== `smtp:[127.0.0.1]:${HOSTILE_PORT}`) {
    throw new Error(`injectHostile: Postfix does not route ${HOSTILE_DOMAIN} to the hostile responder (transport_maps = "${maps}"). Run scripts/lab/up.sh.`);
  }
}

/** One case in its own session; smtpd's replies are kept as sent, so tests can see what it refused and why. */
async function submitCase(port, { sender, recipient }) {
  const conn = await SmtpConnection.open(port);
  try {
    await hello(conn);
    const { mail, rcpts, data, queueId } = await transaction(conn, {
      sender,
      recipients: [`victim@${HOSTILE_DOMAIN}`, recipient],
      data: 'From: <attacker@evil.example>\r\nSubject: hostile entry\r\n\r\nhostile queue entry\r\n',
    });
    const said = (r) => `${r.code} ${r.text}`;
    return { queueId, replies: { mail: said(mail), rcpt: rcpts.map(said), data: said(data) } };
  } finally {
    conn.close();
  }
}

/**
 * Waits until each message's HOSTILE_DOMAIN recipient carries the responder's reply. New mail is tried at once, so
 * no flush is needed; but if the route was dead before (responder down), qmgr suspends it for minimal_backoff_time.
 */
async function waitForReasons(ids, timeoutMs) {
  const started = performance.now();
  const hostileReasons = (e) => e.recipients.filter((r) => r.address.endsWith(`@${HOSTILE_DOMAIN}`)).map((r) => r.delay_reason ?? '');
  for (;;) {
    const entries = await queueEntries(ids);
    const reasons = entries.flatMap(hostileReasons);
    if (reasons.some((r) => r.includes('temporarily suspended'))) {
      throw new Error(`injectHostile: qmgr suspended delivery to ${HOSTILE_DOMAIN} after an earlier failure; run \`postfix reload\` and retry (${reasons[0]})`);
    }
    if (entries.length === ids.length && reasons.length === ids.length && reasons.every((r) => r.includes('alert'))) return entries;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`injectHostile: no hostile deferral reason after ${timeoutMs} ms: ${JSON.stringify(entries)}`);
    }
    await sleep(250);
  }
}

// ------------------------------------------------------------------------------------------------ CLI

const USAGE = `Usage: node scripts/lab/fill-queue.mjs [options]   (as root, lab up)
  --count N          submit N deferred-bound messages, then wait until N are deferred
  --clear            empty the queue first (postsuper -d ALL)
  --connections N    parallel SMTP connections (default 8)
  --port N           smtpd port (default 2525)
  --no-wait          return once smtpd accepted them, without waiting for deferred
  --timeout S        give up waiting for deferred after S seconds (default 900)
  --hostile          inject hostile entries and print their postqueue -j records
  --status           print message counts per queue
With only --clear, just empties the queue.`;

async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string' },
      clear: { type: 'boolean' },
      connections: { type: 'string', default: '8' },
      port: { type: 'string', default: '2525' },
      'no-wait': { type: 'boolean' },
      timeout: { type: 'string', default: '900' },
      hostile: { type: 'boolean' },
      status: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || (!values.count && !values.clear && !values.hostile && !values.status)) {
    console.log(USAGE);
    return;
  }
  const log = (msg) => process.stderr.write(`${msg}\n`);
  const port = Number(values.port);
  if (values.clear || values.count || values.hostile) await holdQueueLock('scripts/lab/fill-queue.mjs', { log });
  if (values.clear) {
    const t = performance.now();
    await clearQueue();
    log(`queue emptied in ${seconds(t)} s`);
  }
  if (values.count) {
    const count = Number(values.count);
    const t = performance.now();
    await fillQueue({
      count,
      port,
      connections: Number(values.connections),
      onProgress: ({ queued }) => log(`  submitted ${queued}/${count} (${seconds(t)} s)`),
    });
    log(`submitted ${count} messages in ${seconds(t)} s`);
    if (!values['no-wait']) {
      await waitForDeferred(count, {
        timeoutMs: Number(values.timeout) * 1000,
        intervalMs: 2000,
        onProgress: (c) => log(`  deferred ${c.deferred ?? 0}/${count}, active ${c.active ?? 0}, incoming ${c.incoming ?? 0} (${seconds(t)} s)`),
      });
      log(`${count} messages deferred ${seconds(t)} s after the first submission`);
    }
  }
  if (values.hostile) {
    const result = await injectHostile({ port });
    console.log(JSON.stringify(result, null, 2));
  }
  if (values.status) console.log(JSON.stringify(await queueCount()));
}

const seconds = (since) => ((performance.now() - since) / 1000).toFixed(1);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`fill-queue: ${err.message}`);
    process.exit(1);
  });
}

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type DkimDomainStatus } from '../../shared/contract';
import type { CopperClient, OutputOf } from '../../shared/client/client';
import type { Clock } from '../../electron/core/app/clock';
import { createCore, type Core } from '../../electron/core/app/core';
import { connectInProcess } from '../../electron/core/app/in-process-client';
import { PassphraseVault } from '../../electron/core/secrets/passphrase-vault';
import { DkimService, type DkimCheckpoint } from '../../electron/core/dkim/dkim.service';
import { dkimArchiveRef, dkimRecordText, dkimSecretRef, readStoredKey } from '../../electron/core/dkim/dkim-keys';
import { confirmAndRun } from '../support/temp-core';
import { lab, readKey, type Lab } from '../support/lab';
import { labDns, publishTxt, removeRecords, uniqueDomain } from '../support/dns';
import { SmtpSink, submitSmtp } from '../support/smtp-sink';
import { verifyDkim } from '../support/dkim-verify';
import { runCopper } from '../support/run-copper';
import { holdQueueLock } from '../../scripts/lab/queue-lock.mjs';
import { rejection } from '../support/rejection';

const PASSPHRASE = 'test-passphrase-1';
const DAY = 86_400_000;

interface LabDkim {
  keyDir: string;
  pidFile: string;
  user: string;
  group: string;
  signingSmtpPort: number;
  sinkDomain: string;
  sinkPort: number;
}
type DkimLab = Lab & { rspamd: { localConfDir: string; normalPort: number; dkim?: LabDkim } };

function dkimLab(): DkimLab & { rspamd: { dkim: LabDkim } } {
  const l = lab() as DkimLab;
  if (!l.rspamd.dkim) throw new Error('lab.json has no rspamd.dkim section: the lab predates the DKIM additions. Run `bash scripts/lab/up.sh` again.');
  return l as DkimLab & { rspamd: { dkim: LabDkim } };
}

/** Time the tests can move forward, to let a grace period pass. */
class TestClock implements Clock {
  private offset = 0;
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  advanceDays(days: number): void {
    this.offset += days * DAY;
  }
}

interface Console {
  core: Core;
  vault: PassphraseVault;
  client: CopperClient;
  close(): void;
}

/** A console on a data folder; opening another on the same folder is what starting the app again does. */
function openConsole(dir: string, clock: Clock): Console {
  const vault = new PassphraseVault({ file: join(dir, 'vault.bin'), passphrase: async () => PASSPHRASE, log2N: 12 });
  const core = createCore({ dataDir: dir, secrets: vault, shell: 'cli', version: 'test', clock });
  const { client, close } = connectInProcess(core, 'tester@test');
  return {
    core,
    vault,
    client,
    close() {
      close();
      core.close();
    },
  };
}

type Rotation = OutputOf<'dkim.rotate'>;
const rotate = (c: Console, domain: string, algorithm?: 'rsa2048' | 'ed25519') =>
  confirmAndRun<Rotation>(c.client, 'dkim.rotate', { domain, ...(algorithm ? { algorithm } : {}) });

async function status(c: Console, domain: string, checkDns = true): Promise<DkimDomainStatus> {
  const result = await c.client.task('dkim.status', { domain, checkDns });
  const first = result.domains[0];
  assert.ok(first);
  return first;
}

/** What the lab Rspamd signs a local sender's message with now, asked directly with rspamc (the test's own oracle). */
function rspamdSigns(domain: string): string[] {
  const l = dkimLab();
  const message = `From: oracle@${domain}\r\nTo: x@${domain}\r\nSubject: oracle\r\n\r\nbody\r\n`;
  const run = spawnSync('rspamc', ['-h', `127.0.0.1:${l.rspamd.normalPort}`, '-i', '127.0.0.1', '--mime'], { input: message, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  const head = run.stdout.split(/\r?\n\r?\n/)[0]?.replace(/\r?\n[ \t]+/g, ' ') ?? '';
  return head
    .split(/\r?\n/)
    .filter((line) => /^dkim-signature:/i.test(line) && new RegExp(`d=${domain.replace(/\./g, '\\.')};`).test(line.replace(/\s/g, '')))
    .map((line) => /\bs=([^;\s]+)/.exec(line)?.[1] ?? '')
    .sort();
}

/** Waits for Rspamd's workers after a reload the console did not wait for (a console stopped right after it). */
async function eventuallySigns(domain: string, selectors: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = rspamdSigns(domain);
    if (seen.join(',') === [...selectors].sort().join(',')) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.deepEqual(seen, [...selectors].sort(), `Rspamd signs ${domain} with ${seen.join(', ') || 'nothing'}`);
}

/** The DNS team publishes every record the console asks for that the server does not serve yet. */
async function publishAsked(c: Console, domain: string): Promise<void> {
  const { records } = await c.client.query('dkim.record', { domain });
  for (const record of records.filter((r) => r.state === 'prepared')) await publishTxt(record.name, record.text);
}

/** The lab host, as an operator would add it: the sudo login, and where the lab's Rspamd reads keys. */
async function addLabHost(c: Console, site: string): Promise<void> {
  const l = dkimLab();
  await confirmAndRun(c.client, 'inventory.hosts.create', {
    name: 'mx',
    site,
    ssh: { user: l.users.sudo.name, address: '127.0.0.1', port: l.ssh.port },
    auth: 'key',
    privateKey: readKey(l.users.sudo.privateKey),
    privilege: 'sudo',
    pinnedFingerprint: l.ssh.hostKeyFingerprint,
  });
  await confirmAndRun(c.client, 'dkim.setRspamd', {
    host: 'mx',
    settings: {
      localConfDir: l.rspamd.localConfDir,
      keyDir: l.rspamd.dkim.keyDir,
      user: l.rspamd.dkim.user,
      group: l.rspamd.dkim.group,
      reload: { via: 'pidfile', pidFile: l.rspamd.dkim.pidFile },
      scanner: `127.0.0.1:${l.rspamd.normalPort}`,
    },
  });
}

/** Removes what the tests left on the lab: records, key files, per-domain signing files; then reloads Rspamd. */
async function cleanUpLab(domains: string[], names: Set<string>): Promise<void> {
  const l = dkimLab();
  for (const name of names) await removeRecords(name, 'TXT').catch(() => undefined);
  for (const domain of domains) {
    rmSync(join(l.rspamd.localConfDir, 'local.d', 'copper-dkim', `${domain}.conf`), { force: true });
    if (existsSync(l.rspamd.dkim.keyDir)) {
      for (const file of readdirSync(l.rspamd.dkim.keyDir)) if (file.endsWith(`.${domain}.key`)) rmSync(join(l.rspamd.dkim.keyDir, file), { force: true });
    }
  }
  spawnSync('/usr/bin/pkill', ['--signal', 'HUP', '-F', l.rspamd.dkim.pidFile, '-x', 'rspamd']);
  // Only this test's messages, by ID, and only if one failed to reach the sink: the shared queue is never cleared.
  const queued = spawnSync('/usr/sbin/postqueue', ['-j'], { encoding: 'utf8' }).stdout ?? '';
  const ids = queued
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { queue_id: string; recipients: Array<{ address: string }> })
    .filter((m) => m.recipients.some((r) => r.address.endsWith(`@${l.rspamd.dkim.sinkDomain}`)))
    .map((m) => m.queue_id);
  if (ids.length) spawnSync('/usr/sbin/postsuper', ['-d', '-'], { input: `${ids.join('\n')}\n` });
}

describe('DKIM rotation against the lab Rspamd, Postfix and DNS', () => {
  const clock = new TestClock();
  const dirs: string[] = [];
  const domains: string[] = [];
  const recordNames = new Set<string>();
  let sink: SmtpSink;
  let c: Console;

  const newConsole = () => {
    const dir = mkdtempSync(join(tmpdir(), 'copper-dkim-'));
    dirs.push(dir);
    return { dir, console: openConsole(dir, clock) };
  };

  async function labDomain(con: Console, prefix: string): Promise<string> {
    const domain = uniqueDomain(prefix);
    domains.push(domain);
    await confirmAndRun(con.client, 'inventory.domains.create', { name: domain, site: 'lab' });
    return domain;
  }

  /** Prepare → the DNS team publishes → verify → activate: the domain's first key signs. */
  async function firstKey(con: Console, domain: string, algorithm?: 'rsa2048' | 'ed25519'): Promise<string> {
    const prepared = await rotate(con, domain, algorithm);
    assert.ok(prepared.selector && prepared.record);
    recordNames.add(prepared.record.name);
    await publishAsked(con, domain);
    assert.equal((await rotate(con, domain)).step, 'verify');
    assert.equal((await rotate(con, domain)).step, 'activate');
    return prepared.selector;
  }

  /** A message from the domain through the lab Postfix's signing listener (Rspamd milter), as the sink received it. */
  async function sendThroughPostfix(domain: string): Promise<Buffer> {
    const l = dkimLab();
    const marker = `dkim-test-${randomBytes(6).toString('hex')}`;
    const message = [
      `From: Sender <sender@${domain}>`,
      `To: <rcpt@${l.rspamd.dkim.sinkDomain}>`,
      `Subject: ${marker}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${marker}@${domain}>`,
      '',
      `This is ${marker}.`,
      'A second line, so that tampering has something to change.',
      '',
    ].join('\r\n');
    // The queue is shared: while this message passes through it, the queue tests must not be counting messages.
    const release = await holdQueueLock('test/integration/dkim.test.ts (one signed message)');
    try {
      submitSmtp(l.rspamd.dkim.signingSmtpPort, `sender@${domain}`, `rcpt@${l.rspamd.dkim.sinkDomain}`, message);
      return await sink.waitFor(marker);
    } finally {
      release();
    }
  }

  before(async () => {
    const l = dkimLab();
    sink = await SmtpSink.start(l.rspamd.dkim.sinkPort);
    c = newConsole().console;
    await confirmAndRun(c.client, 'inventory.sites.create', { name: 'lab', resolver: labDns().resolver });
    await addLabHost(c, 'lab');
  });

  after(async () => {
    c?.close();
    await sink?.close();
    await cleanUpLab(domains, recordNames);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('a full rotation: every message verifies independently before and after, a tampered copy fails, the old key is archived', async () => {
    const l = dkimLab();
    const dns = labDns();
    const domain = await labDomain(c, 'dkim');

    // Before any key: nothing signs, and the first step prepares one.
    assert.equal((await status(c, domain)).nextStep, 'prepare');
    const first = await firstKey(c, domain);
    assert.match(first, /^cu-\d{4}-\d{2}$/);
    const keyFile = join(l.rspamd.dkim.keyDir, `${first}.${domain}.key`);
    const mode = statSync(keyFile);
    assert.equal(mode.mode & 0o777, 0o600, 'the key file is readable by its owner only');
    assert.equal(spawnSync('stat', ['-c', '%U', keyFile], { encoding: 'utf8' }).stdout.trim(), l.rspamd.dkim.user);

    // The old selector (before the rotation): signed by Rspamd through Postfix, verified by dkimpy against the lab DNS.
    const before = await sendThroughPostfix(domain);
    const beforeVerdicts = verifyDkim(before, dns);
    assert.deepEqual(beforeVerdicts.map((v) => [v.selector, v.ok]), [[first, true]]);
    const tampered = Buffer.from(before.toString('latin1').replace('A second line', 'A forged line'), 'latin1');
    assert.deepEqual(verifyDkim(tampered, dns).map((v) => v.ok), [false], 'a tampered copy fails');

    // The rotation: a new Ed25519 key, prepared while the old one signs.
    const prepared = await rotate(c, domain, 'ed25519');
    assert.equal(prepared.step, 'prepare');
    assert.ok(prepared.selector && prepared.record);
    const second = prepared.selector;
    assert.notEqual(second, first, 'selectors are unique per domain');
    recordNames.add(prepared.record.name);
    assert.match(prepared.record.text, /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
    assert.match(prepared.nextAction, /publish the TXT record/);

    // Not published yet: stays prepared and says so.
    const early = await rotate(c, domain);
    assert.equal(early.advanced, false);
    assert.equal((await status(c, domain)).keys.find((k) => k.selector === second)?.state, 'prepared');

    await publishAsked(c, domain);
    const verified = await rotate(c, domain);
    assert.equal(verified.advanced, true);
    assert.equal(verified.step, 'verify');

    const activated = await rotate(c, domain);
    assert.equal(activated.step, 'activate');
    assert.match(activated.message, new RegExp(`${first} is retiring`));

    const afterMessage = await sendThroughPostfix(domain);
    const afterVerdicts = verifyDkim(afterMessage, dns);
    assert.deepEqual(afterVerdicts.map((v) => [v.selector, v.algorithm, v.ok]), [[second, 'ed25519-sha256', true]]);
    const tamperedAfter = Buffer.from(afterMessage.toString('latin1').replace('A second line', 'A forged line'), 'latin1');
    assert.deepEqual(verifyDkim(tamperedAfter, dns).map((v) => v.ok), [false]);

    // The grace period: nothing to do, the old record must stay.
    const waiting = await c.client.plan('dkim.rotate', { domain });
    assert.equal(waiting.plan.step, 'wait');
    assert.equal(waiting.plan.changes.length, 0);
    const mid = await status(c, domain);
    assert.equal(mid.activeSelector, second);
    assert.deepEqual(mid.records.map((r) => [r.selector, r.status]), [[first, 'ok'], [second, 'ok']]);
    assert.equal(mid.nextRotationDue?.slice(0, 10), new Date(Date.parse(mid.keys[1]?.activatedAt ?? '') + 180 * DAY).toISOString().slice(0, 10));

    clock.advanceDays(8);
    const retired = await rotate(c, domain);
    assert.equal(retired.step, 'retire');
    assert.match(retired.nextAction, new RegExp(`delete the TXT record ${first}\\._domainkey\\.${domain.replace(/\./g, '\\.')}`));
    assert.equal(existsSync(keyFile), false, 'the old key file is gone from the server');
    const domainId = c.core.inventory.domainRow(domain)?.id ?? -1;
    const archived = readStoredKey(await c.vault.get(dkimArchiveRef(domainId, first)), 'archive');
    assert.equal(dkimRecordText(archived), mid.keys[0]?.recordText, 'the archived key is the retired one');
    assert.equal(await c.vault.get(dkimSecretRef(domainId, first)), undefined);
    assert.deepEqual(rspamdSigns(domain), [second]);

    const final = await status(c, domain);
    assert.deepEqual(final.keys.map((k) => [k.selector, k.state]), [[first, 'retired'], [second, 'active']]);
    assert.equal(final.nextStep, 'prepare');

    // The DNS check expects the live selector's record and no longer the retired one.
    const zone = await c.client.query('dns.zone', { domain });
    assert.ok(zone.records.some((r) => r.kind === 'dkim' && r.name === `${second}._domainkey.${domain}`));
    assert.ok(!zone.records.some((r) => r.kind === 'dkim' && r.name === `${first}._domainkey.${domain}`));
  });

  test('with overlap on, both selectors sign during the grace period and each signature verifies; retiring leaves one', async () => {
    const dns = labDns();
    const domain = await labDomain(c, 'dkimoverlap');
    const current = await c.client.query('dkim.policy', { domain });
    await confirmAndRun(c.client, 'dkim.setPolicy', { domain, policy: { ...current.policy, overlap: true, graceDays: 3 } });
    const first = await firstKey(c, domain, 'ed25519');
    const prepared = await rotate(c, domain, 'rsa2048');
    assert.ok(prepared.record && prepared.selector);
    recordNames.add(prepared.record.name);
    await publishAsked(c, domain);
    await rotate(c, domain);
    const plan = await c.client.plan('dkim.rotate', { domain });
    assert.ok(plan.plan.changes.some((change) => change.detail === `sign with ${prepared.selector} and ${first}`), JSON.stringify(plan.plan.changes));
    await rotate(c, domain);

    const both = await sendThroughPostfix(domain);
    const verdicts = verifyDkim(both, dns).map((v) => [v.selector, v.ok]).sort();
    assert.deepEqual(verdicts, [[first, true], [prepared.selector, true]].sort());

    clock.advanceDays(4);
    assert.equal((await rotate(c, domain)).step, 'retire');
    const after = await sendThroughPostfix(domain);
    assert.deepEqual(verifyDkim(after, dns).map((v) => [v.selector, v.ok]), [[prepared.selector, true]]);
  });

  test('a record published with a typo keeps the key prepared and shows found against expected', async () => {
    const domain = await labDomain(c, 'dkimtypo');
    const prepared = await rotate(c, domain);
    assert.ok(prepared.record);
    recordNames.add(prepared.record.name);
    // One character of the key changed, as a hurried copy-and-paste does.
    const text = prepared.record.text;
    const at = text.length - 10;
    const typo = `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
    await publishTxt(prepared.record.name, typo);

    const result = await rotate(c, domain);
    assert.equal(result.advanced, false);
    assert.equal(result.step, 'verify');
    assert.deepEqual(result.found, [typo]);
    assert.match(result.message, new RegExp(`differ from character ${at + 1}`));
    const s = await status(c, domain);
    assert.equal(s.keys[0]?.state, 'prepared');
    assert.equal(s.records[0]?.status, 'mismatch');
    assert.equal(s.activeSelector, null);
    assert.deepEqual(rspamdSigns(domain), [], 'nothing signs with an unverified selector');

    const cli = await runCopper(['--data-dir', dirs[0] ?? '', 'dkim', 'rotate', domain, '--yes'], { env: { COPPER_PASSPHRASE: PASSPHRASE } });
    assert.equal(cli.code, 3, cli.stderr + cli.stdout);
    assert.match(cli.stdout, /found: /);
  });

  test('a record deleted after it was verified is checked again at activation: nothing signs with it', async () => {
    const domain = await labDomain(c, 'dkimgone');
    const prepared = await rotate(c, domain);
    assert.ok(prepared.record);
    recordNames.add(prepared.record.name);
    await publishAsked(c, domain);
    assert.equal((await rotate(c, domain)).advanced, true);
    await removeRecords(prepared.record.name, 'TXT');

    const error = await rejection(rotate(c, domain));
    assert.equal(error.code, 'DKIM_RECORD_NOT_VERIFIED');
    assert.match(error.message, /no longer served exactly \(missing\)/);
    const s = await status(c, domain);
    assert.equal(s.keys[0]?.state, 'prepared', 'back to prepared: it must be verified again');
    assert.equal(s.interrupted, null);
    assert.deepEqual(rspamdSigns(domain), []);
  });

  test('an unreachable resolver is named plainly and changes nothing', async () => {
    await confirmAndRun(c.client, 'inventory.sites.create', { name: 'dark', resolver: '127.0.0.1:9' });
    const domain = uniqueDomain('dkimdark');
    await confirmAndRun(c.client, 'inventory.domains.create', { name: domain, site: 'dark' });
    await rotate(c, domain);
    const error = await rejection(rotate(c, domain));
    assert.ok(['DNS_UNREACHABLE', 'DNS_TIMEOUT'].includes(error.code), error.code);
    assert.match(error.message, /127\.0\.0\.1:9/);
    const s = await status(c, domain);
    assert.equal(s.keys[0]?.state, 'prepared');
    assert.equal(s.recordsError?.code, error.code);
  });

  test('Rspamd failing to reload: the activation fails, the state is unchanged and the old selector still signs', async () => {
    const l = dkimLab();
    const domain = await labDomain(c, 'dkimbroken');
    const first = await firstKey(c, domain);
    const prepared = await rotate(c, domain);
    assert.ok(prepared.record && prepared.selector);
    recordNames.add(prepared.record.name);
    await publishAsked(c, domain);
    assert.equal((await rotate(c, domain)).step, 'verify');

    // A broken file in the folder Rspamd includes: on SIGHUP it refuses the new configuration and keeps the old one.
    const broken = join(l.rspamd.localConfDir, 'local.d', 'copper-dkim', `zz-broken-${randomBytes(3).toString('hex')}.conf`);
    writeFileSync(broken, '"broken { {{\n');
    try {
      const error = await rejection(rotate(c, domain));
      assert.equal(error.code, 'RSPAMD_RELOAD_FAILED');
      assert.match(error.message, new RegExp(`signs ${domain.replace(/\./g, '\\.')} with ${first} instead of`));
      assert.match(error.message, /Rspamd signs as before; the rotation state is unchanged/);
    } finally {
      rmSync(broken, { force: true });
    }
    const s = await status(c, domain);
    assert.equal(s.activeSelector, first);
    assert.equal(s.keys.find((k) => k.selector === prepared.selector)?.state, 'published');
    assert.equal(s.interrupted, null);
    assert.deepEqual(rspamdSigns(domain), [first], 'the old selector still signs');
    const message = await sendThroughPostfix(domain);
    assert.deepEqual(verifyDkim(message, labDns()).map((v) => [v.selector, v.ok]), [[first, true]]);

    // With the configuration fixed, the same step goes through.
    assert.equal((await rotate(c, domain)).step, 'activate');
    assert.deepEqual(rspamdSigns(domain), [prepared.selector]);
  });

  test('the console killed between every pair of rotation steps resumes to a consistent state and loses no key', async () => {
    const { dir, console: start } = newConsole();
    let con = start;
    try {
      await confirmAndRun(con.client, 'inventory.sites.create', { name: 'lab', resolver: labDns().resolver });
      await addLabHost(con, 'lab');
      const domain = await labDomain(con, 'dkimkill');
      const domainId = con.core.inventory.domainRow(domain)?.id ?? -1;

      /** Runs one rotation step with the console "killed" at `point`: it never returns, and a new console opens. */
      const killedAt = async (point: DkimCheckpoint): Promise<void> => {
        let reached: () => void = () => undefined;
        const atPoint = new Promise<void>((resolve) => (reached = resolve));
        const service = new DkimService(con.core.db, con.vault, clock, con.core.inventory, con.core.exec, {
          checkpoint: (p) => {
            if (p !== point) return;
            reached();
            return new Promise<void>(() => undefined);
          },
        });
        const running = service.rotate(domain, undefined).then(
          () => assert.fail(`the step finished without passing ${point}`),
          (error: unknown) => assert.fail(`the step failed before ${point}: ${String(error)}`),
        );
        await Promise.race([atPoint, running]);
        con.close();
        con = openConsole(dir, clock);
      };

      /** After every restart: one active key at most, every live key in the vault, every retired one archived. */
      const consistent = async (): Promise<DkimDomainStatus> => {
        const s = await status(con, domain, false);
        assert.ok(s.keys.filter((k) => k.state === 'active').length <= 1);
        for (const key of s.keys) {
          const ref = key.state === 'retired' ? dkimArchiveRef(domainId, key.selector) : dkimSecretRef(domainId, key.selector);
          const stored = readStoredKey(await con.vault.get(ref), ref);
          assert.equal(dkimRecordText(stored), key.recordText, `the private key of ${key.selector} is in the vault`);
        }
        return s;
      };

      // Killed after the key was stored and before its row: the same key is taken up again.
      const planned = await con.client.plan('dkim.rotate', { domain });
      const selector = planned.plan.selector ?? '';
      await killedAt('prepare:key-stored');
      const storedBeforeCrash = readStoredKey(await con.vault.get(dkimSecretRef(domainId, selector)), 'stored');
      assert.equal((await consistent()).keys.length, 0);
      const prepared = await rotate(con, domain);
      assert.equal(prepared.selector, selector);
      assert.equal(prepared.record?.text, dkimRecordText(storedBeforeCrash), 'the key stored before the crash is the one prepared');
      recordNames.add(prepared.record?.name ?? '');
      await publishAsked(con, domain);
      await rotate(con, domain);

      // The first activation, killed right after it was written down.
      await killedAt('activate:pending-written');
      let s = await consistent();
      assert.equal(s.interrupted?.step, 'activate');
      assert.equal(s.nextStep, 'resume');
      assert.equal((await rotate(con, domain)).step, 'resume');
      await eventuallySigns(domain, [selector]);

      const activationPoints: Array<DkimCheckpoint | null> = ['activate:keys-written', 'activate:config-written', 'activate:reloaded', null, null];
      const retirePoints: DkimCheckpoint[] = ['retire:archived', 'retire:pending-written', 'retire:config-written', 'retire:key-removed', 'retire:committed'];
      let active = selector;
      for (const [i, retirePoint] of retirePoints.entries()) {
        const next = await rotate(con, domain);
        assert.ok(next.selector && next.record);
        recordNames.add(next.record.name);
        await publishAsked(con, domain);
        await rotate(con, domain);
        const activationPoint = activationPoints[i];
        if (activationPoint) {
          await killedAt(activationPoint);
          s = await consistent();
          assert.equal(s.interrupted?.step, 'activate', `after a stop at ${activationPoint}`);
          assert.equal(s.activeSelector, active, 'the database still names the old key until the step completes');
        }
        await rotate(con, domain);
        await eventuallySigns(domain, [next.selector]);
        const previous = active;
        active = next.selector;

        clock.advanceDays(8);
        await killedAt(retirePoint);
        s = await consistent();
        if (s.keys.find((k) => k.selector === previous)?.state !== 'retired') {
          assert.equal((await rotate(con, domain)).step, retirePoint === 'retire:archived' ? 'retire' : 'resume', `after a stop at ${retirePoint}`);
        }
        s = await consistent();
        assert.equal(s.keys.find((k) => k.selector === previous)?.state, 'retired');
        assert.equal(s.activeSelector, active);
        assert.equal(existsSync(join(dkimLab().rspamd.dkim.keyDir, `${previous}.${domain}.key`)), false);
        await eventuallySigns(domain, [active]);
      }
    } finally {
      con.close();
    }
  });

  test('the CLI: status as JSON, the record as zone-file text, rotate one step with --yes', async () => {
    const { dir, console: cliConsole } = newConsole();
    cliConsole.close();
    const copper = (...args: string[]) => runCopper(['--data-dir', dir, ...args], { env: { COPPER_PASSPHRASE: PASSPHRASE } });
    const domain = uniqueDomain('dkimcli');
    assert.equal((await copper('site', 'add', 'hq', '--resolver', labDns().resolver)).code, 0);
    assert.equal((await copper('domain', 'add', domain, '--site', 'hq')).code, 0);
    const none = await copper('dkim', 'record', domain);
    assert.match(none.stdout, /has no DKIM key yet/);

    const prepared = await copper('dkim', 'rotate', domain, '--algorithm', 'ed25519', '--yes');
    assert.equal(prepared.code, 0, prepared.stderr);
    assert.match(prepared.stdout, /Prepared an Ed25519 key with selector cu-/);
    assert.match(prepared.stdout, /Next: Ask the DNS team to publish/);

    const record = await copper('dkim', 'record', domain);
    assert.equal(record.code, 0);
    const line = /^(cu-[0-9-]+\._domainkey\.\S+)\. 3600 IN TXT "(v=DKIM1; k=ed25519; p=[^"]+)"$/m.exec(record.stdout);
    assert.ok(line?.[1] && line[2], record.stdout);
    recordNames.add(line[1]);

    const missing = await copper('--json', 'dkim', 'status', domain);
    assert.equal(missing.code, 3, 'a missing record is a failed verification');
    const parsed = JSON.parse(missing.stdout) as { domains: DkimDomainStatus[] };
    assert.equal(parsed.domains[0]?.records[0]?.status, 'missing');

    await publishTxt(line[1], line[2]);
    const verified = await copper('dkim', 'rotate', domain, '--yes');
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /the key is published/);
    assert.match(verified.stdout, /Next: Run copper dkim rotate .* to make Rspamd sign/);
    const ok = await copper('dkim', 'status', domain);
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /1 ok/);
  });
});


import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DkimDomainStatus } from '../../shared/contract';
import type { OutputOf } from '../../shared/client/client';
import { holdStackLock } from '../../scripts/lab/stack-lock.mjs';
import { confirmAndRun, tempCore, type TempCore } from '../support/temp-core';
import { lab, type Lab } from '../support/lab';
import { labDns, publishTxt, removeRecords, uniqueDomain } from '../support/dns';
import { SmtpSink, submitSmtp } from '../support/smtp-sink';
import { verifyDkim } from '../support/dkim-verify';
import { rejection } from '../support/rejection';
import { addStackHost, buildBundle, cleanStackEngine, provisionStack, publisherKey, stackDocker as stackEngine, stackFixture, stagingRootFor } from '../support/stack';

/*
 * DKIM rotation on a host in docker mode, against the lab's stack engine: the lab's Copper stack is provisioned there
 * first (as test/integration/provision.test.ts does); its mail container runs Postfix with Rspamd's milter, and mounts
 * the host folders /etc/copper/rspamd and /etc/copper/dkim read-only at the same paths. The console writes the key and
 * the signing configuration there on the host (sudo, lab_dkim_docker_sudo_cmds) and reloads and checks Rspamd inside
 * the container (Docker exec). The witnesses are independent of the console: a message sent through the container's
 * Postfix (127.0.0.1:3025) to the test's SMTP sink, and dkimpy verifying its signature against the lab DNS.
 *
 * Locks: the stack lock (this test replaces the stack engine's containers). Not the queue lock: the host's Postfix and
 * Rspamd are not touched (the signed mail passes the CONTAINER's queue, which the engine clean-up removes). The SMTP
 * sink's port (2527) is the one dkim.test.ts uses; integration tests run one after another, and a concurrent run would
 * fail at once (port in use) rather than mix messages.
 */
const HOST = 'stack';
const PASSPHRASE = 'test-passphrase-1';
const MAIL_CONTAINER = 'copper-mail';

interface StackRspamd {
  localConfDir: string;
  keyDir: string;
  pidFile: string;
  smtpPort: number;
  normalPort: number;
}
interface DkimLab {
  rspamd: { dkim?: { sinkDomain: string; sinkPort: number } };
  stackDocker: { rspamd?: StackRspamd };
}
type Rotation = OutputOf<'dkim.rotate'>;

describe('DKIM rotation on a docker-mode host: files on the host, Rspamd reloaded and signing in its container', () => {
  let l: Lab & DkimLab;
  let stack: StackRspamd;
  let sinkDomain: string;
  let t: TempCore;
  let work: string;
  let sink: SmtpSink | undefined;
  let releaseStack: () => void = () => {};
  const domains: string[] = [];
  const recordNames = new Set<string>();

  const stackDocker = (...args: string[]) => stackEngine(l, ...args);
  const stagingRoot = stagingRootFor('coppersudo');
  const rotate = (domain: string, algorithm?: 'rsa2048' | 'ed25519') => confirmAndRun<Rotation>(t.client, 'dkim.rotate', { domain, ...(algorithm ? { algorithm } : {}) });
  const status = async (domain: string): Promise<DkimDomainStatus> => {
    const result = await t.client.task('dkim.status', { domain, checkDns: false });
    assert.ok(result.domains[0]);
    return result.domains[0];
  };
  /** The DNS team publishes every record the console asks for. */
  const publishAsked = async (domain: string) => {
    const { records } = await t.client.query('dkim.record', { domain });
    for (const record of records.filter((r) => r.state === 'prepared')) {
      recordNames.add(record.name);
      await publishTxt(record.name, record.text);
    }
  };
  const newDomain = async (prefix: string) => {
    const domain = uniqueDomain(prefix);
    domains.push(domain);
    await confirmAndRun(t.client, 'inventory.domains.create', { name: domain, site: 'lab' });
    return domain;
  };
  /** prepare → the DNS team publishes → verify: the key is ready to activate. */
  const readyKey = async (domain: string, algorithm?: 'rsa2048' | 'ed25519') => {
    const prepared = await rotate(domain, algorithm);
    assert.equal(prepared.step, 'prepare');
    assert.ok(prepared.selector);
    await publishAsked(domain);
    const verified = await rotate(domain);
    assert.equal(verified.step, 'verify');
    assert.equal(verified.advanced, true, verified.message);
    return prepared.selector;
  };
  /** A message from the domain through the CONTAINER's Postfix (its milter is the container's Rspamd), as the sink got it. */
  const sendThroughContainer = async (domain: string): Promise<Buffer> => {
    const marker = `dkim-docker-${randomBytes(6).toString('hex')}`;
    const message = [
      `From: Sender <sender@${domain}>`,
      `To: <rcpt@${sinkDomain}>`,
      `Subject: ${marker}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${marker}@${domain}>`,
      '',
      `This is ${marker}.`,
      'A second line, so that tampering has something to change.',
      '',
    ].join('\r\n');
    submitSmtp(stack.smtpPort, `sender@${domain}`, `rcpt@${sinkDomain}`, message);
    assert.ok(sink);
    return sink.waitFor(marker);
  };
  const containerUid = () => {
    const result = stackDocker('exec', MAIL_CONTAINER, 'id', '-u', '_rspamd');
    assert.equal(result.status, 0, result.stderr);
    return Number(result.stdout.trim());
  };
  const keyFile = (selector: string, domain: string) => join(stack.keyDir, `${selector}.${domain}.key`);
  const domainConf = (domain: string) => join(stack.localConfDir, 'local.d', 'copper-dkim', `${domain}.conf`);

  before(async () => {
    l = lab() as Lab & DkimLab;
    assert.ok(l.stackDocker.rspamd && l.rspamd.dkim, 'lab.json has no stackDocker.rspamd section: run `bash scripts/lab/up.sh`');
    stack = l.stackDocker.rspamd;
    sinkDomain = l.rspamd.dkim.sinkDomain;
    releaseStack = await holdStackLock('test/integration/dkim-docker.test.ts');
    cleanStackEngine(l);
    work = mkdtempSync(join(tmpdir(), 'copper-dkim-docker-'));
    const key = publisherKey(work);
    const bundle = buildBundle(l, key, stackFixture(), join(work, 'bundle'), 'dkim docker test');

    sink = await SmtpSink.start(l.rspamd.dkim.sinkPort);
    t = tempCore(PASSPHRASE);
    await confirmAndRun(t.client, 'inventory.sites.create', { name: 'lab', resolver: labDns().resolver });
    // The sudo login: the files are written on the host with its exact sudo rules; the reload and rspamc run in the
    // container through the Docker socket, which its group reaches.
    await addStackHost(t.client, l, HOST, { sudo: true });
    await confirmAndRun(t.client, 'provision.keys.add', { name: 'dkim docker test', publicKeyPem: readFileSync(`${key}.pub.pem`, 'utf8') });
    const provisioned = await provisionStack(t.client, HOST, bundle, stagingRoot);
    assert.equal(provisioned.outcome, 'applied');
    // Host folders the container mounts; the user, PID file and normal worker as the container knows them.
    await confirmAndRun(t.client, 'dkim.setRspamd', {
      host: HOST,
      settings: {
        localConfDir: stack.localConfDir,
        keyDir: stack.keyDir,
        user: '_rspamd',
        group: '_rspamd',
        reload: { via: 'pidfile', pidFile: stack.pidFile },
        scanner: `127.0.0.1:${stack.normalPort}`,
      },
    });
  });

  after(async () => {
    try {
      if (l) cleanStackEngine(l);
    } finally {
      await sink?.close();
      for (const name of recordNames) await removeRecords(name, 'TXT').catch(() => undefined);
      if (stack) {
        for (const domain of domains) {
          rmSync(domainConf(domain), { force: true });
          if (existsSync(stack.keyDir)) for (const file of readdirSync(stack.keyDir)) if (file.endsWith(`.${domain}.key`)) rmSync(join(stack.keyDir, file), { force: true });
        }
      }
      t?.close();
      if (work) rmSync(work, { recursive: true, force: true });
      rmSync(stagingRoot, { recursive: true, force: true });
      releaseStack();
    }
  });

  test('rotates twice: keys on the host for the container’s Rspamd, which signs mail through the container’s Postfix with the new selector', async () => {
    const dns = labDns();
    const domain = await newDomain('dkd');
    const first = await readyKey(domain);

    const { plan } = await t.client.plan('dkim.rotate', { domain });
    assert.equal(plan.step, 'activate');
    const uid = containerUid();
    assert.ok(plan.changes.some((c) => c.target === `${HOST}: ${keyFile(first, domain)}` && c.detail.includes(`owner _rspamd of container ${MAIL_CONTAINER} (uid ${uid})`)), JSON.stringify(plan.changes));
    assert.ok(plan.changes.some((c) => c.target === `${HOST}: Rspamd in container ${MAIL_CONTAINER}` && c.detail.includes(`-F ${stack.pidFile}`)), JSON.stringify(plan.changes));

    const activated = await rotate(domain);
    assert.equal(activated.step, 'activate');
    assert.equal(activated.advanced, true, activated.message);
    // On the host: mode 0600, owned by the container's _rspamd (by number: the host's _rspamd has another id).
    const file = statSync(keyFile(first, domain));
    assert.equal(file.mode & 0o777, 0o600);
    assert.equal(file.uid, uid);
    assert.match(readFileSync(domainConf(domain), 'utf8'), new RegExp(`selector = "${first}"`));
    // In the container: Rspamd's user reads the very file (the bind mount), and nothing on the host's Rspamd changed.
    assert.equal(stackDocker('exec', '--user', '_rspamd', MAIL_CONTAINER, 'test', '-r', keyFile(first, domain)).status, 0);

    const signed = await sendThroughContainer(domain);
    assert.deepEqual(verifyDkim(signed, dns).map((v) => [v.selector, v.domain, v.ok]), [[first, domain, true]]);
    const tampered = Buffer.from(signed.toString('latin1').replace('A second line', 'A forged line'), 'latin1');
    assert.deepEqual(verifyDkim(tampered, dns).map((v) => v.ok), [false], 'a tampered copy fails');

    // The rotation: a new Ed25519 key while the first signs; after activation only the new selector signs.
    const second = await readyKey(domain, 'ed25519');
    assert.notEqual(second, first);
    const rotated = await rotate(domain);
    assert.equal(rotated.step, 'activate');
    assert.match(rotated.message, new RegExp(`${first} is retiring`));
    const after = await sendThroughContainer(domain);
    assert.deepEqual(verifyDkim(after, dns).map((v) => [v.selector, v.algorithm, v.ok]), [[second, 'ed25519-sha256', true]]);
    assert.equal((await status(domain)).activeSelector, second);
  });

  test('without a running Rspamd container, activation is refused before anything is written, and says how to fix it', async () => {
    const domain = await newDomain('dkn');
    const selector = await readyKey(domain);
    assert.equal(stackDocker('stop', MAIL_CONTAINER).status, 0);
    const error = await rejection(rotate(domain));
    assert.equal(error.code, 'RSPAMD_RELOAD_FAILED', error.message);
    assert.match(error.message, new RegExp(`No running container on ${HOST} runs Rspamd.*nothing was written.*copper\\.components=rspamd`));
    assert.equal(existsSync(keyFile(selector, domain)), false, 'no key file written');
    assert.equal(existsSync(domainConf(domain)), false, 'no signing configuration written');
    const after = await status(domain);
    assert.equal(after.keys.find((k) => k.selector === selector)?.state, 'published');
    assert.equal(after.interrupted, null);
  });
});

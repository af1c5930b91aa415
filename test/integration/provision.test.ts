import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ProvisionPlan, ProvisionResult, ProvisionStatus } from '../../shared/contract';
import { confirmAndRun, tempCore, type TempCore } from '../support/temp-core';
import { lab, type Lab } from '../support/lab';
import { copperBin, repoRoot, runCopper } from '../support/run-copper';
import { rejection } from '../support/rejection';
import { submitSmtp } from '../support/smtp-sink';
import { addStackHost, buildBundle as buildStackBundle, cleanStackEngine, firstLine, mailHostnameUpdate, publisherKey, stackDocker as stackEngine, stackFixture, stackVariant, stagingRootFor } from '../support/stack';
import { holdStackLock } from '../../scripts/lab/stack-lock.mjs';

/**
 * Issue 6 end to end against the lab: a signed bundle of the lab's Copper image is pushed over SSH to the lab's stack
 * engine (a second dockerd with nothing on it), provisioned, verified from outside, updated with a broken bundle
 * (rolled back), and updated again while the console is killed (re-run converges). Nothing here is simulated.
 */
const LOGIN = 'copperkey';
const HOST = 'stack';
const SMTP_PORT = 3025;
const IMAP_PORT = 3143;
const LDAP_PORT = 3390;
const BASE_DN = 'dc=copper,dc=local';
const PASSPHRASE = 'test-passphrase-1';

const run = (argv: string[]) => {
  const result = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
};

describe('provisioning: push, plan, apply, verify, roll back, converge', () => {
  let l: Lab;
  let t: TempCore;
  let work: string;
  let key: string;
  let releaseStack: () => void;
  const bundles: Record<'good' | 'broken' | 'wrongPort' | 'update', string> = { good: '', broken: '', wrongPort: '', update: '' };
  const stackDocker = (...args: string[]) => stackEngine(l, ...args);
  const plan = (bundle?: string) => t.client.plan('provision.apply', { host: HOST, ...(bundle ? { bundle } : {}) });
  const apply = async (onProgress?: (message: string) => void): Promise<ProvisionResult> => {
    const { planHash } = await t.client.plan('provision.apply', { host: HOST });
    return t.client.execute('provision.apply', { host: HOST }, planHash, onProgress ? { onProgress: (p) => onProgress(p.message) } : {});
  };
  const status = (): Promise<ProvisionStatus> => t.client.query('provision.status', { host: HOST });
  const stagingRoot = stagingRootFor(LOGIN);
  const push = (path: string) => t.client.task('provision.bundle.push', { host: HOST, path, stagingRoot });
  const secretValue = async (name: string) => {
    const row = t.core.inventory.hostRow(HOST);
    assert.ok(row);
    const value = await t.vault.get(`host/${row.id}/provision/copper/${name}`);
    assert.ok(value, `the vault holds ${name}`);
    return value;
  };
  before(async () => {
    l = lab();
    releaseStack = await holdStackLock('test/integration/provision.test.ts');
    cleanStackEngine(l);
    work = mkdtempSync(join(tmpdir(), 'copper-provision-'));
    key = publisherKey(work);
    const buildBundle = (stackFile: string, name: string) => buildStackBundle(l, key, stackFile, join(work, name), 'provision test');
    bundles.good = buildBundle(stackFixture(), 'good');
    bundles.broken = buildBundle(stackFixture('copper-lab-stack-broken.json'), 'broken');
    // A correct update that only changes the mail service's host name: the one the console is killed in the middle of.
    bundles.update = buildBundle(stackVariant(work, 'update-stack', mailHostnameUpdate), 'update');
    // Healthy inside, wrong from outside: the stack says SMTP is on 3026 while the service listens on 3025.
    const wrongPort = stackVariant(work, 'wrong-port-stack', (stack) => {
      stack.version = '1.0.3-lab';
      for (const port of stack.services.mail.ports) if (port.name === 'smtp') Object.assign(port, { containerPort: 3026, hostPort: 3026 });
    });
    bundles.wrongPort = buildBundle(wrongPort, 'wrong-port');

    t = tempCore(PASSPHRASE);
    await confirmAndRun(t.client, 'inventory.sites.create', { name: 'lab' });
    await addStackHost(t.client, l, HOST);
    await confirmAndRun(t.client, 'provision.keys.add', { name: 'provision test', publicKeyPem: readFileSync(`${key}.pub.pem`, 'utf8') });
  });

  after(() => {
    try {
      if (l) cleanStackEngine(l);
    } finally {
      rmSync(stagingRoot, { recursive: true, force: true });
      t?.close();
      if (work) rmSync(work, { recursive: true, force: true });
      releaseStack?.();
    }
  });

  test('before a push: apply names the fix, and a plan from the bundle folder says the images are missing', async () => {
    const none = await rejection(plan());
    assert.equal(none.code, 'PROVISION_NO_BUNDLE');
    assert.match(none.message, /copper bundle push stack/);
    const { plan: preview } = await plan(bundles.good);
    assert.equal(preview.missingImages.length, 1);
    assert.ok(preview.warnings.some((w) => w.includes('push the bundle first')));
    const { planHash } = await plan(bundles.good);
    const refused = await rejection(t.client.execute('provision.apply', { host: HOST, bundle: bundles.good }, planHash));
    assert.equal(refused.code, 'PROVISION_IMAGES_MISSING');
    assert.equal(stackDocker('ps', '-aq', '--filter', 'label=copper.provision.stack').stdout.trim(), '', 'nothing was created');
  });

  test('push loads the image; the plan creates both services, dependencies first, and shows no secret', async () => {
    const pushed = await push(bundles.good);
    assert.deepEqual(pushed.images.map((i) => i.loaded), [true]);
    const { plan: p } = await plan();
    assert.deepEqual(p.services.map((s) => [s.service, s.action]), [['openldap', 'create'], ['mail', 'create']]);
    assert.deepEqual(p.secretsToGenerate, ['ldap-admin-password']);
    assert.equal(p.bundle.source, 'pushed');
    assert.equal(p.bundle.stackVersion, '1.0.0-lab');
    assert.equal(p.missingImages.length, 0);
  });

  let first: ProvisionResult;
  test('apply creates the stack, waits for health and verifies SMTP, IMAP and LDAP from outside', async () => {
    const steps: string[] = [];
    first = await apply((m) => steps.push(m));
    assert.equal(first.outcome, 'applied');
    assert.deepEqual(first.services.map((s) => [s.service, s.health]), [['openldap', 'healthy'], ['mail', 'healthy']]);
    const checks = first.checks.map((c) => `${c.kind} ${c.port} ${c.ok ? 'ok' : c.detail}`).sort();
    assert.deepEqual(checks, [`imap ${IMAP_PORT} ok`, `ldap-bind ${LDAP_PORT} ok`, `smtp ${SMTP_PORT} ok`]);
    assert.ok(steps.some((s) => s.includes('copper-openldap is healthy')), steps.join('\n'));
    // Checked again here by the test's own clients, not the console's.
    assert.match(await firstLine(SMTP_PORT), /^220 mail\.copper\.test/);
    assert.match(await firstLine(IMAP_PORT), /^\* OK/);
    const password = await secretValue('ldap-admin-password');
    const bind = run(['ldapwhoami', '-x', '-H', `ldap://127.0.0.1:${LDAP_PORT}`, '-D', `cn=admin,${BASE_DN}`, '-w', password]);
    assert.equal(bind.status, 0, bind.stderr);
    const wrong = run(['ldapwhoami', '-x', '-H', `ldap://127.0.0.1:${LDAP_PORT}`, '-D', `cn=admin,${BASE_DN}`, '-w', 'not-the-password']);
    assert.equal(wrong.status, 49, 'a wrong password is refused');

    // The generated password went to the container and the vault only: not to the plan, the audit trail or the labels.
    const { plan: p } = await plan();
    const audit = await t.client.query('audit.list', { limit: 50 });
    assert.ok(!JSON.stringify(p).includes(password), 'the plan does not hold the secret');
    assert.ok(!JSON.stringify(audit).includes(password), 'the audit trail does not hold the secret');
    assert.ok(audit.records.some((r) => r.operation === 'provision.apply' && r.outcome.status === 'succeeded'));
    const labels = stackDocker('inspect', '--format', '{{json .Config.Labels}}', 'copper-openldap').stdout;
    assert.ok(!labels.includes(password), 'the labels hold secret names only');
  });

  test('applying the same bundle again changes nothing', async () => {
    const { plan: p } = await plan();
    assert.equal(p.unchanged, true, p.summary);
    assert.deepEqual(p.services.map((s) => s.action), ['keep', 'keep']);
    const again = await apply();
    assert.equal(again.outcome, 'unchanged');
    assert.deepEqual(again.services.map((s) => s.containerId), first.services.map((s) => s.containerId), 'the same containers still run');
    assert.ok(again.checks.every((c) => c.ok));
  });

  test('the containerised Postfix queue, components and status are read through the Docker exec path', async () => {
    const recipient = `nobody-${randomBytes(4).toString('hex')}@remote.example`;
    submitSmtp(SMTP_PORT, 'sender@copper.test', recipient, `Subject: provision queue test\r\n\r\nhello\r\n`);
    let listed: Awaited<ReturnType<typeof t.client.query<'queue.list'>>> | undefined;
    for (let i = 0; i < 20; i++) {
      listed = await t.client.query('queue.list', { host: HOST, filter: { recipient }, fresh: true });
      if (listed.matched === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(listed?.matched, 1, 'the message is in the container’s queue');
    const id = listed?.items[0]?.id ?? '';
    // The host's own Postfix never saw it: this is the container's queue.
    assert.ok(!run(['postqueue', '-j']).stdout.includes(recipient));
    await confirmAndRun(t.client, 'queue.delete', { host: HOST, select: { by: 'ids', ids: [id] } });
    const gone = await t.client.query('queue.list', { host: HOST, filter: { recipient }, fresh: true });
    assert.equal(gone.matched, 0);

    const check = await t.client.task('fleet.check', { host: HOST });
    const running = (name: string) => check.components.find((c) => c.name === name)?.running;
    assert.equal(running('postfix'), 'yes');
    assert.equal(running('dovecot'), 'yes');
    assert.equal(running('slapd'), 'yes');

    const s = await status();
    assert.equal(s.runningVersion, '1.0.0-lab');
    assert.deepEqual(s.containers.map((c) => [c.container, c.health, c.version, c.matchesBundle]), [
      ['copper-mail', 'healthy', '1.0.0-lab', true],
      ['copper-openldap', 'healthy', '1.0.0-lab', true],
    ]);
    assert.equal(s.lastRun?.outcome, 'unchanged');
    assert.equal(s.interrupted, false);
  });

  test('a broken update is rolled back to the containers that ran before, which serve mail again', async () => {
    await push(bundles.broken);
    const { plan: p } = await plan();
    assert.deepEqual(p.services.map((s) => [s.service, s.action]), [['openldap', 'keep'], ['mail', 'replace']]);
    const failure = await rejection(apply());
    assert.equal(failure.code, 'PROVISION_ROLLED_BACK', failure.message);
    assert.match(failure.message, /at mail/);
    assert.match(failure.message, /copper-mail \(1\.0\.0-lab\)/);
    const s = await status();
    assert.deepEqual(s.containers.map((c) => [c.container, c.state, c.version]), [
      ['copper-mail', 'running', '1.0.0-lab'],
      ['copper-openldap', 'running', '1.0.0-lab'],
    ]);
    assert.equal(s.containers.find((c) => c.container === 'copper-mail')?.id, first.services.find((c) => c.service === 'mail')?.containerId, 'the very container that ran before');
    assert.equal(s.lastRun?.outcome, 'rolled-back');
    assert.ok(s.lastRun?.steps.some((step) => step.text.startsWith('Restored copper-mail')));
    assert.match(await firstLine(SMTP_PORT), /^220 mail\.copper\.test/);
  });

  test('a service that is healthy inside but does not answer from outside is rolled back too', async () => {
    await push(bundles.wrongPort);
    const failure = await rejection(apply());
    assert.equal(failure.code, 'PROVISION_ROLLED_BACK', failure.message);
    assert.match(failure.message, /smtp check of 127\.0\.0\.1:3026 failed/);
    const s = await status();
    assert.deepEqual(s.containers.map((c) => [c.container, c.state, c.version]), [
      ['copper-mail', 'running', '1.0.0-lab'],
      ['copper-openldap', 'running', '1.0.0-lab'],
    ]);
    assert.match(await firstLine(SMTP_PORT), /^220 mail\.copper\.test/);
  });

  test('the console killed in the middle of an apply: status says so, and applying again converges', async () => {
    await push(bundles.update);
    const child = spawn(process.execPath, [copperBin, '--data-dir', t.dir, 'provision', 'apply', HOST, '--yes'], {
      cwd: repoRoot,
      env: { ...process.env, COPPER_HOME: '', COPPER_PASSPHRASE: PASSPHRASE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the apply never reached the health wait:\n${stderr}`)), 120_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('Waiting for copper-mail')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGKILL');
    await exited;

    const cut = await status();
    assert.equal(cut.interrupted, true);
    assert.ok(cut.containers.some((c) => c.container === 'copper-mail-previous'), 'the container that ran before is kept');
    const { plan: p } = await plan();
    assert.deepEqual(p.leftovers, ['copper-mail-previous']);

    const converged = await runCopper(['--data-dir', t.dir, 'provision', 'apply', HOST, '--yes', '--json'], { env: { COPPER_PASSPHRASE: PASSPHRASE } });
    assert.equal(converged.code, 0, converged.stderr);
    const result = JSON.parse(converged.stdout) as ProvisionResult;
    assert.equal(result.stackVersion, '1.0.2-lab');
    assert.ok(result.checks.every((c) => c.ok));
    const s = await status();
    // Only the mail service changed: the directory kept running, and says which bundle created it.
    assert.deepEqual(s.containers.map((c) => [c.container, c.health, c.version, c.matchesBundle]), [
      ['copper-mail', 'healthy', '1.0.2-lab', true],
      ['copper-openldap', 'healthy', '1.0.0-lab', true],
    ]);
    assert.equal(s.runningVersion, '1.0.2-lab');
    assert.equal(s.interrupted, false);
    assert.match(await firstLine(SMTP_PORT), /^220 mx2\.copper\.test/);
    const runs = await t.client.query('provision.runs', { host: HOST, limit: 5 });
    assert.equal(runs.runs[1]?.outcome, 'failed', 'the killed run is recorded as interrupted');
    assert.match(runs.runs[1]?.message ?? '', /interrupted/);

    const statusCli = await runCopper(['--data-dir', t.dir, 'provision', 'status', HOST], { env: { COPPER_PASSPHRASE: PASSPHRASE } });
    assert.equal(statusCli.code, 0, statusCli.stderr);
    assert.match(statusCli.stdout, /Running version: 1\.0\.2-lab/);
    const planCli = await runCopper(['--data-dir', t.dir, 'provision', 'plan', HOST, '--json'], { env: { COPPER_PASSPHRASE: PASSPHRASE } });
    assert.equal((JSON.parse(planCli.stdout) as ProvisionPlan).unchanged, true);
  });
});

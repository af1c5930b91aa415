import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TlsCertificateRecord, TlsDeployment } from '../../shared/contract';
import { holdQueueLock } from '../../scripts/lab/queue-lock.mjs';
import { holdStackLock } from '../../scripts/lab/stack-lock.mjs';
import { confirmAndRun, tempCore, type TempCore } from '../support/temp-core';
import { lab, readKey, type Lab } from '../support/lab';
import { rejection } from '../support/rejection';
import { addStackHost, buildBundle as buildStackBundle, cleanStackEngine, firstLine, mailHostnameUpdate, provisionStack, publisherKey, stackDocker as stackEngine, stackFixture, stackVariant, stagingRootFor } from '../support/stack';

/*
 * Certificate deployment to a host in docker mode, against the lab's stack engine: the lab's Copper stack is provisioned
 * there first (as test/integration/provision.test.ts does), then the console writes the certificate files on the host
 * (/etc/copper/tls, bind-mounted read-only into the mail container) and configures and reloads Postfix and Dovecot
 * inside the container through Docker exec. openssl s_client is the independent witness of what 3025 (STARTTLS) and
 * 3993 (IMAPS) serve.
 *
 * /etc/copper/tls is also the host's own TLS directory (its Postfix, Dovecot and nginx, test/integration/tls.test.ts),
 * so the queue lock is held as tls.test.ts holds it, and the directory is put back byte for byte at the end: the host's
 * Postfix starts new smtpd processes from those files, and must serve what the others serve.
 */
const HOST = 'stack';
const PASSPHRASE = 'test-passphrase-1';
const SMTP_PORT = 3025;
const IMAPS_PORT = 3993;
const MAIL_CONTAINER = 'copper-mail';
const TLS_DIR = '/etc/copper/tls';

/** What openssl says a port serves: the SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` prints it. */
function opensslServed(port: number, serverName: string, starttls: boolean): string {
  const session = spawnSync('openssl', ['s_client', ...(starttls ? ['-starttls', 'smtp'] : []), '-connect', `127.0.0.1:${port}`, '-servername', serverName], { input: '', encoding: 'utf8', timeout: 15_000 });
  const fingerprint = spawnSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: session.stdout, encoding: 'utf8' });
  const match = /Fingerprint=([0-9A-F:]+)/.exec(fingerprint.stdout);
  assert.ok(match?.[1], `openssl got no certificate from :${port}: ${session.stderr.slice(0, 400)}`);
  return match[1];
}

const fileFingerprint = () => execFileSync('openssl', ['x509', '-in', `${TLS_DIR}/mail.crt`, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).trim().replace(/^.*Fingerprint=/i, '');

interface SavedFile {
  content: Buffer;
  mode: number;
  uid: number;
  gid: number;
}

describe('TLS deployment to a docker-mode host: files on the host, services reloaded in their containers', () => {
  let l: Lab & { tls: { mailName: string } };
  let t: TempCore;
  let work: string;
  let key: string;
  let releaseStack: () => void = () => {};
  let releaseQueue: () => void = () => {};
  let savedTls: Map<string, SavedFile> | undefined;
  let issued: TlsCertificateRecord;
  const bundles = { good: '', update: '' };
  const stackDocker = (...args: string[]) => stackEngine(l, ...args);
  const inMail = (...argv: string[]) => {
    const result = stackDocker('exec', MAIL_CONTAINER, ...argv);
    assert.equal(result.status, 0, `${argv.join(' ')} in ${MAIL_CONTAINER}: ${result.stderr}`);
    return result.stdout;
  };
  const issue = () => confirmAndRun<TlsCertificateRecord>(t.client, 'tls.issue', { host: HOST, names: [l.tls.mailName], authority: 'lab-ca' });
  const deploy = (certificate: string) => confirmAndRun<TlsDeployment>(t.client, 'tls.deploy', { host: HOST, certificate });
  const served = () => ({ smtp: opensslServed(SMTP_PORT, l.tls.mailName, true), imaps: opensslServed(IMAPS_PORT, l.tls.mailName, false) });
  const stagingRoot = stagingRootFor('coppersudo');
  const saveTlsDir = () => {
    const files = new Map<string, SavedFile>();
    for (const name of readdirSync(TLS_DIR)) {
      const path = join(TLS_DIR, name);
      const stat = statSync(path);
      if (stat.isFile()) files.set(name, { content: readFileSync(path), mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid });
    }
    return files;
  };
  const restoreTlsDir = (files: Map<string, SavedFile>) => {
    for (const name of readdirSync(TLS_DIR)) {
      if (!files.has(name) && statSync(join(TLS_DIR, name)).isFile()) rmSync(join(TLS_DIR, name));
    }
    for (const [name, file] of files) {
      const path = join(TLS_DIR, name);
      // Owner and mode before the content: the key is never readable by anyone else, not even for a moment.
      if (!existsSync(path)) writeFileSync(path, '', { mode: 0o600 });
      chownSync(path, file.uid, file.gid);
      chmodSync(path, file.mode);
      writeFileSync(path, file.content);
    }
  };

  before(async () => {
    l = lab() as Lab & { tls: { mailName: string } };
    assert.ok(l.tls, 'lab.json has no tls section: run `bash scripts/lab/up.sh`');
    releaseStack = await holdStackLock('test/integration/tls-docker.test.ts');
    releaseQueue = await holdQueueLock('test/integration/tls-docker.test.ts');
    savedTls = saveTlsDir();
    assert.ok(savedTls.has('mail.crt') && savedTls.has('mail.key'), `${TLS_DIR} has no certificate: run \`bash scripts/lab/up.sh\``);
    cleanStackEngine(l);
    work = mkdtempSync(join(tmpdir(), 'copper-tls-docker-'));
    key = publisherKey(work);
    const buildBundle = (stackFile: string, name: string) => buildStackBundle(l, key, stackFile, join(work, name), 'tls docker test');
    bundles.good = buildBundle(stackFixture(), 'good');
    // An update that only changes the mail service's host name: the mail container is replaced by a new one.
    bundles.update = buildBundle(stackVariant(work, 'update-stack', mailHostnameUpdate), 'update');

    t = tempCore(PASSPHRASE);
    await confirmAndRun(t.client, 'inventory.sites.create', { name: 'lab' });
    // The sudo login: the certificate files are written on the host with its exact sudo rules (lab_tls_sudo_cmds);
    // in the containers the programs run as root through the Docker socket, which its group reaches.
    await addStackHost(t.client, l, HOST, { sudo: true, mailNames: [l.tls.mailName] });
    await confirmAndRun(t.client, 'provision.keys.add', { name: 'tls docker test', publicKeyPem: readFileSync(`${key}.pub.pem`, 'utf8') });
    const provisioned = await provisionStack(t.client, HOST, bundles.good, stagingRoot);
    assert.equal(provisioned.outcome, 'applied');
    // The container's own view: Dovecot's configuration is the image's default path there; no reverse proxy in the stack.
    await confirmAndRun(t.client, 'tls.configure', { host: HOST, ports: { smtp: SMTP_PORT, submission: null, smtps: null, imaps: IMAPS_PORT, https: null }, dovecotConfig: '/etc/dovecot/dovecot.conf', nginxConfig: null });
    await confirmAndRun(t.client, 'tls.ca.create', { name: 'lab-ca', site: 'lab', commonName: 'Copper Lab Test CA', permittedDomains: ['copper.test'] });
  });

  after(() => {
    try {
      if (l) cleanStackEngine(l);
    } finally {
      try {
        if (savedTls) restoreTlsDir(savedTls);
      } finally {
        t?.close();
        if (work) rmSync(work, { recursive: true, force: true });
        rmSync(stagingRoot, { recursive: true, force: true });
        releaseQueue();
        releaseStack();
      }
    }
  });

  test('deploys: files on the host, postconf and the reloads in the mail container, and 3025 and 3993 serve it, as openssl sees it', async () => {
    // The container's Postfix offers no TLS (as one whose image does not configure it would): the deployment must
    // switch it on there, through Docker exec.
    inMail('postconf', '-e', 'smtpd_tls_security_level=none');
    inMail('postfix', 'reload');
    issued = await issue();
    const fingerprint = issued.certificate?.fingerprintSha256;
    assert.ok(fingerprint);

    const { plan } = await t.client.plan('tls.deploy', { host: HOST, certificate: issued.id });
    assert.deepEqual(plan.reloads, ['postfix', 'dovecot']);
    assert.ok(plan.changes.some((c) => c.target === `services postfix in container ${MAIL_CONTAINER}, dovecot in container ${MAIL_CONTAINER}`), JSON.stringify(plan.changes));
    assert.ok(plan.changes.some((c) => c.target === `Postfix main.cf (postfix in container ${MAIL_CONTAINER})` && c.detail === 'smtpd_tls_security_level = may'), JSON.stringify(plan.changes));
    assert.ok(plan.changes.some((c) => c.target === `${TLS_DIR}/mail.key` && /0600/.test(c.detail)));
    assert.ok(plan.warnings.some((w) => /replaced container starts from its image's settings/.test(w)), plan.warnings.join('\n'));
    assert.ok(!plan.warnings.some((w) => /does not see the host's/.test(w)), 'the mail container mounts the host’s certificate directory');
    assert.deepEqual(plan.listeners.map((c) => [c.listener, c.port]), [['smtp', SMTP_PORT], ['imaps', IMAPS_PORT]]);

    const deployment = await deploy(issued.id);
    assert.equal(deployment.state, 'verified', deployment.problem ?? '');
    assert.deepEqual(deployment.checks.map((c) => [c.listener, c.port, c.servedFingerprintSha256]), [['smtp', SMTP_PORT, fingerprint], ['imaps', IMAPS_PORT, fingerprint]]);
    // The independent witnesses: openssl on both ports, the file on the host, Postfix's setting in the container.
    assert.deepEqual(served(), { smtp: fingerprint, imaps: fingerprint });
    assert.equal(fileFingerprint(), fingerprint);
    const keyFile = statSync(`${TLS_DIR}/mail.key`);
    assert.equal(keyFile.mode & 0o777, 0o600);
    assert.equal(keyFile.uid, 0);
    assert.equal(inMail('postconf', '-h', 'smtpd_tls_security_level').trim(), 'may');
    const audit = await t.client.query('audit.list', { limit: 5 });
    assert.doesNotMatch(JSON.stringify(audit), /PRIVATE KEY/);
  });

  test('a replaced mail container serves the deployed certificate at once: the image configures TLS from the mounted files', async () => {
    const fingerprint = issued.certificate?.fingerprintSha256;
    assert.ok(fingerprint);
    const before = stackDocker('inspect', '--format', '{{.Id}}', MAIL_CONTAINER).stdout.trim();
    const updated = await provisionStack(t.client, HOST, bundles.update, stagingRoot);
    assert.equal(updated.outcome, 'applied');
    const after = stackDocker('inspect', '--format', '{{.Id}}', MAIL_CONTAINER).stdout.trim();
    assert.notEqual(after, before, 'the mail container was replaced');
    assert.match(await firstLine(SMTP_PORT), /^220 mx2\.copper\.test/);
    assert.deepEqual(served(), { smtp: fingerprint, imaps: fingerprint });
    assert.match(inMail('postconf', '-n', 'smtpd_tls_chain_files', 'smtpd_tls_security_level'), /smtpd_tls_chain_files = \/etc\/copper\/tls\/mail\.key, \/etc\/copper\/tls\/mail\.crt\nsmtpd_tls_security_level = may/);
    // Nothing left for a deployment to change in the new container: its plan touches no Postfix setting.
    const { plan } = await t.client.plan('tls.deploy', { host: HOST, certificate: issued.id });
    assert.ok(!plan.changes.some((c) => c.target.startsWith('Postfix main.cf')), JSON.stringify(plan.changes));
  });

  test('a reload that fails inside the container rolls back, and the old certificate is served again', async () => {
    const old = issued.certificate?.fingerprintSha256;
    assert.ok(old);
    // doveadm in the container really fails: the configuration it is told to reload does not exist there.
    await confirmAndRun(t.client, 'tls.configure', { host: HOST, dovecotConfig: '/etc/copper/no-such-dovecot.conf' });
    try {
      const next = await issue();
      const error = await rejection(deploy(next.id));
      assert.equal(error.code, 'TLS_DEPLOY_ROLLED_BACK', error.message);
      assert.match(error.message, new RegExp(`doveadm reload in ${HOST} / container ${MAIL_CONTAINER} failed`));
      assert.match(error.message, new RegExp(old));
      assert.equal(fileFingerprint(), old);
      assert.deepEqual(served(), { smtp: old, imaps: old });
      const [latest] = await t.client.query('tls.deployments', { host: HOST, limit: 1 });
      assert.equal(latest?.state, 'rolled-back');
      assert.equal(latest?.fingerprintSha256, next.certificate?.fingerprintSha256);
    } finally {
      await confirmAndRun(t.client, 'tls.configure', { host: HOST, dovecotConfig: '/etc/dovecot/dovecot.conf' });
    }
  });

  test('without a running mail container, the plan says Postfix and Dovecot are not reloaded and why', async () => {
    assert.equal(stackDocker('stop', MAIL_CONTAINER).status, 0);
    const { plan } = await t.client.plan('tls.deploy', { host: HOST, certificate: issued.id });
    assert.deepEqual(plan.reloads, []);
    assert.ok(plan.warnings.some((w) => /No running container on stack runs Postfix, so it is not pointed at the certificate or reloaded.*copper\.components=postfix/.test(w)), plan.warnings.join('\n'));
    assert.ok(plan.warnings.some((w) => /No running container on stack runs Dovecot/.test(w)), plan.warnings.join('\n'));
    assert.ok(plan.warnings.some((w) => /on 127\.0\.0\.1:3025 does not answer now/.test(w)), plan.warnings.join('\n'));
  });

  test('the plan warns about a service container that does not mount the host’s certificate directory, before anything is written', async () => {
    // The lab engine's copper-lab-postfix (labelled copper.components=postfix) mounts the host's Postfix, not /etc/copper/tls.
    await confirmAndRun(t.client, 'inventory.hosts.create', {
      name: 'lab-engine',
      site: 'lab',
      ssh: { user: l.users.sudo.name, address: '127.0.0.1', port: l.ssh.port },
      auth: 'key',
      privateKey: readKey(l.users.sudo.privateKey),
      privilege: 'sudo',
      mode: 'docker',
      dockerSocket: l.docker.socket,
      pinnedFingerprint: l.ssh.hostKeyFingerprint,
      mailNames: [l.tls.mailName],
    });
    await confirmAndRun(t.client, 'tls.configure', { host: 'lab-engine', ports: { smtp: null, submission: null, smtps: null, imaps: null, https: null }, nginxConfig: null });
    const certificate = await confirmAndRun<TlsCertificateRecord>(t.client, 'tls.issue', { host: 'lab-engine', names: [l.tls.mailName], authority: 'lab-ca' });
    const fileBefore = fileFingerprint();
    const { plan } = await t.client.plan('tls.deploy', { host: 'lab-engine', certificate: certificate.id });
    assert.ok(plan.warnings.some((w) => /^lab-engine \/ container copper-lab-postfix does not see the host's \/etc\/copper\/tls\/mail\.crt \(it has no such file there\).*Bind-mount/.test(w)), plan.warnings.join('\n'));
    assert.ok(plan.warnings.some((w) => /No running container on lab-engine runs Dovecot/.test(w)), plan.warnings.join('\n'));
    assert.deepEqual(plan.reloads, ['postfix']);
    assert.equal(fileFingerprint(), fileBefore, 'a plan writes nothing');
  });
});

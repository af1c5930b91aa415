import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type TlsCertificateRecord, type TlsDeployment, type TlsListener } from '../../shared/contract';
import { certificatePem, parseChainPem } from '../../electron/core/tls/certificate-info';
import { issueServerCertificate } from '../../electron/core/tls/internal-ca';
import { generatePrivateKey, privateKeyToStored } from '../../electron/core/tls/keys';
import { OpensslLab } from '../../electron/core/tls/openssl-lab';
import { tlsKeyRef } from '../../electron/core/tls/tls.service';
import { holdQueueLock } from '../../scripts/lab/queue-lock.mjs';
import { confirmAndRun, tempCore, type TempCore } from '../support/temp-core';
import { lab, readKey, type Lab } from '../support/lab';
import { copperBin, repoRoot, runCopper } from '../support/run-copper';
import { rejection } from '../support/rejection';

/*
 * Certificate deployment against the lab's real Postfix (25, 587, 465), Dovecot (993) and nginx (443). openssl
 * s_client is the independent witness of what each port serves. The lab's Postfix is shared with the queue tests, so
 * the queue lock is held throughout (they stop Postfix; these reload it). Nothing here touches the mail queue.
 */

const PASSPHRASE = 'test-passphrase-1';
const HOST = 'mx';

interface TlsLab {
  host: string;
  mailName: string;
  dir: string;
  ports: Record<TlsListener, number>;
  dovecotConfig: string;
  nginxConfig: string;
}

/** What openssl says each port serves: the SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` prints it. */
function opensslServed(listener: TlsListener, port: number, serverName: string): string {
  const starttls = listener === 'smtp' || listener === 'submission' ? ['-starttls', 'smtp'] : [];
  const session = spawnSync('openssl', ['s_client', ...starttls, '-connect', `127.0.0.1:${port}`, '-servername', serverName], { input: '', encoding: 'utf8', timeout: 15_000 });
  const fingerprint = spawnSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: session.stdout, encoding: 'utf8' });
  const match = /Fingerprint=([0-9A-F:]+)/.exec(fingerprint.stdout);
  assert.ok(match?.[1], `openssl got no certificate from ${listener} :${port}: ${session.stderr.slice(0, 400)}`);
  return match[1];
}

function servedEverywhere(tls: TlsLab): Record<TlsListener, string> {
  return Object.fromEntries(Object.entries(tls.ports).map(([listener, port]) => [listener, opensslServed(listener as TlsListener, port, tls.mailName)])) as Record<TlsListener, string>;
}

const fileFingerprint = (tls: TlsLab) => execFileSync('openssl', ['x509', '-in', `${tls.dir}/mail.crt`, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).trim().replace(/^.*Fingerprint=/i, '');

describe('TLS deployment against the lab', () => {
  let t: TempCore;
  let l: Lab & { tls: TlsLab; dir: string };
  let openssl: OpensslLab;
  let releaseLock: () => void = () => {};
  let issued: TlsCertificateRecord;

  const issue = (names: string[]) => confirmAndRun<TlsCertificateRecord>(t.client, 'tls.issue', { host: HOST, names, authority: 'lab-ca' });
  const deploy = (certificate: string) => confirmAndRun<TlsDeployment>(t.client, 'tls.deploy', { host: HOST, certificate });

  before(async () => {
    releaseLock = await holdQueueLock('test/integration/tls.test.ts');
    l = lab() as Lab & { tls: TlsLab; dir: string };
    assert.ok(l.tls, 'lab.json has no tls section: run `bash scripts/lab/up.sh`');
    openssl = new OpensslLab();
    t = tempCore(PASSPHRASE);
    await confirmAndRun(t.client, 'inventory.sites.create', { name: 'lab' });
    await confirmAndRun(t.client, 'inventory.hosts.create', {
      name: HOST,
      site: 'lab',
      ssh: { user: l.users.sudo.name, address: '127.0.0.1', port: l.ssh.port },
      auth: 'key',
      privateKey: readKey(l.users.sudo.privateKey),
      privilege: 'sudo',
      pinnedFingerprint: l.ssh.hostKeyFingerprint,
      mailNames: [l.tls.mailName],
    });
    await confirmAndRun(t.client, 'tls.configure', { host: HOST, ports: l.tls.ports, dovecotConfig: l.tls.dovecotConfig, nginxConfig: l.tls.nginxConfig });
    await confirmAndRun(t.client, 'tls.ca.create', { name: 'lab-ca', site: 'lab', commonName: 'Copper Lab Test CA', permittedDomains: ['copper.test'] });
  });

  after(() => {
    t?.close();
    openssl?.cleanup();
    releaseLock();
  });

  test('deploys a certificate from the internal CA and every port serves it, as openssl sees it', async () => {
    issued = await issue([l.tls.mailName]);
    const fingerprint = issued.certificate?.fingerprintSha256;
    assert.ok(fingerprint);
    const before = servedEverywhere(l.tls);
    assert.ok(Object.values(before).every((f) => f !== fingerprint));

    const { plan } = await t.client.plan('tls.deploy', { host: HOST, certificate: issued.id });
    assert.equal(plan.certificate.fingerprintSha256, fingerprint);
    assert.deepEqual(plan.reloads, ['postfix', 'dovecot', 'nginx']);
    assert.deepEqual(plan.listeners.map((c) => [c.listener, c.servedFingerprintSha256]), Object.entries(before));
    assert.ok(plan.changes.some((c) => c.target === '/etc/copper/tls/mail.key' && /0600/.test(c.detail)));

    const deployment = await deploy(issued.id);
    assert.equal(deployment.state, 'verified');
    assert.equal(deployment.checks.length, 5);
    for (const check of deployment.checks) assert.equal(check.servedFingerprintSha256, fingerprint, `${check.listener} :${check.port}`);
    // The independent witness.
    assert.deepEqual(servedEverywhere(l.tls), { smtp: fingerprint, submission: fingerprint, smtps: fingerprint, imaps: fingerprint, https: fingerprint });
    const key = statSync(`${l.tls.dir}/mail.key`);
    assert.equal(key.mode & 0o777, 0o600);
    assert.equal(key.uid, 0);
    assert.equal(createPrivateKey(readFileSync(`${l.tls.dir}/mail.key`)).asymmetricKeyType, 'ec');

    // The key never reaches the audit trail; the record says what went where.
    const audit = await t.client.query('audit.list', { limit: 5 });
    const record = audit.records.find((r) => r.operation === 'tls.deploy');
    assert.ok(record);
    assert.doesNotMatch(JSON.stringify(audit), /PRIVATE KEY/);
    assert.equal((record.outcome.result as { fingerprintSha256: string }).fingerprintSha256, fingerprint);

    const status = await t.client.query('tls.status', {});
    const mine = status.hosts.find((h) => h.host === HOST);
    assert.equal(mine?.deployed?.fingerprintSha256, fingerprint);
    assert.equal(mine?.level, 'ok');
    assert.ok((mine?.daysLeft ?? 0) >= 390);
  });

  test('rolls back when one port serves another file after the reload, and the old certificate is served again', async () => {
    const old = issued.certificate?.fingerprintSha256;
    assert.ok(old);
    // A real misconfiguration: the submission service overrides the chain files in master.cf, so after the deployment
    // port 587 still serves another certificate. Only a check of what is served can see it.
    openssl.run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', '/CN=stray.copper.test', '-keyout', 'stray.key', '-out', 'stray.crt']);
    const stray = `${openssl.dir}/stray`;
    const entry = `127.0.0.1:${l.tls.ports.submission}/inet`;
    const original = execFileSync('postconf', ['-M', entry], { encoding: 'utf8' }).trim().replace(/\s+/g, ' ');
    assert.ok(original);
    try {
      execFileSync('postconf', ['-Me', `${entry}=${original.replace(/^\S+\s+/, `127.0.0.1:${l.tls.ports.submission} `)} -o smtpd_tls_chain_files=${stray}.key,${stray}.crt`]);
      execFileSync('postfix', ['reload'], { stdio: 'ignore' });
      const strayFingerprint = execFileSync('openssl', ['x509', '-in', `${stray}.crt`, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).trim().replace(/^.*Fingerprint=/i, '');
      await waitFor(() => opensslServed('submission', l.tls.ports.submission, l.tls.mailName) === strayFingerprint);

      const next = await issue([l.tls.mailName]);
      const error = await rejection(deploy(next.id));
      assert.equal(error.code, 'TLS_DEPLOY_ROLLED_BACK');
      assert.match(error.message, /submission STARTTLS on port 587 served SHA-256/);
      assert.match(error.message, /rolled back/);
      assert.match(error.message, new RegExp(old));
      // Everything serves what it served before: the old certificate, and 587 its stray one.
      assert.deepEqual(servedEverywhere(l.tls), { smtp: old, submission: strayFingerprint, smtps: old, imaps: old, https: old });
      assert.equal(fileFingerprint(l.tls), old);

      const [latest] = await t.client.query('tls.deployments', { host: HOST, limit: 1 });
      assert.equal(latest?.state, 'rolled-back');
      assert.equal(latest?.fingerprintSha256, next.certificate?.fingerprintSha256);
      const audit = await t.client.query('audit.list', { limit: 3 });
      const record = audit.records.find((r) => r.operation === 'tls.deploy');
      assert.equal(record?.outcome.status, 'failed');
      assert.equal(record?.outcome.code, 'TLS_DEPLOY_ROLLED_BACK');
      assert.match(record?.outcome.message ?? '', /rolled back/);
      // The status still names the certificate that is really served.
      const status = await t.client.query('tls.status', {});
      assert.equal(status.hosts.find((h) => h.host === HOST)?.deployed?.fingerprintSha256, old);
    } finally {
      execFileSync('postconf', ['-Me', `${entry}=${original.replace(/^\S+\s+/, `127.0.0.1:${l.tls.ports.submission} `)}`]);
      execFileSync('postfix', ['reload'], { stdio: 'ignore' });
    }
  });

  test('rolls back when a reload fails, and the old certificate is served again', async () => {
    const old = issued.certificate?.fingerprintSha256;
    assert.ok(old);
    // doveadm really fails: the configuration it is told to reload does not exist.
    await confirmAndRun(t.client, 'tls.configure', { host: HOST, dovecotConfig: '/etc/copper/no-such-dovecot.conf' });
    try {
      const next = await issue([l.tls.mailName]);
      const error = await rejection(deploy(next.id));
      assert.equal(error.code, 'TLS_DEPLOY_ROLLED_BACK');
      assert.match(error.message, /doveadm reload failed/);
      assert.deepEqual(servedEverywhere(l.tls), { smtp: old, submission: old, smtps: old, imaps: old, https: old });
    } finally {
      await confirmAndRun(t.client, 'tls.configure', { host: HOST, dovecotConfig: l.tls.dovecotConfig });
    }
  });

  describe('refuses before writing anything', () => {
    let servedBefore: Record<TlsListener, string>;
    let deploymentsBefore: number;

    before(async () => {
      servedBefore = servedEverywhere(l.tls);
      deploymentsBefore = (await t.client.query('tls.deployments', { host: HOST })).length;
      openssl.root('org-root', '/O=Copper Test Org/CN=Org Root');
      openssl.intermediate('org-issuing', 'org-root', '/O=Copper Test Org/CN=Org Issuing CA');
      await confirmAndRun(t.client, 'tls.ca.trust', { name: 'org-root', site: 'lab', certificatePem: openssl.read('org-root.pem') });
    });

    const refused = async (certificate: string, code: string) => {
      const error = await rejection(t.client.plan('tls.deploy', { host: HOST, certificate }));
      assert.equal(error.code, 'TLS_NOT_DEPLOYABLE');
      assert.match(error.message, /nothing was written/);
      const findings = (error.details as { findings: Array<{ code: string; severity: string }> }).findings;
      assert.ok(findings.some((f) => f.code === code && f.severity === 'error'), JSON.stringify(findings));
      return error;
    };

    after(async () => {
      assert.deepEqual(servedEverywhere(l.tls), servedBefore);
      assert.equal((await t.client.query('tls.deployments', { host: HOST })).length, deploymentsBefore);
    });

    test('a certificate for the wrong host', async () => {
      const other = await issue(['other.copper.test']);
      const error = await refused(other.id, 'TLS_NAME_NOT_COVERED');
      assert.match(error.message, /lab\.copper\.test/);
    });

    test('a chain missing its intermediate', async () => {
      openssl.server('no-intermediate', 'org-issuing', [l.tls.mailName]);
      const record = await confirmAndRun<TlsCertificateRecord>(t.client, 'tls.import', { host: HOST, names: [l.tls.mailName], chainPem: openssl.read('no-intermediate.pem') + openssl.read('no-intermediate.key') });
      await refused(record.id, 'TLS_CHAIN_INCOMPLETE');
    });

    test('a key that does not match: refused at import, and at deployment when the stored key was replaced', async () => {
      openssl.server('mismatch', 'org-issuing', [l.tls.mailName]);
      const wrongKey = openssl.read(openssl.key('stranger'));
      const error = await rejection(confirmAndRun(t.client, 'tls.import', { host: HOST, names: [l.tls.mailName], chainPem: openssl.read('mismatch.pem') + openssl.read('org-issuing.pem'), privateKeyPem: wrongKey }));
      assert.equal((error.details as { reason?: string }).reason, 'KEY_MISMATCH');
      // The vault restored from another backup: the key stored for the certificate is not its key any more.
      const good = await issue([l.tls.mailName]);
      const hostId = t.core.inventory.hostRow(HOST)?.id;
      assert.ok(hostId);
      await t.vault.set(tlsKeyRef(hostId, good.id), privateKeyToStored(generatePrivateKey('ecdsa-p256')));
      await refused(good.id, 'TLS_KEY_MISMATCH');
    });

    test('an expired certificate', async () => {
      const root = parseChainPem(openssl.read('org-issuing.pem')).certificates[0];
      assert.ok(root);
      const subjectKey = generatePrivateKey('ecdsa-p256');
      const longAgo = new Date(Date.now() - 400 * 86_400_000);
      const leaf = issueServerCertificate({ authority: { key: createPrivateKey(openssl.read('org-issuing.key')), certificate: root, permittedDomains: [] }, subjectKey, names: [l.tls.mailName], now: longAgo, validityDays: 30 });
      const chainPem = certificatePem(leaf) + openssl.read('org-issuing.pem');
      const record = await confirmAndRun<TlsCertificateRecord>(t.client, 'tls.import', { host: HOST, names: [l.tls.mailName], chainPem, privateKeyPem: privateKeyToStored(subjectKey) });
      const error = await refused(record.id, 'TLS_EXPIRED');
      assert.match(error.message, /expired/i);
    });
  });

  describe('the copper tls command', () => {
    const copper = (args: string[], input?: string) => runCopper(['--data-dir', t.dir, ...args], { env: { COPPER_PASSPHRASE: PASSPHRASE }, ...(input !== undefined ? { input } : {}) });

    test('status prints every host with its days left and exits 0 while nothing has expired', async () => {
      const run = await copper(['--json', 'tls', 'status']);
      assert.equal(run.code, 0, run.stderr);
      const status = JSON.parse(run.stdout) as { hosts: Array<{ host: string; level: string; deployed: { fingerprintSha256: string } | null }> };
      assert.equal(status.hosts.find((h) => h.host === HOST)?.deployed?.fingerprintSha256, issued.certificate?.fingerprintSha256);
      const human = await copper(['tls', 'status']);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, new RegExp(`${HOST}\\s+lab\\s+ok\\s+\\d+`));
    });

    test('csr prints a request that openssl verifies, for the host’s mail names', async () => {
      const run = await copper(['tls', 'csr', HOST]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+-----END CERTIFICATE REQUEST-----\n$/);
      openssl.write('cli.csr', run.stdout);
      const verified = openssl.attempt(['req', '-in', 'cli.csr', '-noout', '-verify', '-text']);
      assert.equal(verified.status, 0, verified.output);
      assert.match(verified.output, new RegExp(`DNS:${l.tls.mailName.replace(/\./g, '\\.')}`));
    });

    test('import reads DER files, and deploy refuses an undeployable certificate with exit 3 and a plan-less confirmation with exit 2', async () => {
      openssl.server('der-leaf', 'org-issuing', ['wrong.copper.test']);
      openssl.run(['x509', '-in', 'der-leaf.pem', '-outform', 'DER', '-out', 'der-leaf.der']);
      openssl.run(['x509', '-in', 'org-issuing.pem', '-outform', 'DER', '-out', 'org-issuing.cer']);
      const imported = await copper(['--json', 'tls', 'import', HOST, `${openssl.dir}/der-leaf.der`, `${openssl.dir}/org-issuing.cer`, `${openssl.dir}/der-leaf.key`, '--name', 'wrong.copper.test', '--yes']);
      assert.equal(imported.code, 0, imported.stderr + imported.stdout);
      const record = JSON.parse(imported.stdout) as TlsCertificateRecord;
      assert.equal(record.certificate?.dnsNames[0], 'wrong.copper.test');
      const refused = await copper(['tls', 'deploy', HOST, '--certificate', record.id, '--yes']);
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /does not cover lab\.copper\.test|lab\.copper\.test/);
      const unconfirmed = await copper(['tls', 'deploy', HOST, '--certificate', issued.id]);
      assert.equal(unconfirmed.code, 2, unconfirmed.stderr);
      assert.match(unconfirmed.stdout, /Plan: Deploy/);
      const usage = await copper(['tls', 'configure', HOST, '--port', 'gopher=70']);
      assert.equal(usage.code, 2);
    });

    test('import reads a PKCS#12 file with its password on standard input, and the imported chain deploys with its intermediate', async () => {
      openssl.server('p12-leaf', 'org-issuing', [l.tls.mailName]);
      openssl.run(['pkcs12', '-export', '-in', 'p12-leaf.pem', '-inkey', 'p12-leaf.key', '-certfile', 'org-issuing.pem', '-out', 'p12-leaf.p12', '-passout', 'pass:p12-secret-1']);
      const imported = await copper(['--json', 'tls', 'import', HOST, `${openssl.dir}/p12-leaf.p12`, '--password-stdin', '--yes'], 'p12-secret-1\n');
      assert.equal(imported.code, 0, imported.stderr + imported.stdout);
      const record = JSON.parse(imported.stdout) as TlsCertificateRecord;
      assert.deepEqual(record.findings.filter((f) => f.severity === 'error'), []);
      const audit = await t.client.query('audit.list', { limit: 20 });
      assert.doesNotMatch(JSON.stringify(audit), /p12-secret-1/);

      const run = await copper(['tls', 'deploy', HOST, '--certificate', record.id, '--yes']);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      const leaf = record.certificate?.fingerprintSha256;
      assert.ok(leaf);
      assert.equal(opensslServed('smtps', l.tls.ports.smtps, l.tls.mailName), leaf);
      // The chain file holds the leaf and then the intermediate, as clients need it.
      const deployed = readFileSync(`${l.tls.dir}/mail.crt`, 'utf8');
      assert.equal(deployed.match(/-----BEGIN CERTIFICATE-----/g)?.length, 2);
      assert.equal(deployed, record.chainPem);
    });

    test('status exits 3 when a host’s deployed certificate has expired, and names it', async () => {
      // A host whose last verified deployment has run out: recorded as the console would have recorded it then.
      await confirmAndRun(t.client, 'inventory.hosts.create', { name: 'mx-old', site: 'lab', ssh: { user: 'root', address: '127.0.0.1', port: l.ssh.port }, auth: 'agent', mailNames: ['old.copper.test'] });
      const hostId = t.core.inventory.hostRow('mx-old')?.id;
      const yesterday = new Date(Date.now() - 86_400_000).toISOString();
      t.core.db
        .prepare(`INSERT INTO tls_deployments (host_id, fingerprint_sha256, names, not_after, state, step, restore, actor, started_at, finished_at) VALUES (?, 'AB:CD', '["old.copper.test"]', ?, 'verified', 'checked', '{}', 'tester', ?, ?)`)
        .run(hostId, yesterday, yesterday, yesterday);
      try {
        const run = await copper(['tls', 'status']);
        assert.equal(run.code, 3, run.stderr);
        assert.match(run.stdout, /mx-old\s+lab\s+EXPIRED\s+-1/);
        const json = await copper(['--json', 'tls', 'status']);
        assert.equal(json.code, 3);
        assert.equal((JSON.parse(json.stdout) as { hosts: Array<{ host: string; level: string }> }).hosts.find((h) => h.host === 'mx-old')?.level, 'expired');
      } finally {
        await confirmAndRun(t.client, 'inventory.hosts.delete', { name: 'mx-old' });
      }
    });

    test('deploy --yes deploys and prints every port it checked', async () => {
      const run = await copper(['tls', 'deploy', HOST, '--certificate', issued.id, '--yes']);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      for (const port of Object.values(l.tls.ports)) assert.match(run.stdout, new RegExp(`127\\.0\\.0\\.1:${port}\\s+ok`));
      assert.equal(fileFingerprint(l.tls), issued.certificate?.fingerprintSha256);
    });
  });

  test('a deployment killed midway is taken over: the next one rolls back to what was served before the killed one', async () => {
    const original = issued.certificate?.fingerprintSha256;
    assert.ok(original);
    assert.equal(fileFingerprint(l.tls), original);
    // A listener that accepts and never answers keeps a deployment in its checks: long enough to kill the first one
    // there (after it wrote the new files and reloaded the services), and a sure failure for the second one.
    const silent: Server = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    const latestRow = () => t.core.db.prepare('SELECT id, state, step FROM tls_deployments ORDER BY id DESC LIMIT 1').get() as { id: number; state: string; step: string };
    const killedCertificate = await issue([l.tls.mailName]);
    const killedFingerprint = killedCertificate.certificate?.fingerprintSha256;
    assert.ok(killedFingerprint);
    try {
      await confirmAndRun(t.client, 'tls.configure', { host: HOST, ports: { https: silentPort } });
      const before = latestRow().id;
      const child = startCopper(['--data-dir', t.dir, 'tls', 'deploy', HOST, '--certificate', killedCertificate.id, '--yes'], { COPPER_PASSPHRASE: PASSPHRASE });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await waitFor(() => latestRow().id > before && latestRow().step === 'reloaded', 120_000);
      child.kill('SIGKILL');
      await exited;
      assert.equal(latestRow().state, 'writing');
      // Half-switched, as a crash leaves it: the new certificate is in place and served, but was never verified.
      await waitFor(() => opensslServed('smtp', l.tls.ports.smtp, l.tls.mailName) === killedFingerprint);
      const status = await t.client.query('tls.status', {});
      const mine = status.hosts.find((h) => h.host === HOST);
      assert.equal(mine?.interrupted?.fingerprintSha256, killedFingerprint);
      assert.equal(mine?.interrupted?.step, 'reloaded');
      assert.equal(mine?.deployed?.fingerprintSha256, original);

      // The next deployment takes over from the killed one's backup, fails its checks, and rolls back to the original.
      const next = await issue([l.tls.mailName]);
      const { plan } = await t.client.plan('tls.deploy', { host: HOST, certificate: next.id });
      assert.equal(plan.resumes, latestRow().id);
      assert.ok(plan.changes.some((c) => c.action === 'keep' && /backup/.test(c.target)));
      const error = await rejection(deploy(next.id));
      assert.equal(error.code, 'TLS_DEPLOY_ROLLED_BACK', error.message);
      assert.equal(fileFingerprint(l.tls), original);
      assert.deepEqual(servedEverywhere(l.tls), { smtp: original, submission: original, smtps: original, imaps: original, https: original });
      const [taker, killed] = await t.client.query('tls.deployments', { host: HOST, limit: 2 });
      assert.equal(taker?.state, 'rolled-back');
      assert.equal(killed?.state, 'superseded');
      assert.equal((await t.client.query('tls.status', {})).hosts.find((h) => h.host === HOST)?.interrupted, null);
    } finally {
      silent.close();
      await confirmAndRun(t.client, 'tls.configure', { host: HOST, ports: l.tls.ports });
    }
  });
});

/** Runs `copper ARGS` in the background, for a test that kills it midway. */
function startCopper(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [copperBin, ...args], { cwd: repoRoot, env: { ...process.env, COPPER_HOME: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function waitFor(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('timed out waiting for the lab');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

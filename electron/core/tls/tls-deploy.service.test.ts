import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { CopperError, HostCreateInput, SiteCreateInput } from '../../../shared/contract';
import { Container } from '../../../shared/contract/docker';
import type { Clock } from '../app/clock';
import { openDatabase, type Db } from '../db/database';
import type { ExecTargets } from '../exec/exec-targets';
import { InventoryService } from '../inventory/inventory.service';
import { PassphraseVault } from '../secrets/passphrase-vault';
import { CHAIN_FILE, KEY_FILE, makeDirectoryArgv, parsePostconfValues, parseState, postconfSetArgv, writeFileArgv } from './deploy-layout';
import { placeDeployment, whereReloaded } from './deploy-places';
import { TlsDeployService } from './tls-deploy.service';
import { TlsService } from './tls.service';

/*
 * What the deployment service decides without a server: the expiry view from its records, and the refusals that come
 * before any connection. Deploying itself is proven against the lab (test/integration/tls.test.ts).
 */
const DAY = 86_400_000;
let dir: string;
let db: Db;
let inventory: InventoryService;
let service: TlsDeployService;
const clock: Clock & { at: Date } = { at: new Date('2026-11-21T12:00:00Z'), now: () => clock.at };
/** Any attempt to reach a server fails the test: these behaviours must not need one. */
const noServers = {
  onHost: () => {
    throw new Error('the service tried to contact a server');
  },
} as unknown as ExecTargets;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'copper-tls-deploy-'));
  db = openDatabase(join(dir, 'copper.db'));
  const vault = new PassphraseVault({ file: join(dir, 'vault.bin'), passphrase: async () => 'test-passphrase-1', log2N: 12 });
  inventory = new InventoryService(db, vault, clock);
  inventory.createSite(SiteCreateInput.parse({ name: 'hq' }));
  const ssh = { user: 'root', address: '10.0.0.5', port: 22 };
  await inventory.createHost(HostCreateInput.parse({ name: 'mx1', site: 'hq', ssh, auth: 'agent', mailNames: ['mx1.example.org'] }));
  await inventory.createHost(HostCreateInput.parse({ name: 'mx2', site: 'hq', ssh, auth: 'agent' }));
  await inventory.createHost(HostCreateInput.parse({ name: 'mx3', site: 'hq', ssh, auth: 'agent', mode: 'docker', mailNames: ['mx3.example.org'] }));
  service = new TlsDeployService(db, clock, inventory, noServers, new TlsService(db, vault, clock, inventory));
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function recordDeployment(host: string, state: string, notAfterInDays: number, step = 'checked'): void {
  const hostId = inventory.hostRow(host)?.id;
  db.prepare(
    `INSERT INTO tls_deployments (host_id, certificate_id, fingerprint_sha256, names, not_after, state, step, restore, actor, started_at)
     VALUES (?, NULL, ?, '[]', ?, ?, ?, '{}', 'tester', ?)`,
  ).run(hostId, `AA:${state}:${notAfterInDays}`, new Date(clock.at.getTime() + notAfterInDays * DAY).toISOString(), state, step, clock.at.toISOString());
}

test('the expiry view reads the last verified deployment: days left and the 30/14/7-day level', () => {
  recordDeployment('mx1', 'verified', 100);
  recordDeployment('mx1', 'verified', 10.5);
  recordDeployment('mx1', 'rolled-back', 300); // never served: it does not count
  const mx1 = service.status().hosts.find((h) => h.host === 'mx1');
  assert.equal(mx1?.deployed?.fingerprintSha256, 'AA:verified:10.5');
  assert.equal(mx1?.daysLeft, 10);
  assert.equal(mx1?.level, 'within-14-days');
  assert.equal(mx1?.interrupted, null);
  assert.equal(service.status().hosts.find((h) => h.host === 'mx2')?.level, 'none');

  clock.at = new Date(clock.at.getTime() + 11 * DAY);
  const later = service.status().hosts.find((h) => h.host === 'mx1');
  assert.equal(later?.level, 'expired');
  assert.equal(later?.daysLeft, -1);
});

test('a deployment that never finished is reported as interrupted, with the step it stopped at', () => {
  recordDeployment('mx1', 'verified', 200);
  recordDeployment('mx1', 'writing', 397, 'written');
  const mx1 = service.status().hosts.find((h) => h.host === 'mx1');
  assert.equal(mx1?.deployed?.notAfter.slice(0, 10), new Date(clock.at.getTime() + 200 * DAY).toISOString().slice(0, 10));
  assert.equal(mx1?.interrupted?.step, 'written');
  assert.equal(mx1?.level, 'ok');
});

test('refuses a host without mail names, and one without a certificate, before contacting either', async () => {
  await assert.rejects(service.planDeploy({ host: 'mx2' }), (error) => error instanceof CopperError && error.code === 'TLS_NOT_DEPLOYABLE' && /no mail names/.test(error.message));
  await assert.rejects(service.planDeploy({ host: 'mx1' }), (error) => error instanceof CopperError && error.code === 'NOT_FOUND' && /no certificate ready/.test(error.message));
  // A docker-mode host is no longer refused for its mode: it gets as far as the certificate.
  await assert.rejects(service.planDeploy({ host: 'mx3' }), (error) => error instanceof CopperError && error.code === 'NOT_FOUND' && /no certificate ready/.test(error.message));
});

test('docker mode: files on the host, each service in the running container that runs it; one without a container is skipped and named', async () => {
  const where = (target: { description: string } | null) => target?.description ?? null;
  const exec = {
    onHost: (host: string) => ({ description: `${host} (host)` }),
    inContainer: async (host: string, container: string) => ({ description: `${host} / container ${container}` }),
  } as unknown as ExecTargets;
  const running = (...containers: Array<[string, string, string]>) => async () =>
    containers.map(([name, labels, state]) => Container.parse({ id: name, name: `/${name}`, image: 'copper/x:1', state, status: '', health: 'none', restartCount: 0, createdAt: clock.at.toISOString(), ports: [], labels: { 'copper.components': labels } }));
  const settings = { address: null, ports: { smtp: 25, submission: null, smtps: null, imaps: 993, https: 443 }, dovecotConfig: '/etc/dovecot/dovecot.conf', nginxConfig: '/etc/nginx/nginx.conf' };
  const docker = inventory.getHost('mx3');

  const full = await placeDeployment(docker, settings, exec, running(['copper-mail', 'postfix,dovecot,rspamd,clamd', 'running'], ['copper-proxy', 'nginx', 'running']));
  assert.deepEqual([full.places.files, full.places.postfix, full.places.dovecot, full.places.nginx].map(where), ['mx3 (host)', 'mx3 / container copper-mail', 'mx3 / container copper-mail', 'mx3 / container copper-proxy']);
  assert.deepEqual(full.settings, settings);
  assert.deepEqual(full.warnings, []);
  assert.equal(whereReloaded(full.places, 'nginx'), 'nginx in container copper-proxy');

  const noProxy = await placeDeployment(docker, settings, exec, running(['copper-mail', 'postfix,dovecot', 'running'], ['copper-proxy', 'nginx', 'exited']));
  assert.equal(noProxy.places.nginx, null);
  assert.equal(noProxy.settings.nginxConfig, null, 'treated as a host without a reverse proxy: no include written, no reload');
  assert.equal(noProxy.settings.ports.https, 443, 'its port is still checked');
  assert.equal(noProxy.warnings.length, 1);
  assert.match(noProxy.warnings[0] ?? '', /No running container on mx3 runs the reverse proxy \(nginx\).*copper\.components=nginx/);

  const native = await placeDeployment(inventory.getHost('mx1'), settings, exec, null);
  assert.deepEqual([native.places.files, native.places.postfix, native.places.dovecot, native.places.nginx].map(where), ['mx1 (host)', 'mx1 (host)', 'mx1 (host)', 'mx1 (host)']);
  assert.equal(whereReloaded(native.places, 'postfix'), 'postfix');
  await assert.rejects(placeDeployment(docker, settings, exec, null), (error) => error instanceof CopperError && error.code === 'INVALID_INPUT' && /docker mode/.test(error.message));
});

test('host settings default to the standard ports and merge what the operator changes', () => {
  assert.deepEqual(service.settings('mx1').ports, { smtp: 25, submission: 587, smtps: 465, imaps: 993, https: 443 });
  const planned = service.planConfigure({ host: 'mx1', ports: { https: null }, dovecotConfig: '/srv/dovecot/dovecot.conf', defaults: false });
  assert.deepEqual(planned.changes.map((c) => c.target), ['HTTPS (reverse proxy) port of mx1', 'Dovecot configuration of mx1']);
  service.configure({ host: 'mx1', ports: { https: null }, dovecotConfig: '/srv/dovecot/dovecot.conf', defaults: false });
  assert.equal(service.settings('mx1').ports.https, null);
  assert.equal(service.settings('mx1').ports.smtp, 25);
  assert.equal(service.configure({ host: 'mx1', defaults: true }).dovecotConfig, '/etc/dovecot/dovecot.conf');
});

test('the key is written by install from standard input, mode 0600, owner root; no argument carries content', () => {
  assert.deepEqual(writeFileArgv(KEY_FILE, '0600'), ['/usr/bin/install', '-m', '0600', '-o', 'root', '-g', 'root', '/dev/stdin', '/etc/copper/tls/mail.key']);
  assert.deepEqual(writeFileArgv(CHAIN_FILE, '0644').slice(-2), ['/dev/stdin', '/etc/copper/tls/mail.crt']);
  assert.deepEqual(makeDirectoryArgv(), ['/usr/bin/install', '-d', '-m', '0755', '-o', 'root', '-g', 'root', '/etc/copper/tls']);
  assert.deepEqual(postconfSetArgv({ smtpd_tls_chain_files: '/etc/copper/tls/mail.key, /etc/copper/tls/mail.crt' }), ['/usr/sbin/postconf', '-e', 'smtpd_tls_chain_files=/etc/copper/tls/mail.key, /etc/copper/tls/mail.crt']);
});

test('reads postconf and the file state as the tools print them', () => {
  assert.deepEqual(parsePostconfValues('smtpd_tls_chain_files = /a.key, /a.crt\nsmtpd_tls_security_level =\nmyhostname = x\n'), { smtpd_tls_chain_files: '/a.key, /a.crt', smtpd_tls_security_level: '' });
  assert.deepEqual([...parseState('present /etc/copper/tls/mail.crt\nabsent /etc/copper/tls/mail.key\npresent ../../etc/shadow\n')], ['/etc/copper/tls/mail.crt']);
});

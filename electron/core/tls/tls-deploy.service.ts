import { z } from 'zod';
import { CopperError, type Host, type PlannedChange } from '../../../shared/contract';
import {
  DEFAULT_TLS_HOST_SETTINGS,
  TLS_LISTENERS,
  TLS_LISTENER_WORDS,
  TlsDeployment,
  TlsHostSettings,
  TlsListenerCheck,
  type CertificateSummary,
  type TlsCertificateRecord,
  type TlsDeployPlan,
  type TlsHostStatus,
  type TlsValidation,
} from '../../../shared/contract/tls';
import type { Clock } from '../app/clock';
import type { Db } from '../db/database';
import type { ExecTargets } from '../exec/exec-targets';
import type { InventoryService } from '../inventory/inventory.service';
import { plan } from '../inventory/inventory.service';
import { parseChainPem, type ParsedCertificate } from './certificate-info';
import {
  backupOf,
  CHAIN_FILE,
  copyArgv,
  DOVECOT_INCLUDE,
  DOVECOT_INCLUDE_TEXT,
  dovecotReloadArgv,
  KEY_FILE,
  makeDirectoryArgv,
  NGINX_INCLUDE,
  NGINX_INCLUDE_TEXT,
  nginxReloadArgv,
  nginxTestArgv,
  POSTFIX_CHAIN_FILES,
  POSTFIX_SETTINGS,
  postconfRemoveArgv,
  postconfSetArgv,
  postfixReloadArgv,
  writeFileArgv,
  type PostfixSetting,
} from './deploy-layout';
import { containersNotSeeingHostFiles, placeDeployment, whereReloaded, type DeployPlaces, type RunningContainers } from './deploy-places';
import { daysLeft, expiryLevel } from './expiry';
import { checkListeners, checkUntilServed, type CheckOptions } from './listener-checks';
import { readRemote, runRoot, runRootOrFail, serverText, type RemoteState } from './deploy-remote';
import type { TlsService } from './tls.service';
import { validateCertificate } from './validate';

/** What a rollback needs, recorded before the first write. Never key material: the old key stays on the server. */
const RestoreData = z.object({
  /** mail.crt and mail.key existed and were copied to their .previous files. */
  hadBackup: z.boolean(),
  /** Postfix settings main.cf set itself before (absent ones are removed again). */
  postfixExplicit: z.record(z.string(), z.string()),
  dovecotInclude: z.string().nullable(),
  nginxInclude: z.string().nullable(),
  /** What each listener served before: what it must serve again after a rollback. */
  served: z.array(TlsListenerCheck),
});
type RestoreData = z.infer<typeof RestoreData>;

interface DeploymentRow {
  id: number;
  host_name: string;
  certificate_id: string | null;
  fingerprint_sha256: string;
  names: string;
  not_after: string;
  previous_fingerprint_sha256: string | null;
  state: TlsDeployment['state'];
  step: TlsDeployment['step'];
  restore: string;
  checks: string;
  problem: string | null;
  actor: string;
  owner_pid: number | null;
  started_at: string;
  finished_at: string | null;
}

type Service = 'postfix' | 'dovecot' | 'nginx';

const DEPLOYMENT_SELECT = 'SELECT d.*, h.name AS host_name FROM tls_deployments d JOIN hosts h ON h.id = d.host_id';

interface Material {
  host: Host;
  record: TlsCertificateRecord & { chainPem: string; certificate: CertificateSummary };
  chain: ParsedCertificate[];
  validation: TlsValidation;
}

/** Timeouts of the checks (tests of unreachable listeners lower them). */
export type DeployOptions = Omit<CheckOptions, 'signal'>;

/**
 * Deploys a host's certificate to Postfix, Dovecot and the reverse proxy, proves by fingerprint what each port serves,
 * and rolls back to the previous certificate when anything fails. Every step is recorded before it is taken, so a
 * console killed midway leaves a deployment marked `writing` whose backup the next deployment starts from.
 *
 * Both modes write the same files on the host; in docker mode the services are configured and reloaded inside their
 * containers (deploy-places.ts says why).
 */
export class TlsDeployService {
  /** Hosts with a deployment running in this process: a second one would overwrite the first one's backup. */
  private readonly running = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
    private readonly exec: ExecTargets,
    private readonly tls: TlsService,
    /** Finds the containers of a docker-mode host; null: docker-mode hosts are refused. */
    private readonly runningContainers: RunningContainers | null = null,
    private readonly options: DeployOptions = {},
  ) {}

  // ── Settings ───────────────────────────────────────────────────────────────

  settings(hostName: string): TlsHostSettings {
    const row = this.db.prepare('SELECT s.settings FROM tls_host_settings s JOIN hosts h ON h.id = s.host_id WHERE h.name = ?').get(this.inventory.getHost(hostName).name) as
      | { settings: string }
      | undefined;
    return row ? TlsHostSettings.parse(JSON.parse(row.settings)) : DEFAULT_TLS_HOST_SETTINGS;
  }

  private merged(input: ConfigureInput): TlsHostSettings {
    const base = input.defaults ? DEFAULT_TLS_HOST_SETTINGS : this.settings(input.host);
    return TlsHostSettings.parse({
      address: input.address !== undefined ? input.address : base.address,
      ports: { ...base.ports, ...(input.ports ?? {}) },
      dovecotConfig: input.dovecotConfig !== undefined ? input.dovecotConfig : base.dovecotConfig,
      nginxConfig: input.nginxConfig !== undefined ? input.nginxConfig : base.nginxConfig,
    });
  }

  planConfigure(input: ConfigureInput) {
    const host = this.inventory.getHost(input.host).name;
    const before = this.settings(host);
    const after = this.merged(input);
    const changes: PlannedChange[] = [];
    const show = (value: unknown) => (value === null ? 'none' : String(value));
    for (const listener of TLS_LISTENERS) {
      if (before.ports[listener] !== after.ports[listener]) changes.push({ action: 'update', target: `${TLS_LISTENER_WORDS[listener]} port of ${host}`, detail: `${show(before.ports[listener])} → ${show(after.ports[listener])}` });
    }
    if (before.address !== after.address) changes.push({ action: 'update', target: `address checked for ${host}`, detail: `${before.address ?? 'the SSH address'} → ${after.address ?? 'the SSH address'}` });
    if (before.dovecotConfig !== after.dovecotConfig) changes.push({ action: 'update', target: `Dovecot configuration of ${host}`, detail: `${show(before.dovecotConfig)} → ${show(after.dovecotConfig)}` });
    if (before.nginxConfig !== after.nginxConfig) changes.push({ action: 'update', target: `reverse proxy configuration of ${host}`, detail: `${show(before.nginxConfig)} → ${show(after.nginxConfig)}` });
    return { ...plan(`Change where the console deploys and checks certificates on ${host}`, changes), settings: after };
  }

  configure(input: ConfigureInput): TlsHostSettings {
    const host = this.requireHostRow(input.host);
    const settings = this.merged(input);
    this.db
      .prepare('INSERT INTO tls_host_settings (host_id, settings, updated_at) VALUES (?, ?, ?) ON CONFLICT(host_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at')
      .run(host.id, JSON.stringify(settings), this.clock.now().toISOString());
    return settings;
  }

  // ── tls.deploy ─────────────────────────────────────────────────────────────

  async planDeploy(input: { host: string; certificate?: string | undefined }, signal?: AbortSignal): Promise<TlsDeployPlan> {
    const material = await this.material(input.host, input.certificate);
    const { host, record } = material;
    const placed = await placeDeployment(host, this.settings(host.name), this.exec, this.runningContainers, signal);
    const { places, settings } = placed;
    const remote = await readRemote(places, settings);
    const interrupted = this.interrupted(host.name);
    if (interrupted && this.busy(interrupted)) throw new CopperError('IN_USE', `A certificate is being deployed to ${host.name} right now (deployment #${interrupted.id}). Wait for it to finish.`);
    const listeners = await checkListeners(host, settings, null, this.checkOptions(signal));
    const leaf = record.certificate;
    const changes: PlannedChange[] = [];
    if (interrupted && interrupted.step !== 'started') {
      changes.push({ action: 'keep', target: `backup ${backupOf(CHAIN_FILE)} and ${backupOf(KEY_FILE)}`, detail: `left by the interrupted deployment #${interrupted.id}: it stays the state to roll back to` });
    } else if (remote.present.has(CHAIN_FILE) && remote.present.has(KEY_FILE)) {
      changes.push({ action: 'create', target: `backup ${backupOf(CHAIN_FILE)} and ${backupOf(KEY_FILE)}`, detail: `copies of the certificate and key there now${remote.current ? `, SHA-256 ${remote.current.summary.fingerprintSha256}` : ''}` });
    }
    changes.push(
      { action: remote.present.has(CHAIN_FILE) ? 'update' : 'create', target: CHAIN_FILE, detail: `${leaf.subject}, valid until ${leaf.notAfter.slice(0, 10)}, SHA-256 ${leaf.fingerprintSha256}; ${material.chain.length > 1 ? `with ${material.chain.length - 1} intermediate certificate(s)` : 'no intermediate'} (mode 0644)` },
      { action: remote.present.has(KEY_FILE) ? 'update' : 'create', target: KEY_FILE, detail: 'its private key from the console (mode 0600, owner root); never shown or recorded' },
    );
    const postfixChanges = this.postfixChanges(remote, places);
    if (Object.keys(postfixChanges).length) {
      changes.push({ action: 'update', target: places.docker ? `Postfix main.cf (${whereReloaded(places, 'postfix')})` : 'Postfix main.cf', detail: Object.entries(postfixChanges).map(([k, v]) => `${k} = ${v}`).join('; ') });
    }
    if (settings.dovecotConfig && remote.dovecotInclude !== DOVECOT_INCLUDE_TEXT) {
      changes.push({ action: remote.dovecotInclude === null ? 'create' : 'update', target: DOVECOT_INCLUDE, detail: `ssl_cert and ssl_key for Dovecot (${settings.dovecotConfig} must include it)` });
    }
    if (settings.nginxConfig && remote.nginxInclude !== NGINX_INCLUDE_TEXT) {
      changes.push({ action: remote.nginxInclude === null ? 'create' : 'update', target: NGINX_INCLUDE, detail: `ssl_certificate and ssl_certificate_key for the reverse proxy (${settings.nginxConfig} must include it)` });
    }
    const reloads = this.reloads(settings, places);
    if (reloads.length) {
      changes.push({ action: 'update', target: `services ${reloads.map((service) => whereReloaded(places, service)).join(', ')}`, detail: 'reloaded; then the certificate served on every port is checked, and everything rolled back if any check fails' });
    }

    const warnings = material.validation.findings.filter((f) => f.severity === 'warning').map((f) => f.message);
    warnings.push(...placed.warnings, ...(await containersNotSeeingHostFiles(places, remote.current?.summary.fingerprintSha256 ?? null)));
    if (places.docker && Object.keys(postfixChanges).length) {
      warnings.push(`Postfix's settings are changed inside its container, and a replaced container starts from its image's settings again: the image must set smtpd_tls_chain_files from ${CHAIN_FILE.slice(0, CHAIN_FILE.lastIndexOf('/'))} itself at every start (the Copper image does), or STARTTLS is gone after the next update.`);
    }
    for (const check of listeners) {
      if (check.problem) warnings.push(`${TLS_LISTENER_WORDS[check.listener]} on ${check.address}:${check.port} does not answer now (${check.problem}): its check will fail and the deployment roll back, unless it comes up. If the host has no such listener, set its port to none (tls.configure).`);
    }
    if (!remote.present.has(CHAIN_FILE) || !remote.present.has(KEY_FILE)) warnings.push(`${host.name} has no certificate in ${CHAIN_FILE} yet: if a check fails there is no earlier certificate to roll back to.`);
    if (interrupted) warnings.unshift(`The deployment #${interrupted.id} of ${interrupted.fingerprint_sha256} (started ${interrupted.started_at}) did not finish. This deployment takes over: on failure it rolls back to the certificate that was served before #${interrupted.id}.`);
    if (remote.current?.summary.fingerprintSha256 === leaf.fingerprintSha256) warnings.push('This certificate is already in the host’s certificate file: the deployment rewrites it and checks every port again.');
    return {
      ...plan(`Deploy ${leaf.commonName ?? leaf.subject} to ${host.name} and check it on ${listeners.length} port${listeners.length === 1 ? '' : 's'}`, changes, warnings),
      certificateId: record.id,
      certificate: leaf,
      findings: material.validation.findings,
      current: remote.current?.summary ?? null,
      reloads,
      listeners,
      resumes: interrupted?.id ?? null,
    };
  }

  async deploy(input: { host: string; certificate?: string | undefined }, actor: string, signal?: AbortSignal): Promise<TlsDeployment> {
    const material = await this.material(input.host, input.certificate);
    const { host } = material;
    if (this.running.has(host.name)) throw new CopperError('IN_USE', `A certificate is being deployed to ${host.name} right now. Wait for it to finish.`);
    this.running.add(host.name);
    try {
      return await this.deployLocked(material, actor, signal);
    } finally {
      this.running.delete(host.name);
    }
  }

  private async deployLocked(material: Material, actor: string, signal?: AbortSignal): Promise<TlsDeployment> {
    const { host, record } = material;
    const { places, settings } = await placeDeployment(host, this.settings(host.name), this.exec, this.runningContainers, signal);
    const remote = await readRemote(places, settings);
    const interrupted = this.interrupted(host.name);
    // This process runs one deployment per host at a time (deploy() checked), so a row of its own here is a leftover.
    if (interrupted && interrupted.owner_pid !== process.pid && isRunning(interrupted.owner_pid)) {
      throw new CopperError('IN_USE', `Another console process (PID ${interrupted.owner_pid}) is deploying a certificate to ${host.name} right now (deployment #${interrupted.id}). Wait for it to finish.`);
    }
    // An interrupted deployment that had taken its backup may have written its files since: the backup on the server is
    // the last state known to work, and must not be overwritten by the half-written one. One stopped before that
    // point wrote nothing, so what is there now is still what was served.
    const resumeBackup = interrupted !== undefined && interrupted.step !== 'started';
    let restore: RestoreData;
    if (interrupted) {
      restore = RestoreData.parse(JSON.parse(interrupted.restore));
    } else {
      restore = {
        hadBackup: remote.present.has(CHAIN_FILE) && remote.present.has(KEY_FILE),
        postfixExplicit: remote.postfixExplicit as Record<string, string>,
        dovecotInclude: remote.dovecotInclude,
        nginxInclude: remote.nginxInclude,
        served: await checkListeners(host, settings, null, this.checkOptions(signal)),
      };
    }
    if (signal?.aborted) throw new CopperError('CANCELLED', 'The deployment was cancelled before anything was written.');
    const previousFingerprint = interrupted ? interrupted.previous_fingerprint_sha256 : (remote.current?.summary.fingerprintSha256 ?? null);
    const hostId = this.requireHostRow(host.name).id;
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO tls_deployments (host_id, certificate_id, fingerprint_sha256, names, not_after, previous_fingerprint_sha256, state, restore, actor, owner_pid, started_at)
           VALUES (?, ?, ?, ?, ?, ?, 'writing', ?, ?, ?, ?)`,
        )
        .run(hostId, record.id, record.certificate.fingerprintSha256, JSON.stringify(record.certificate.dnsNames), record.certificate.notAfter, previousFingerprint, JSON.stringify(restore), actor, process.pid, this.now()).lastInsertRowid,
    );
    if (interrupted) {
      this.db.prepare(`UPDATE tls_deployments SET state = 'superseded', problem = ?, finished_at = ? WHERE id = ?`).run(`Interrupted; deployment #${id} took over from its backup.`, this.now(), interrupted.id);
    }

    // From here on, nothing honours cancel: stopping between writing and checking would leave the host half-switched.
    let failure: string | null = null;
    let notReloaded: ReadonlySet<Service> = new Set();
    // Whether the .previous files hold what was served: only then may a rollback copy them back. A backup that failed
    // halfway leaves them holding an older deployment's files (and nothing new was written yet).
    let backupValid = resumeBackup;
    try {
      if (!resumeBackup && restore.hadBackup) {
        await runRootOrFail(places.files, copyArgv(CHAIN_FILE, backupOf(CHAIN_FILE)), 'back up the certificate');
        await runRootOrFail(places.files, copyArgv(KEY_FILE, backupOf(KEY_FILE)), 'back up the key');
        backupValid = true;
      }
      this.step(id, 'backed-up');
      await this.write(material, settings, remote, places);
      this.step(id, 'written');
      const reload = await this.reloadAll(places, settings);
      failure = reload.problem;
      notReloaded = reload.failed;
      this.step(id, 'reloaded');
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    let checks: TlsListenerCheck[] = [];
    if (failure === null) {
      checks = await checkUntilServed(host, settings, () => record.certificate.fingerprintSha256, this.checkOptions());
      this.step(id, 'checked');
      const failed = checks.filter((c) => !c.ok);
      if (!failed.length) {
        this.finish(id, 'verified', checks, null);
        return this.deployment(id);
      }
      failure = failed.map((c) => `${TLS_LISTENER_WORDS[c.listener]} on port ${c.port} ${c.problem ?? 'failed'}`).join('; ');
    }
    return this.rollBack(id, host, settings, places, { ...restore, hadBackup: restore.hadBackup && backupValid }, failure, checks, notReloaded);
  }

  /** Puts the previous files and settings back, reloads, and proves the old certificate is served again. Always throws. */
  private async rollBack(
    id: number,
    host: Host,
    settings: TlsHostSettings,
    places: DeployPlaces,
    restore: RestoreData,
    failure: string,
    checks: TlsListenerCheck[],
    notReloaded: ReadonlySet<Service>,
  ): Promise<never> {
    let rollbackProblem: string | null = null;
    let after: TlsListenerCheck[] = [];
    try {
      if (restore.hadBackup) {
        await runRootOrFail(places.files, copyArgv(backupOf(CHAIN_FILE), CHAIN_FILE), 'restore the certificate');
        await runRootOrFail(places.files, copyArgv(backupOf(KEY_FILE), KEY_FILE), 'restore the key');
      }
      const remote = await readRemote(places, settings);
      if (settings.dovecotConfig && restore.dovecotInclude !== null && remote.dovecotInclude !== restore.dovecotInclude) {
        await runRootOrFail(places.files, writeFileArgv(DOVECOT_INCLUDE, '0644'), 'restore the Dovecot include', restore.dovecotInclude);
      }
      if (settings.nginxConfig && restore.nginxInclude !== null && remote.nginxInclude !== restore.nginxInclude) {
        await runRootOrFail(places.files, writeFileArgv(NGINX_INCLUDE, '0644'), 'restore the reverse proxy include', restore.nginxInclude);
      }
      const set: Partial<Record<PostfixSetting, string>> = {};
      const remove: PostfixSetting[] = [];
      for (const name of POSTFIX_SETTINGS) {
        const was = restore.postfixExplicit[name];
        if (was === undefined && remote.postfixExplicit[name] !== undefined) remove.push(name);
        else if (was !== undefined && remote.postfixExplicit[name] !== was) set[name] = was;
      }
      // Without a Postfix to read (docker mode, no container) both maps are empty and nothing is set or removed.
      if (places.postfix && Object.keys(set).length) await runRootOrFail(places.postfix, postconfSetArgv(set), 'restore the Postfix settings');
      if (places.postfix && remove.length) await runRootOrFail(places.postfix, postconfRemoveArgv(remove), 'restore the Postfix settings');
      // A service whose reload failed still runs what it ran before: reloading it again would only fail again. The
      // checks below prove what it serves either way.
      rollbackProblem = (await this.reloadAll(places, settings, notReloaded)).problem;
      if (rollbackProblem === null) {
        const before = new Map(restore.served.map((c) => [c.listener, c.servedFingerprintSha256]));
        after = await checkUntilServed(host, settings, (listener) => before.get(listener) ?? null, this.checkOptions());
        const failed = after.filter((c) => !c.ok);
        if (failed.length) rollbackProblem = failed.map((c) => `${TLS_LISTENER_WORDS[c.listener]} on port ${c.port} ${c.problem ?? 'failed'}`).join('; ');
      }
    } catch (error) {
      rollbackProblem = error instanceof Error ? error.message : String(error);
    }
    const previous = restore.served.find((c) => c.servedFingerprintSha256)?.servedFingerprintSha256 ?? null;
    if (rollbackProblem === null) {
      const problem = `The new certificate failed its checks on ${host.name}: ${failure}. It was rolled back: ${previous ? `the previous certificate (SHA-256 ${previous}) is served again on every port it was served on before` : 'the previous files and settings are back'}. Fix the cause, then deploy again.`;
      this.finish(id, 'rolled-back', [...checks, ...after], problem);
      throw new CopperError('TLS_DEPLOY_ROLLED_BACK', problem, { deployment: this.deployment(id) });
    }
    const problem = `The new certificate failed its checks on ${host.name}: ${failure}. Rolling back failed too: ${rollbackProblem}. The previous certificate and key are in ${backupOf(CHAIN_FILE)} and ${backupOf(KEY_FILE)} on the server; check the services, then deploy again.`;
    this.finish(id, 'rollback-failed', [...checks, ...after], problem);
    throw new CopperError('TLS_ROLLBACK_FAILED', problem, { deployment: this.deployment(id) });
  }

  private async write(material: Material, settings: TlsHostSettings, remote: RemoteState, places: DeployPlaces): Promise<void> {
    const target = places.files;
    const { record } = material;
    const keyPem = (await this.tls.privateKeyOf(record.id)).export({ type: 'pkcs8', format: 'pem' }).toString();
    await runRootOrFail(target, makeDirectoryArgv(), `create ${CHAIN_FILE.slice(0, CHAIN_FILE.lastIndexOf('/'))}`);
    // The key first: Postfix reads key and chain together, and a chain without its key is refused at once by nginx -t.
    await runRootOrFail(target, writeFileArgv(KEY_FILE, '0600'), `write ${KEY_FILE}`, keyPem);
    await runRootOrFail(target, writeFileArgv(CHAIN_FILE, '0644'), `write ${CHAIN_FILE}`, record.chainPem);
    if (settings.dovecotConfig && remote.dovecotInclude !== DOVECOT_INCLUDE_TEXT) await runRootOrFail(target, writeFileArgv(DOVECOT_INCLUDE, '0644'), `write ${DOVECOT_INCLUDE}`, DOVECOT_INCLUDE_TEXT);
    if (settings.nginxConfig && remote.nginxInclude !== NGINX_INCLUDE_TEXT) await runRootOrFail(target, writeFileArgv(NGINX_INCLUDE, '0644'), `write ${NGINX_INCLUDE}`, NGINX_INCLUDE_TEXT);
    const postfix = this.postfixChanges(remote, places);
    if (places.postfix && Object.keys(postfix).length) await runRootOrFail(places.postfix, postconfSetArgv(postfix), 'point Postfix at the certificate');
  }

  /** Postfix must read the layout's files and offer TLS at all; a stricter level the operator chose is kept. */
  private postfixChanges(remote: RemoteState, places: DeployPlaces): Partial<Record<PostfixSetting, string>> {
    const changes: Partial<Record<PostfixSetting, string>> = {};
    if (!places.postfix) return changes;
    if (remote.postfixEffective.smtpd_tls_chain_files !== POSTFIX_CHAIN_FILES) changes.smtpd_tls_chain_files = POSTFIX_CHAIN_FILES;
    const level = remote.postfixEffective.smtpd_tls_security_level ?? '';
    if (level === '' || level === 'none') changes.smtpd_tls_security_level = 'may';
    return changes;
  }

  private reloads(settings: TlsHostSettings, places: DeployPlaces): Service[] {
    return [...(places.postfix ? (['postfix'] as const) : []), ...(settings.dovecotConfig ? (['dovecot'] as const) : []), ...(settings.nginxConfig ? (['nginx'] as const) : [])];
  }

  /**
   * Reloads every service (but those skipped); says what failed. nginx is tested first: its reload would ignore a bad
   * configuration and keep the old one without a word.
   */
  private async reloadAll(places: DeployPlaces, settings: TlsHostSettings, skip: ReadonlySet<Service> = new Set()): Promise<{ problem: string | null; failed: Set<Service> }> {
    const problems: string[] = [];
    const failed = new Set<Service>();
    const attempt = async (service: Service, what: string, argv: string[]) => {
      const target = places[service];
      // No container for it (docker mode): the settings were made to skip Dovecot and nginx, and Postfix is skipped here.
      if (!target) return false;
      const result = await runRoot(target, argv);
      if (result.exitCode === 0) return true;
      problems.push(`${what}${places.docker ? ` in ${target.description}` : ''} failed (exit ${result.exitCode ?? result.exitSignal ?? '?'}): ${serverText(result.stderr || result.stdout)}`);
      failed.add(service);
      return false;
    };
    if (!skip.has('postfix')) await attempt('postfix', 'postfix reload', postfixReloadArgv());
    if (settings.dovecotConfig && !skip.has('dovecot')) await attempt('dovecot', 'doveadm reload', dovecotReloadArgv(settings.dovecotConfig));
    if (settings.nginxConfig && !skip.has('nginx') && (await attempt('nginx', 'nginx -t (configuration test)', nginxTestArgv(settings.nginxConfig)))) {
      await attempt('nginx', 'nginx reload', nginxReloadArgv(settings.nginxConfig));
    }
    return { problem: problems.length ? problems.join('; ') : null, failed };
  }

  // ── Choosing and validating the certificate ───────────────────────────────

  private async material(hostName: string, certificateId: string | undefined): Promise<Material> {
    const host = this.inventory.getHost(hostName);
    if (!host.mailNames.length) {
      throw new CopperError('TLS_NOT_DEPLOYABLE', `${host.name} has no mail names, so no certificate can be checked against them. Set them first (copper host edit ${host.name} --mail-name NAME).`);
    }
    const records = this.tls.list(host.name).filter((r) => r.state === 'ready' && r.chainPem !== null && r.certificate !== null);
    const record = certificateId === undefined ? records.filter((r) => r.hasPrivateKey).at(-1) : records.find((r) => r.id === certificateId);
    if (!record || !record.chainPem || !record.certificate) {
      throw new CopperError('NOT_FOUND', certificateId === undefined ? `The console keeps no certificate ready for ${host.name}. Issue one (tls.issue) or import one (tls.import) first.` : `${host.name} has no certificate ${certificateId} ready to deploy.`);
    }
    if (!record.hasPrivateKey) throw new CopperError('TLS_NOT_DEPLOYABLE', `The console does not hold the private key of ${record.id}, so it cannot be deployed. Import it with its key.`);
    const chain = parseChainPem(record.chainPem).certificates;
    const privateKey = await this.tls.privateKeyOf(record.id);
    // Validated now, against the host's mail names (not the names it was requested for) and its site's CAs.
    const validation = validateCertificate({ chain, privateKey, requirePrivateKey: true, expectedNames: host.mailNames, trustAnchors: this.tls.trustAnchorsFor(host.name), now: this.clock.now() });
    if (!validation.deployable) {
      const errors = validation.findings.filter((f) => f.severity === 'error');
      throw new CopperError('TLS_NOT_DEPLOYABLE', `The certificate ${record.certificate.commonName ?? record.certificate.subject} cannot be deployed to ${host.name}; nothing was written: ${errors.map((f) => f.message).join(' ')}`, {
        certificateId: record.id,
        findings: validation.findings,
      });
    }
    return { host, record: { ...record, chainPem: record.chainPem, certificate: record.certificate }, chain, validation };
  }

  /** The checks after writing ignore cancel: stopping between writing and checking would leave the host half-switched. */
  private checkOptions(signal?: AbortSignal): CheckOptions {
    return { ...this.options, ...(signal ? { signal } : {}) };
  }

  // ── Records and status ─────────────────────────────────────────────────────

  deployments(hostName?: string, limit = 50): TlsDeployment[] {
    const rows = (
      hostName === undefined
        ? this.db.prepare(`${DEPLOYMENT_SELECT} ORDER BY d.id DESC LIMIT ?`).all(limit)
        : this.db.prepare(`${DEPLOYMENT_SELECT} WHERE h.name = ? ORDER BY d.id DESC LIMIT ?`).all(this.inventory.getHost(hostName).name, limit)
    ) as DeploymentRow[];
    return rows.map(toDeployment);
  }

  status(site?: string): { asOf: string; hosts: TlsHostStatus[] } {
    const now = this.clock.now();
    const hosts = this.inventory.listHosts(site === undefined ? {} : { site }).map((host): TlsHostStatus => {
      const latest = (state: string) => this.db.prepare(`${DEPLOYMENT_SELECT} WHERE h.name = ? AND d.state = ? ORDER BY d.id DESC LIMIT 1`).get(host.name, state) as DeploymentRow | undefined;
      const verified = latest('verified');
      const writing = latest('writing');
      const deployed = verified ? toDeployment(verified) : null;
      const newest = this.tls.list(host.name).filter((r) => r.state === 'ready' && r.hasPrivateKey && r.certificate).at(-1);
      const pending = newest?.certificate && newest.certificate.fingerprintSha256 !== deployed?.fingerprintSha256 ? { id: newest.id, fingerprintSha256: newest.certificate.fingerprintSha256, notAfter: newest.certificate.notAfter } : null;
      return {
        host: host.name,
        site: host.site,
        mailNames: host.mailNames,
        deployed,
        daysLeft: deployed ? daysLeft(deployed.notAfter, now) : null,
        level: expiryLevel(deployed?.notAfter ?? null, now),
        interrupted: writing && !this.busy(writing) ? toDeployment(writing) : null,
        pending,
      };
    });
    return { asOf: now.toISOString(), hosts };
  }

  /** The certificate each host serves as far as the console knows (for the DNS capability's TLSA records). */
  servedCertificatePem(hostName: string): string[] {
    const row = this.db
      .prepare(`SELECT c.chain_pem FROM tls_deployments d JOIN hosts h ON h.id = d.host_id JOIN tls_certificates c ON c.id = d.certificate_id WHERE h.name = ? AND d.state = 'verified' ORDER BY d.id DESC LIMIT 1`)
      .get(hostName) as { chain_pem: string | null } | undefined;
    const leaf = row?.chain_pem ? /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(row.chain_pem)?.[0] : undefined;
    return leaf ? [leaf] : [];
  }

  /** A 'writing' deployment still under way: here (this process runs it) or in another console process that still runs. */
  private busy(row: DeploymentRow): boolean {
    return row.owner_pid === process.pid ? this.running.has(row.host_name) : isRunning(row.owner_pid);
  }

  private interrupted(hostName: string): DeploymentRow | undefined {
    return this.db.prepare(`${DEPLOYMENT_SELECT} WHERE h.name = ? AND d.state = 'writing' ORDER BY d.id DESC LIMIT 1`).get(hostName) as DeploymentRow | undefined;
  }

  private step(id: number, step: TlsDeployment['step']): void {
    this.db.prepare('UPDATE tls_deployments SET step = ? WHERE id = ?').run(step, id);
  }

  private finish(id: number, state: TlsDeployment['state'], checks: TlsListenerCheck[], problem: string | null): void {
    this.db.prepare('UPDATE tls_deployments SET state = ?, checks = ?, problem = ?, finished_at = ? WHERE id = ?').run(state, JSON.stringify(checks), problem, this.now(), id);
  }

  private deployment(id: number): TlsDeployment {
    const row = this.db.prepare(`${DEPLOYMENT_SELECT} WHERE d.id = ?`).get(id) as DeploymentRow | undefined;
    if (!row) throw new CopperError('NOT_FOUND', `There is no deployment #${id}.`);
    return toDeployment(row);
  }

  private requireHostRow(name: string): { id: number; name: string } {
    const row = this.inventory.hostRow(name);
    if (!row) throw new CopperError('NOT_FOUND', `There is no host named ${name}.`);
    return { id: row.id, name: row.name };
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

export interface ConfigureInput {
  host: string;
  address?: string | null | undefined;
  ports?: Partial<TlsHostSettings['ports']> | undefined;
  dovecotConfig?: string | null | undefined;
  nginxConfig?: string | null | undefined;
  defaults: boolean;
}

function toDeployment(row: DeploymentRow): TlsDeployment {
  return TlsDeployment.parse({
    id: row.id,
    host: row.host_name,
    certificateId: row.certificate_id,
    fingerprintSha256: row.fingerprint_sha256,
    names: JSON.parse(row.names) as unknown,
    notAfter: row.not_after,
    previousFingerprintSha256: row.previous_fingerprint_sha256,
    state: row.state,
    step: row.step,
    checks: JSON.parse(row.checks) as unknown,
    problem: row.problem,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    actor: row.actor,
  });
}

/**
 * Whether the console process that started a deployment still runs. The data folder is local to one machine, so a PID
 * recorded in it names a process here; one that is gone left its deployment interrupted.
 */
function isRunning(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

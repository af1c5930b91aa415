import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { CopperError, type RspamdSettings } from '../../../shared/contract';
import type { ExecResult, ExecTarget } from '../exec/exec-target';
import { domainConf, PROGRAMS, rspamdLayout, signingConf, type RspamdLayout } from './rspamd-layout';
import { firstLine, type RspamdContainer } from './rspamd-places';
import { signaturesIn, type SignatureSeen } from './signature-headers';

export interface SigningSelector {
  selector: string;
  /** The key file's content, as Rspamd reads it. Written through standard input, never on a command line. */
  keyFile: string;
}

export interface RspamdHostOptions {
  /** How long to wait for Rspamd's new workers to sign as configured after a reload. */
  settleMs: number;
  /** Docker mode: the container that runs Rspamd (rspamd-places.ts). Files are still written on the host. */
  container?: RspamdContainer | null;
}

/**
 * One host's Rspamd, as the DKIM rotation changes it: every change is an idempotent write of a whole file (install
 * from standard input, owner and mode set in the same step) or a removal, so doing a step twice is the same as once.
 * Files are always written on the host (`target`); in docker mode Rspamd is reloaded and asked to sign in its
 * container, and key files belong to Rspamd's user there, by number.
 */
export class RspamdHost {
  readonly layout: RspamdLayout;
  private readonly container: RspamdContainer | null;
  /** Where Rspamd runs: the host, or its container. */
  private readonly rspamdTarget: ExecTarget;
  private readonly owner: { user: string; group: string };

  constructor(
    readonly hostName: string,
    private readonly target: ExecTarget,
    private readonly settings: RspamdSettings,
    private readonly options: RspamdHostOptions = { settleMs: 20_000 },
  ) {
    this.layout = rspamdLayout(settings);
    this.container = options.container ?? null;
    this.rspamdTarget = this.container?.target ?? target;
    this.owner = this.container ? { user: this.container.uid, group: this.container.gid } : { user: settings.user, group: settings.group };
  }

  /** Docker mode: the container Rspamd runs in; null on a native host. */
  get inContainer(): RspamdContainer | null {
    return this.container;
  }

  /** "Rspamd" or "Rspamd in container copper-mail", for messages. */
  get where(): string {
    return this.container ? `Rspamd in container ${this.container.name}` : 'Rspamd';
  }

  /** Who owns the key files, as the plan says it. */
  get keyOwner(): string {
    return this.container ? `${this.settings.user} of container ${this.container.name} (uid ${this.container.uid})` : this.settings.user;
  }

  /** The key directory (0700, Rspamd's user), the per-domain folder and dkim_signing.conf. */
  async ensureLayout(signal?: AbortSignal): Promise<void> {
    const s = this.settings;
    await this.root([PROGRAMS.install, '-d', '-m', '0700', '-o', this.owner.user, '-g', this.owner.group, s.keyDir], 'create the DKIM key folder', signal);
    await this.root([PROGRAMS.install, '-d', '-m', '0755', '-o', 'root', '-g', 'root', this.layout.domainDir], 'create the DKIM configuration folder', signal);
    await this.writeFile(this.layout.signingConf, signingConf(this.layout), '0644', 'root', 'root', signal);
  }

  /** Key file: mode 0600, owned by Rspamd's user, so only Rspamd (and root) can read it. */
  async writeKey(domain: string, key: SigningSelector, signal?: AbortSignal): Promise<void> {
    await this.writeFile(this.layout.keyFile(key.selector, domain), key.keyFile, '0600', this.owner.user, this.owner.group, signal);
  }

  async removeKey(domain: string, selector: string, signal?: AbortSignal): Promise<void> {
    await this.root([PROGRAMS.rm, '-f', this.layout.keyFile(selector, domain)], `remove the key file of selector ${selector}`, signal);
  }

  /** Which selectors sign for the domain; none removes the domain's file, so Rspamd stops signing for it. */
  async writeDomainConf(domain: string, selectors: readonly string[], signal?: AbortSignal): Promise<void> {
    if (!selectors.length) {
      await this.root([PROGRAMS.rm, '-f', this.layout.domainConf(domain)], `stop signing for ${domain}`, signal);
      return;
    }
    const entries = selectors.map((selector) => ({ selector, path: this.layout.keyFile(selector, domain) }));
    await this.writeFile(this.layout.domainConf(domain), domainConf(domain, entries), '0644', 'root', 'root', signal);
  }

  /** The command that makes Rspamd read its configuration again, where it runs. */
  get reloadArgv(): string[] {
    const reload = this.settings.reload;
    // -x rspamd: only if the PID in the file is still Rspamd's (a stale file must not signal another program). In
    // docker mode the PID file is the one inside the container.
    if (reload.via === 'pidfile') return [PROGRAMS.pkill, '--signal', 'HUP', '-F', reload.pidFile, '-x', 'rspamd'];
    if (!this.container) return [PROGRAMS.systemctl, 'reload', reload.unit];
    // A container has no systemd: SIGHUP to Rspamd's main process, the oldest one named rspamd (its workers are
    // forked from it later). This is what `systemctl reload rspamd` does on a host.
    return [PROGRAMS.pkill, '--signal', 'HUP', '--oldest', '-x', 'rspamd'];
  }

  async reload(signal?: AbortSignal): Promise<void> {
    const argv = this.reloadArgv;
    const result = await this.rspamdTarget.run({ argv, asRoot: true, timeoutMs: 30_000, maxOutputBytes: 64 * 1024, ...(signal ? { signal } : {}) });
    if (result.exitCode !== 0) {
      throw new CopperError(
        'RSPAMD_RELOAD_FAILED',
        `${this.where} on ${this.hostName} could not be told to reload (${argv.join(' ')} exited ${result.exitCode ?? result.exitSignal ?? 'without status'}): ${firstLine(result)}. Check that Rspamd runs and that the reload setting is right (copper dkim rspamd ${this.hostName}).`,
        { host: this.hostName, stderr: result.stderr.slice(0, 500) },
      );
    }
  }

  /**
   * Asks Rspamd to sign a test message as a local sender of the domain and returns the signatures it added. This is
   * how a reload is verified: Rspamd keeps its old configuration when the new one does not parse, silently.
   */
  async probe(domain: string, signal?: AbortSignal): Promise<SignatureSeen[]> {
    const id = randomBytes(8).toString('hex');
    const message = [
      `From: dkim-check@${domain}`,
      `To: dkim-check@${domain}`,
      `Subject: Copper Console DKIM check ${id}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${id}.dkim-check@${domain}>`,
      '',
      'A test message the console asks Rspamd to sign; it is never sent.',
      '',
    ].join('\r\n');
    const result = await this.rspamdTarget.run({
      argv: ['rspamc', '-h', this.settings.scanner, '-i', '127.0.0.1', '--mime'],
      stdin: message,
      timeoutMs: 30_000,
      maxOutputBytes: 1024 * 1024,
      ...(signal ? { signal } : {}),
    });
    if (result.exitCode !== 0) {
      throw new CopperError('RSPAMD_RELOAD_FAILED', `${this.where} on ${this.hostName} (${this.settings.scanner}) did not scan a test message: ${firstLine(result)}. Is Rspamd running, and is its normal worker there (copper dkim rspamd ${this.hostName})?`, {
        host: this.hostName,
      });
    }
    return signaturesIn(result.stdout).filter((s) => s.domain === domain);
  }

  /**
   * Waits until Rspamd signs for the domain with exactly these selectors. After SIGHUP the main process starts new
   * workers and the old ones finish their work, so for a moment either may answer.
   */
  async expectSigning(domain: string, selectors: readonly string[], signal?: AbortSignal): Promise<void> {
    const want = [...selectors].sort().join(',');
    const deadline = Date.now() + this.options.settleMs;
    let seen: string[] = [];
    for (;;) {
      seen = (await this.probe(domain, signal)).map((s) => s.selector).sort();
      if (seen.join(',') === want) return;
      if (Date.now() > deadline) break;
      await delay(400, undefined, signal ? { signal } : {});
    }
    const said = (list: readonly string[]) => (list.length ? list.join(', ') : 'no selector');
    throw new CopperError(
      'RSPAMD_RELOAD_FAILED',
      `After the reload, ${this.where} on ${this.hostName} signs ${domain} with ${said(seen)} instead of ${said(selectors)}: it did not take the new configuration (Rspamd keeps the old one when the new one does not load; its log says why).`,
      { host: this.hostName, expected: selectors, signing: seen },
    );
  }

  private async writeFile(path: string, content: string, mode: string, owner: string, group: string, signal?: AbortSignal): Promise<void> {
    await this.root([PROGRAMS.install, '-m', mode, '-o', owner, '-g', group, '/dev/stdin', path], `write ${path}`, signal, content);
  }

  private async root(argv: string[], what: string, signal?: AbortSignal, stdin?: string): Promise<ExecResult> {
    const result = await this.target.run({ argv, asRoot: true, timeoutMs: 30_000, maxOutputBytes: 64 * 1024, ...(stdin !== undefined ? { stdin } : {}), ...(signal ? { signal } : {}) });
    if (result.exitCode !== 0) {
      throw new CopperError('COMMAND_FAILED', `Could not ${what} on ${this.hostName} (${argv[0]} exited ${result.exitCode ?? result.exitSignal ?? 'without status'}): ${firstLine(result)}.`, {
        host: this.hostName,
        argv,
        stderr: result.stderr.slice(0, 500),
      });
    }
    return result;
  }
}

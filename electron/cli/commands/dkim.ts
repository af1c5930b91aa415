import type { Command } from 'commander';
import { CopperError, DkimAlgorithm, type DkimDomainStatus, type DkimPolicy, type RspamdSettings } from '../../../shared/contract';
import type { OutputOf } from '../../../shared/client/client';
import type { CliAction } from '../program';
import { printJson, printTable, safeText } from '../output';
import { runCommand } from '../cli-context';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function printStatus(domains: DkimDomainStatus[]): void {
  printTable(
    domains.map((d) => ({
      domain: d.domain,
      site: d.site,
      active: d.activeSelector ?? 'none',
      'key age': d.activeKeyAgeDays === null ? '' : `${d.activeKeyAgeDays} d`,
      'next rotation': d.nextRotationDue ? `${d.nextRotationDue.slice(0, 10)}${d.rotationOverdue ? ' (overdue)' : ''}` : '',
      records: d.recordsError ? 'not checked' : summariseRecords(d),
      next: d.interrupted ? `finish ${d.interrupted.step} of ${d.interrupted.selector}` : d.nextStep,
    })),
    ['domain', 'site', 'active', 'key age', 'next rotation', 'records', 'next'],
  );
  for (const d of domains) {
    const problems = d.records.filter((r) => r.status === 'missing' || r.status === 'mismatch');
    if (!problems.length && !d.recordsError && domains.length > 1) continue;
    process.stdout.write(`\n${d.domain}\n`);
    for (const key of d.keys) {
      process.stdout.write(`  ${key.selector.padEnd(20)} ${key.state.padEnd(10)} ${key.algorithm.padEnd(8)} created ${key.createdAt.slice(0, 10)}\n`);
    }
    for (const record of d.records) {
      if (record.status === 'ok' || record.status === 'unchecked') continue;
      process.stdout.write(`  ${record.status.toUpperCase()} ${record.name} TXT\n`);
      for (const found of record.found) process.stdout.write(`    found     ${safeText(found)}\n`);
      if (record.message) process.stdout.write(`    ${safeText(record.message)}\n`);
    }
    if (d.recordsError) process.stdout.write(`  Records not checked: ${safeText(d.recordsError.message)}\n`);
    process.stdout.write(`  Next: ${safeText(d.nextAction)}\n`);
  }
}

function summariseRecords(d: DkimDomainStatus): string {
  if (!d.records.length) return '';
  const count = (status: string) => d.records.filter((r) => r.status === status).length;
  const parts = [`${count('ok')} ok`];
  if (count('missing')) parts.push(`${count('missing')} missing`);
  if (count('mismatch')) parts.push(`${count('mismatch')} mismatched`);
  if (count('unchecked')) parts.push(`${count('unchecked')} unchecked`);
  return parts.join(', ');
}

function describeRotation(output: OutputOf<'dkim.rotate'>): string {
  const lines = [output.message];
  if (output.record) lines.push('', `Record to publish (TXT at ${output.record.name}):`, output.record.text, '');
  for (const found of output.found) lines.push(`  found: ${found}`);
  lines.push(`Next: ${output.nextAction}`);
  return lines.map(safeText).join('\n');
}

interface PolicyFlags {
  pattern?: string;
  algorithm?: string;
  every?: string;
  grace?: string;
  overlap?: string;
  host?: string[];
  defaults?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

const days = (flag: string, value: string) => {
  const match = /^(\d{1,4})d?$/.exec(value.trim());
  if (!match) throw new CopperError('INVALID_INPUT', `${flag} takes a number of days such as 180 or 180d, not "${value}".`);
  return Number(match[1]);
};

interface RspamdFlags {
  confDir?: string;
  keyDir?: string;
  user?: string;
  group?: string;
  reloadUnit?: string;
  pidFile?: string;
  scanner?: string;
  defaults?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

export function registerDkim(program: Command, action: CliAction): void {
  const dkim = program.command('dkim').description('DKIM keys signed by Rspamd: status, staged rotation, the records to publish');

  dkim
    .command('status [domain]')
    .description('Active selector, key age, next rotation due and the records found vs expected, per domain (all without DOMAIN)')
    .option('--site <site>', 'only domains of this site')
    .option('--no-dns', 'do not ask the resolver (records show as unchecked)')
    .action(
      action(async (ctx, domain: string | undefined, opts: { site?: string; dns: boolean }) => {
        const result = await ctx.client.task('dkim.status', { ...(domain ? { domain } : {}), ...(opts.site ? { site: opts.site } : {}), checkDns: opts.dns });
        if (ctx.json) printJson(result);
        else printStatus(result.domains);
        // A record missing or wrong is a failed verification, as in `copper dns check`.
        if (result.domains.some((d) => d.records.some((r) => r.status === 'missing' || r.status === 'mismatch'))) process.exitCode = 3;
      }),
    );

  dkim
    .command('record <domain>')
    .description('The DKIM TXT records to publish (and those that may be deleted), as BIND zone-file lines')
    .action(
      action(async (ctx, domain: string) => {
        const records = await ctx.client.query('dkim.record', { domain });
        if (ctx.json) return printJson(records);
        if (!records.records.length) {
          process.stdout.write(`${domain} has no DKIM key yet: run copper dkim rotate ${domain} to prepare one.\n`);
          return;
        }
        process.stdout.write(safeText(records.zone));
        for (const r of records.records.filter((x) => x.publish)) process.stdout.write(`\n; ${r.state}: ${r.name}\n; text: ${safeText(r.text)}\n`);
      }),
    );

  dkim
    .command('rotate <domain>')
    .description('Advance the DKIM rotation one safe step (prepare, verify the record, activate, retire) and say what to do next')
    .option('--algorithm <algorithm>', 'for a new key: rsa2048 (default) or ed25519')
    .option('--dry-run', 'show the plan only')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      action(async (ctx, domain: string, opts: { algorithm?: string; yes?: boolean; dryRun?: boolean }) => {
        const algorithm = opts.algorithm === undefined ? undefined : DkimAlgorithm.safeParse(opts.algorithm);
        if (algorithm && !algorithm.success) throw new CopperError('INVALID_INPUT', `--algorithm takes rsa2048 or ed25519, not "${opts.algorithm ?? ''}".`);
        const input = { domain, ...(algorithm?.data ? { algorithm: algorithm.data } : {}) };
        const output = await runCommand(ctx, 'dkim.rotate', input, {
          yes: opts.yes,
          dryRun: opts.dryRun,
          alwaysConfirm: true,
          describe: (out) => describeRotation(out as OutputOf<'dkim.rotate'>),
        });
        if (!output && !opts.dryRun && !ctx.json) {
          const { plan } = await ctx.client.plan('dkim.rotate', input);
          process.stdout.write(`Next: ${safeText(plan.nextAction)}\n`);
        }
        // A record that is not (or no longer) published as expected is a failed verification.
        if (output && output.step === 'verify' && !output.advanced) process.exitCode = 3;
      }),
    );

  dkim
    .command('policy <domain>')
    .description('Show or change the rotation policy: selector pattern, algorithm, interval, grace period, overlap, signing hosts')
    .option('--pattern <pattern>', 'selector pattern, e.g. cu-{yyyy}-{mm}')
    .option('--algorithm <algorithm>', 'rsa2048 or ed25519')
    .option('--every <days>', 'rotate every N days')
    .option('--grace <days>', 'keep the old selector’s record for N days')
    .option('--overlap <on|off>', 'sign with both selectors during the grace period')
    .option('--host <host>', 'a host whose Rspamd signs (repeatable; default: every host of the site)', collect)
    .option('--defaults', 'go back to the defaults')
    .option('--dry-run', 'show the plan only')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      action(async (ctx, domain: string, flags: PolicyFlags) => {
        const current = await ctx.client.query('dkim.policy', { domain });
        const changing = ['pattern', 'algorithm', 'every', 'grace', 'overlap', 'host', 'defaults'].some((k) => flags[k as keyof PolicyFlags] !== undefined);
        if (!changing) {
          if (ctx.json) return printJson(current);
          const p = current.policy;
          process.stdout.write(
            `${current.isDefault ? 'Default DKIM policy' : 'DKIM policy'} of ${current.domain}\n` +
              `pattern   ${p.selectorPattern}\nalgorithm ${p.algorithm}\nrotate    every ${p.rotateEveryDays} days\ngrace     ${p.graceDays} days\noverlap   ${p.overlap ? 'on' : 'off'}\nhosts     ${p.hosts.length ? p.hosts.join(', ') : 'every host of the site'}\n`,
          );
          return;
        }
        let policy: DkimPolicy | null = null;
        if (!flags.defaults) {
          policy = structuredClone(current.policy);
          if (flags.pattern !== undefined) policy.selectorPattern = flags.pattern;
          if (flags.algorithm !== undefined) policy.algorithm = flags.algorithm as DkimPolicy['algorithm'];
          if (flags.every !== undefined) policy.rotateEveryDays = days('--every', flags.every);
          if (flags.grace !== undefined) policy.graceDays = days('--grace', flags.grace);
          if (flags.overlap !== undefined) {
            if (flags.overlap !== 'on' && flags.overlap !== 'off') throw new CopperError('INVALID_INPUT', `--overlap takes on or off, not "${flags.overlap}".`);
            policy.overlap = flags.overlap === 'on';
          }
          if (flags.host) policy.hosts = flags.host;
        }
        await runCommand(ctx, 'dkim.setPolicy', { domain, policy }, { yes: flags.yes, dryRun: flags.dryRun, describe: () => `DKIM policy of ${domain} saved.` });
      }),
    );

  dkim
    .command('rspamd <host>')
    .description('Show or change where the host’s Rspamd reads DKIM keys and configuration, and how it is reloaded')
    .option('--conf-dir <dir>', 'Rspamd’s LOCAL_CONFDIR (default /etc/rspamd; docker mode: the host folder the container mounts at the same path)')
    .option('--key-dir <dir>', 'where key files go (default /var/lib/rspamd/dkim; docker mode: a host folder mounted at the same path)')
    .option('--user <user>', 'Rspamd’s user, owner of the key files (default _rspamd; docker mode: the user inside the container)')
    .option('--group <group>', 'Rspamd’s group (default _rspamd; docker mode: the group inside the container)')
    .option('--reload-unit <unit>', 'reload with systemctl reload UNIT (default rspamd)')
    .option('--pid-file <file>', 'reload with SIGHUP to the Rspamd in this PID file (hosts without systemd)')
    .option('--scanner <host:port>', 'Rspamd’s normal worker, for test signing (default 127.0.0.1:11333)')
    .option('--defaults', 'go back to the defaults')
    .option('--dry-run', 'show the plan only')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      action(async (ctx, host: string, flags: RspamdFlags) => {
        const current = await ctx.client.query('dkim.rspamd', { host });
        const changing = ['confDir', 'keyDir', 'user', 'group', 'reloadUnit', 'pidFile', 'scanner', 'defaults'].some((k) => flags[k as keyof RspamdFlags] !== undefined);
        if (!changing) {
          if (ctx.json) return printJson(current);
          const s = current.settings;
          process.stdout.write(
            `Rspamd of ${current.host}${current.isDefault ? ' (defaults)' : ''}\nconf dir  ${s.localConfDir}\nkey dir   ${s.keyDir}\nowner     ${s.user}:${s.group}\nreload    ${s.reload.via === 'systemctl' ? `systemctl reload ${s.reload.unit}` : `SIGHUP to the PID in ${s.reload.pidFile}`}\nscanner   ${s.scanner}\n`,
          );
          return;
        }
        let settings: RspamdSettings | null = null;
        if (!flags.defaults) {
          settings = structuredClone(current.settings);
          if (flags.confDir !== undefined) settings.localConfDir = flags.confDir;
          if (flags.keyDir !== undefined) settings.keyDir = flags.keyDir;
          if (flags.user !== undefined) settings.user = flags.user;
          if (flags.group !== undefined) settings.group = flags.group;
          if (flags.reloadUnit !== undefined) settings.reload = { via: 'systemctl', unit: flags.reloadUnit };
          if (flags.pidFile !== undefined) settings.reload = { via: 'pidfile', pidFile: flags.pidFile };
          if (flags.scanner !== undefined) settings.scanner = flags.scanner;
        }
        await runCommand(ctx, 'dkim.setRspamd', { host, settings }, { yes: flags.yes, dryRun: flags.dryRun, describe: () => `Rspamd settings of ${host} saved.` });
      }),
    );
}

import type { Command } from 'commander';
import { CopperError, type DnsCheckResult, type DnsPolicy } from '../../../shared/contract';
import type { CliAction } from '../program';
import { printJson, printTable, safeText } from '../output';
import { runCommand } from '../cli-context';

const KIND_LABEL: Record<string, string> = { mx: 'MX', spf: 'SPF', dkim: 'DKIM', dmarc: 'DMARC', 'mta-sts': 'MTA-STS', 'tls-rpt': 'TLS-RPT', tlsa: 'TLSA' };
const collect = (value: string, previous: string[] = []) => [...previous, value];

function printCheck(result: DnsCheckResult): void {
  process.stdout.write(`DNS records of ${result.domain}, as the resolver of site ${safeText(result.site)} (${result.resolver}) answered at ${result.checkedAt}\n\n`);
  printTable(
    result.items.map((i) => ({ status: i.status, record: KIND_LABEL[i.kind] ?? i.kind, name: i.name, type: i.type, what: i.label })),
    ['status', 'record', 'name', 'type', 'what'],
  );
  for (const item of result.items.filter((i) => i.status !== 'ok' || i.extra.length > 0)) {
    process.stdout.write(`\n${item.status.toUpperCase()}  ${KIND_LABEL[item.kind] ?? item.kind} at ${item.name} ${item.type}\n`);
    for (const value of item.values) process.stdout.write(`  expected  ${safeText(value)}\n`);
    if (!item.found.length) process.stdout.write('  found     (nothing)\n');
    for (const value of item.found) process.stdout.write(`  found     ${safeText(value)}\n`);
    for (const value of item.extra) process.stdout.write(`  extra     ${safeText(value)}\n`);
    if (item.message) process.stdout.write(`  ${safeText(item.message)}\n`);
  }
  if (result.warnings.length) process.stdout.write('\n');
  for (const warning of result.warnings) process.stdout.write(`! ${safeText(warning)}\n`);
  const { ok, missing, mismatch } = result.counts;
  process.stdout.write(`\n${ok} ok, ${missing} missing, ${mismatch} mismatched.${missing + mismatch ? ' Publish the expected records (copper dns zone ' + result.domain + ') and check again.' : ''}\n`);
}

interface PolicyFlags {
  mx?: string[];
  noMx?: boolean;
  spfTerm?: string[];
  spfAll?: string;
  dmarc?: string;
  dmarcRua?: string;
  mtaSts?: string;
  mtaStsId?: string;
  tlsRptRua?: string;
  dane?: string;
  defaults?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

const off = (value: string) => value === 'off' || value === 'none';

/** The current policy with the flags given applied on top; the contract validates the result. */
function applyFlags(current: DnsPolicy, flags: PolicyFlags): DnsPolicy {
  const next: DnsPolicy = structuredClone(current);
  if (flags.noMx) next.mx = [];
  if (flags.mx) {
    next.mx = flags.mx.map((entry) => {
      const match = /^([^:]+):(\d{1,5})$/.exec(entry);
      if (!match) throw new CopperError('INVALID_INPUT', `--mx takes HOST:PREFERENCE such as mx1:10, not "${entry}".`);
      return { host: match[1] ?? '', preference: Number(match[2]) };
    });
  }
  if (flags.spfTerm) next.spf.terms = flags.spfTerm;
  if (flags.spfAll !== undefined) next.spf.all = flags.spfAll as DnsPolicy['spf']['all'];
  if (flags.dmarc !== undefined) next.dmarc.policy = flags.dmarc as DnsPolicy['dmarc']['policy'];
  if (flags.dmarcRua !== undefined) next.dmarc.rua = off(flags.dmarcRua) ? null : flags.dmarcRua;
  if (flags.mtaSts !== undefined) {
    next.mtaSts = flags.mtaSts === 'off' ? null : { mode: flags.mtaSts as 'enforce' | 'testing' | 'none', id: next.mtaSts?.id ?? new Date().toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '') };
  }
  if (flags.mtaStsId !== undefined) {
    if (!next.mtaSts) throw new CopperError('INVALID_INPUT', 'MTA-STS is off for this domain: turn it on with --mta-sts testing (or enforce) first.');
    next.mtaSts.id = flags.mtaStsId;
  }
  if (flags.tlsRptRua !== undefined) next.tlsRpt = off(flags.tlsRptRua) ? null : { rua: flags.tlsRptRua };
  if (flags.dane !== undefined) {
    if (flags.dane !== 'on' && flags.dane !== 'off') throw new CopperError('INVALID_INPUT', `--dane takes on or off, not "${flags.dane}".`);
    next.dane = flags.dane === 'on';
  }
  return next;
}

function printPolicy(state: { domain: string; policy: DnsPolicy; isDefault: boolean }): void {
  const p = state.policy;
  const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(9)}${safeText(value)}\n`);
  process.stdout.write(`${state.isDefault ? 'Default DNS policy (derived from the site)' : 'DNS policy'} of ${state.domain}\n`);
  line('MX', p.mx.length ? p.mx.map((m) => `${m.host}:${m.preference}`).join(', ') : 'none');
  line('SPF', ['v=spf1', ...p.spf.terms, p.spf.all].join(' '));
  line('DMARC', `p=${p.dmarc.policy}${p.dmarc.rua ? `, reports to ${p.dmarc.rua}` : ''}`);
  line('MTA-STS', p.mtaSts ? `${p.mtaSts.mode}, id ${p.mtaSts.id}` : 'off');
  line('TLS-RPT', p.tlsRpt ? `reports to ${p.tlsRpt.rua}` : 'off');
  line('DANE', p.dane ? 'on' : 'off');
}

export function registerDns(program: Command, action: CliAction): void {
  const dns = program.command('dns').description('Mail DNS records: what each domain needs, checked through the site’s own resolver only');

  dns
    .command('check <domain>')
    .description('Ask the site’s resolver for every record the domain needs; exit 3 when any is missing or wrong')
    .action(
      action(async (ctx, domain: string) => {
        const result = await ctx.client.task('dns.check', { domain });
        if (ctx.json) printJson(result);
        else printCheck(result);
        // A record that is missing or wrong is a failed verification, as a broken audit chain is.
        if (result.counts.missing + result.counts.mismatch > 0) process.exitCode = 3;
      }),
    );

  dns
    .command('zone <domain>')
    .description('Print the records the domain needs as a BIND zone-file fragment, for the DNS team')
    .action(
      action(async (ctx, domain: string) => {
        const zone = await ctx.client.query('dns.zone', { domain });
        if (ctx.json) printJson(zone);
        else process.stdout.write(safeText(zone.zone));
      }),
    );

  dns
    .command('domains')
    .description('Every mail domain with the outcome of its last check (asks no resolver)')
    .option('--site <site>', 'only domains of this site')
    .action(
      action(async (ctx, opts: { site?: string }) => {
        const domains = await ctx.client.query('dns.domains', opts.site ? { site: opts.site } : {});
        if (ctx.json) return printJson(domains);
        printTable(
          domains.map((d) => ({
            domain: d.domain,
            site: d.site,
            resolver: d.resolver ?? 'none set',
            'last check': d.lastCheck?.checkedAt ?? 'never',
            result: d.lastCheck ? `${d.lastCheck.counts.ok} ok, ${d.lastCheck.counts.missing} missing, ${d.lastCheck.counts.mismatch} mismatched` : '',
          })),
          ['domain', 'site', 'resolver', 'last check', 'result'],
        );
      }),
    );

  dns
    .command('policy <domain>')
    .description('Show or change what the domain’s records should say (MX hosts, SPF, DMARC, MTA-STS, TLS-RPT, DANE)')
    .option('--mx <host:preference>', 'an MX host and its preference, e.g. mx1:10 (repeatable; replaces the list)', collect)
    .option('--no-mx', 'no MX host')
    .option('--spf-term <term>', 'an SPF term such as mx, a or ip4:10.0.0.5 (repeatable; replaces the list)', collect)
    .option('--spf-all <qualifier>', 'what happens to other senders: -all (fail), ~all (softfail) or ?all (neutral)')
    .option('--dmarc <policy>', 'DMARC policy: none, quarantine or reject')
    .option('--dmarc-rua <mailbox>', 'where DMARC aggregate reports go, or off')
    .option('--mta-sts <mode>', 'MTA-STS mode: enforce, testing, none, or off (no record)')
    .option('--mta-sts-id <id>', 'the MTA-STS policy id (change it whenever the policy changes)')
    .option('--tls-rpt-rua <mailbox>', 'where TLS reports go, or off')
    .option('--dane <on|off>', 'expect DANE TLSA records for the MX hosts’ certificates')
    .option('--defaults', 'go back to the defaults derived from the site')
    .option('--dry-run', 'show the plan only')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      action(async (ctx, domain: string, flags: PolicyFlags & { mx?: string[] | false }) => {
        const current = await ctx.client.query('dns.policy', { domain });
        // Commander turns --no-mx into mx: false.
        const normalised: PolicyFlags = { ...flags, mx: Array.isArray(flags.mx) ? flags.mx : undefined, noMx: flags.mx === false };
        const changing = Object.entries(normalised).some(([key, value]) => value !== undefined && value !== false && !['yes', 'dryRun'].includes(key));
        if (!changing) {
          if (ctx.json) printJson(current);
          else printPolicy(current);
          return;
        }
        const policy = normalised.defaults ? null : applyFlags(current.policy, normalised);
        await runCommand(ctx, 'dns.setPolicy', { domain, policy }, { yes: flags.yes, dryRun: flags.dryRun, describe: () => `DNS policy of ${domain} saved. Publish the records (copper dns zone ${domain}) and check them (copper dns check ${domain}).` });
      }),
    );
}

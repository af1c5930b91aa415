import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import {
  CopperError,
  TLS_LISTENERS,
  TLS_LISTENER_WORDS,
  TlsKeyAlgorithm,
  type BasicPlan,
  type TlsDeployment,
  type TlsHostSettings,
  type TlsHostStatus,
  type TlsListener,
} from '../../../shared/contract';
import type { CliAction } from '../program';
import { printJson, printTable, safeText } from '../output';
import { runCommand, type CliContext } from '../cli-context';
import { readStdin } from '../prompt';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const LEVEL_WORDS: Record<TlsHostStatus['level'], string> = {
  ok: 'ok',
  'within-30-days': 'renew (<30 days)',
  'within-14-days': 'RENEW (<14 days)',
  'within-7-days': 'URGENT (<7 days)',
  expired: 'EXPIRED',
  none: 'none deployed',
};

function algorithm(text: string | undefined): TlsKeyAlgorithm | undefined {
  if (text === undefined) return undefined;
  const parsed = TlsKeyAlgorithm.safeParse(text);
  if (!parsed.success) throw new CopperError('INVALID_INPUT', `--algorithm takes one of ${TlsKeyAlgorithm.options.join(', ')}, not "${text}".`);
  return parsed.data;
}

/** The host's mail names unless names were given: certificates must cover exactly what MX records point to. */
async function namesFor(ctx: CliContext, host: string, given: string[] | undefined): Promise<string[]> {
  if (given?.length) return given;
  const record = await ctx.client.query('inventory.hosts.get', { name: host });
  if (!record.mailNames.length) throw new CopperError('INVALID_INPUT', `${host} has no mail names: give --name, or set them (copper host edit ${host} --mail-name NAME).`);
  return record.mailNames;
}

/**
 * Reads the files of an import: PEM text as is (chain and key may be in separate files), DER (.der/.cer in binary)
 * made PEM, and at most one PKCS#12 file (.p12/.pfx) as base64.
 */
function readImportFiles(files: string[]): { chainPem?: string; pkcs12Base64?: string } {
  let pem = '';
  let pkcs12: string | undefined;
  for (const file of files) {
    const bytes = readFileSync(file);
    const ext = extname(file).toLowerCase();
    if (ext === '.p12' || ext === '.pfx') {
      if (pkcs12 !== undefined) throw new CopperError('INVALID_INPUT', 'Give one PKCS#12 file at most.');
      pkcs12 = bytes.toString('base64');
    } else if (bytes.subarray(0, 64).toString('latin1').includes('-----BEGIN ')) {
      pem += `${bytes.toString('utf8').trim()}\n`;
    } else if (bytes[0] === 0x30) {
      // A DER certificate (an ASN.1 SEQUENCE): wrapped as PEM, the console then parses and checks it like any other.
      const base64 = bytes.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n');
      pem += `-----BEGIN CERTIFICATE-----\n${base64}-----END CERTIFICATE-----\n`;
    } else {
      throw new CopperError('INVALID_INPUT', `${file} is neither PEM, DER nor PKCS#12 (.p12/.pfx).`);
    }
  }
  if (pkcs12 !== undefined && pem) throw new CopperError('INVALID_INPUT', 'Give either a PKCS#12 file or PEM/DER files, not both (a separate key for a PKCS#12 certificate is not supported here).');
  return pkcs12 !== undefined ? { pkcs12Base64: pkcs12 } : { chainPem: pem };
}

function printStatus(hosts: TlsHostStatus[]): void {
  printTable(
    hosts.map((h) => ({
      host: h.host,
      site: h.site,
      state: LEVEL_WORDS[h.level],
      days: h.daysLeft ?? '-',
      'not after': h.deployed?.notAfter.slice(0, 10) ?? '-',
      certificate: h.deployed ? `${h.deployed.fingerprintSha256.slice(0, 23)}…` : '-',
      names: h.mailNames.join(', '),
    })),
    ['host', 'site', 'state', 'days', 'not after', 'certificate', 'names'],
  );
  for (const h of hosts) {
    if (h.interrupted) process.stdout.write(`! ${h.host}: deployment #${h.interrupted.id} was interrupted; deploy again to finish it or roll it back (copper tls deploy ${h.host}).\n`);
    if (h.pending && h.level !== 'ok') process.stdout.write(`  ${h.host}: certificate ${h.pending.id} (until ${h.pending.notAfter.slice(0, 10)}) is ready to deploy.\n`);
  }
}

function printChecks(deployment: TlsDeployment): void {
  printTable(
    deployment.checks.map((c) => ({ listener: TLS_LISTENER_WORDS[c.listener], address: `${c.address}:${c.port}`, result: c.ok ? 'ok' : 'FAILED', served: c.servedFingerprintSha256 ?? '-', problem: c.problem ?? '' })),
    ['listener', 'address', 'result', 'served', 'problem'],
  );
}

function printSettings(settings: TlsHostSettings): void {
  const port = (listener: TlsListener) => settings.ports[listener] ?? 'none';
  for (const listener of TLS_LISTENERS) process.stdout.write(`${TLS_LISTENER_WORDS[listener].padEnd(24)}${port(listener)}\n`);
  process.stdout.write(`${'Checked at'.padEnd(24)}${settings.address ?? 'the SSH address'}\n`);
  process.stdout.write(`${'Dovecot configuration'.padEnd(24)}${settings.dovecotConfig ?? 'none'}\n`);
  process.stdout.write(`${'Reverse proxy (nginx)'.padEnd(24)}${settings.nginxConfig ?? 'none'}\n`);
}

/** `listener=PORT` or `listener=none`. */
function portFlags(values: string[] | undefined): Partial<Record<TlsListener, number | null>> | undefined {
  if (!values) return undefined;
  const ports: Partial<Record<TlsListener, number | null>> = {};
  for (const value of values) {
    const match = /^([a-z]+)=(\d{1,5}|none)$/.exec(value);
    const listener = match?.[1] as TlsListener | undefined;
    if (!match || !listener || !(TLS_LISTENERS as readonly string[]).includes(listener)) {
      throw new CopperError('INVALID_INPUT', `--port takes LISTENER=PORT or LISTENER=none, with LISTENER one of ${TLS_LISTENERS.join(', ')}; not "${value}".`);
    }
    ports[listener] = match[2] === 'none' ? null : Number(match[2]);
  }
  return ports;
}

const pathOrNone = (value: string | undefined) => (value === undefined ? undefined : value === 'none' ? null : value);

export function registerTls(program: Command, action: CliAction): void {
  const tls = program.command('tls').description('TLS certificates: requests, imports, the internal CA, deployment with checks and rollback, expiry');

  tls
    .command('status')
    .description('Every host’s deployed certificate and days left (warnings at 30/14/7 days). Exit 3 when any has expired.')
    .option('--site <site>', 'only this site')
    .action(
      action(async (ctx, opts: { site?: string }) => {
        const status = await ctx.client.query('tls.status', { ...(opts.site ? { site: opts.site } : {}) });
        if (ctx.json) printJson(status);
        else printStatus(status.hosts);
        // Warnings do not fail a script; an expired certificate is a verification failure (mail clients refuse it).
        if (status.hosts.some((h) => h.level === 'expired')) process.exitCode = 3;
      }),
    );

  tls
    .command('list [host]')
    .description('The certificates and pending requests the console keeps')
    .action(
      action(async (ctx, host: string | undefined) => {
        const records = await ctx.client.query('tls.list', { ...(host ? { host } : {}) });
        if (ctx.json) return printJson(records);
        printTable(
          records.map((r) => ({
            id: r.id,
            host: r.host,
            source: r.source,
            state: r.state,
            'not after': r.certificate?.notAfter.slice(0, 10) ?? '-',
            names: r.names.join(', '),
            findings: r.findings.map((f) => f.code).join(', '),
          })),
          ['id', 'host', 'source', 'state', 'not after', 'names', 'findings'],
        );
      }),
    );

  tls
    .command('csr <host>')
    .description('Generate a key (kept in the secret store) and print a certificate request (PEM) for your CA')
    .option('--name <fqdn>', 'a name the certificate must cover (repeatable; default: the host’s mail names)', collect)
    .option('--algorithm <alg>', `key algorithm: ${TlsKeyAlgorithm.options.join(', ')} (default ecdsa-p256)`)
    .option('--organisation <o>', 'the subject’s O=, if your CA wants one')
    .action(
      action(async (ctx, host: string, opts: { name?: string[]; algorithm?: string; organisation?: string }) => {
        const alg = algorithm(opts.algorithm);
        const input = { host, names: await namesFor(ctx, host, opts.name), ...(alg ? { algorithm: alg } : {}), ...(opts.organisation ? { organisation: opts.organisation } : {}) };
        // Creates a key, changes nothing on any server: no question. The plan goes to stderr so stdout is the PEM alone.
        const { plan, planHash } = await ctx.client.plan('tls.csr', input);
        if (!ctx.json) process.stderr.write(`${(plan as BasicPlan).summary}\n`);
        const output = await ctx.client.execute('tls.csr', input, planHash);
        if (ctx.json) printJson({ id: output.record.id, names: output.record.names, csrPem: output.csrPem });
        else process.stdout.write(output.csrPem.endsWith('\n') ? output.csrPem : `${output.csrPem}\n`);
      }),
    );

  tls
    .command('import <host> <files...>')
    .description('Import a certificate chain: PEM (chain and key, one or more files), DER (.der/.cer) or PKCS#12 (.p12/.pfx)')
    .option('--name <fqdn>', 'a name the certificate must cover (repeatable; default: the host’s mail names)', collect)
    .option('--password-stdin', 'read the PKCS#12 password from standard input')
    .option('--yes', 'do not ask')
    .option('--dry-run', 'show the plan (with the validation) and stop')
    .action(
      action(async (ctx, host: string, files: string[], opts: { name?: string[]; passwordStdin?: boolean; yes?: boolean; dryRun?: boolean }) => {
        const content = readImportFiles(files);
        const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : undefined;
        const input = { host, names: await namesFor(ctx, host, opts.name), ...content, ...(password !== undefined ? { password } : {}) };
        await runCommand(ctx, 'tls.import', input, {
          yes: opts.yes ?? false,
          dryRun: opts.dryRun ?? false,
          describe: (output) => {
            const record = output as { id: string; findings: Array<{ severity: string }> };
            const errors = record.findings.filter((f) => f.severity === 'error').length;
            return `Imported as ${record.id}.${errors ? ' It cannot be deployed until the errors above are fixed.' : ` Deploy it with: copper tls deploy ${host} --certificate ${record.id}`}`;
          },
        });
      }),
    );

  tls
    .command('deploy <host>')
    .description('Install a certificate for Postfix, Dovecot and the reverse proxy, reload them, check every port by fingerprint, roll back on failure')
    .option('--certificate <id>', 'which certificate (default: the host’s newest one that is ready)')
    .option('--yes', 'do not ask')
    .option('--dry-run', 'show the plan (validation, files, reloads, ports) and stop')
    .action(
      action(async (ctx, host: string, opts: { certificate?: string; yes?: boolean; dryRun?: boolean }) => {
        const input = { host, ...(opts.certificate ? { certificate: opts.certificate } : {}) };
        if (!ctx.json && !opts.dryRun) process.stderr.write(`Checking ${host}…\n`);
        const output = await runCommand(ctx, 'tls.deploy', input, {
          yes: opts.yes ?? false,
          dryRun: opts.dryRun ?? false,
          // Reloads the mail services of a live server: always asked, like any change operators feel at once.
          alwaysConfirm: true,
          describe: (result) => {
            const deployment = result as TlsDeployment;
            return `Deployed ${deployment.fingerprintSha256} to ${deployment.host}; every port serves it (deployment #${deployment.id}).`;
          },
        });
        if (output && !ctx.json) printChecks(output);
      }),
    );

  tls
    .command('deployments [host]')
    .description('The certificate deployments, newest first: what went where, when, and how it ended')
    .option('--limit <n>', 'at most this many', '20')
    .action(
      action(async (ctx, host: string | undefined, opts: { limit: string }) => {
        const rows = await ctx.client.query('tls.deployments', { ...(host ? { host } : {}), limit: Number(opts.limit) });
        if (ctx.json) return printJson(rows);
        printTable(
          rows.map((d) => ({ id: d.id, host: d.host, state: d.state, started: d.startedAt, certificate: `${d.fingerprintSha256.slice(0, 23)}…`, 'not after': d.notAfter.slice(0, 10), by: d.actor })),
          ['id', 'host', 'state', 'started', 'certificate', 'not after', 'by'],
        );
        for (const d of rows.filter((r) => r.problem)) process.stdout.write(`#${d.id}: ${safeText(d.problem ?? '')}\n`);
      }),
    );

  tls
    .command('configure <host>')
    .description('Where the host’s Dovecot and nginx configurations are and which ports are checked (no options: show them)')
    .option('--port <listener=port>', `a listener's port, or none (listeners: ${TLS_LISTENERS.join(', ')}); repeatable`, collect)
    .option('--address <address>', 'the address the checks connect to; "ssh": the SSH address (the default)')
    .option('--dovecot-config <path>', 'Dovecot’s main configuration file, or none')
    .option('--nginx-config <path>', 'the reverse proxy’s nginx configuration, or none')
    .option('--defaults', 'start from the defaults (25, 587, 465, 993, 443; /etc/dovecot/dovecot.conf; /etc/nginx/nginx.conf)')
    .option('--yes', 'do not ask')
    .action(
      action(async (ctx, host: string, opts: { port?: string[]; address?: string; dovecotConfig?: string; nginxConfig?: string; defaults?: boolean; yes?: boolean }) => {
        const ports = portFlags(opts.port);
        const changes = { ...(ports ? { ports } : {}), ...(opts.address !== undefined ? { address: opts.address === 'ssh' ? null : opts.address } : {}), ...(pathOrNone(opts.dovecotConfig) !== undefined ? { dovecotConfig: pathOrNone(opts.dovecotConfig) } : {}), ...(pathOrNone(opts.nginxConfig) !== undefined ? { nginxConfig: pathOrNone(opts.nginxConfig) } : {}) };
        if (!Object.keys(changes).length && !opts.defaults) {
          const settings = await ctx.client.query('tls.settings', { host });
          return ctx.json ? printJson(settings) : printSettings(settings);
        }
        await runCommand(ctx, 'tls.configure', { host, ...changes, defaults: opts.defaults ?? false }, { yes: opts.yes ?? false });
      }),
    );

  tls
    .command('issue <host>')
    .description('Issue a certificate from the console’s own CA (a new key, or the key of a pending request)')
    .requiredOption('--authority <name>', 'the internal CA')
    .option('--name <fqdn>', 'a name the certificate must cover (repeatable; default: the host’s mail names)', collect)
    .option('--request <id>', 'use the key of this pending request')
    .option('--algorithm <alg>', `key algorithm for a new key (default ecdsa-p256)`)
    .option('--days <n>', 'validity in days (at most 397)')
    .option('--yes', 'do not ask')
    .action(
      action(async (ctx, host: string, opts: { authority: string; name?: string[]; request?: string; algorithm?: string; days?: string; yes?: boolean }) => {
        const alg = algorithm(opts.algorithm);
        const input = {
          host,
          authority: opts.authority,
          names: await namesFor(ctx, host, opts.name),
          ...(opts.request ? { request: opts.request } : {}),
          ...(alg ? { algorithm: alg } : {}),
          ...(opts.days ? { validityDays: Number(opts.days) } : {}),
        };
        await runCommand(ctx, 'tls.issue', input, { yes: opts.yes ?? false, describe: (output) => `Issued ${(output as { id: string }).id}. Deploy it with: copper tls deploy ${host}` });
      }),
    );

  const ca = tls.command('ca').description('Certificate authorities: the console’s own, or your organisation’s root to validate against');
  ca.command('list')
    .option('--site <site>', 'only those for this site')
    .action(
      action(async (ctx, opts: { site?: string }) => {
        const rows = await ctx.client.query('tls.ca.list', { ...(opts.site ? { site: opts.site } : {}) });
        if (ctx.json) return printJson(rows);
        printTable(
          rows.map((a) => ({ name: a.name, kind: a.kind, site: a.site ?? 'every site', subject: a.certificate.subject, 'not after': a.certificate.notAfter.slice(0, 10), 'only for': a.permittedDomains.join(', ') })),
          ['name', 'kind', 'site', 'subject', 'not after', 'only for'],
        );
      }),
    );
  ca.command('create <name>')
    .description('Create the console’s own CA (its key stays in the secret store)')
    .requiredOption('--cn <common-name>', 'the CA’s common name')
    .option('--site <site>', 'only for this site')
    .option('--organisation <o>', 'the CA’s O=')
    .option('--permit <domain>', 'only for names in this domain (repeatable): a stolen CA key then vouches for nothing else', collect)
    .option('--days <n>', 'validity in days (default 3650)')
    .option('--yes', 'do not ask')
    .action(
      action(async (ctx, name: string, opts: { cn: string; site?: string; organisation?: string; permit?: string[]; days?: string; yes?: boolean }) => {
        const input = { name, commonName: opts.cn, ...(opts.site ? { site: opts.site } : {}), ...(opts.organisation ? { organisation: opts.organisation } : {}), permittedDomains: opts.permit ?? [], ...(opts.days ? { validityDays: Number(opts.days) } : {}) };
        await runCommand(ctx, 'tls.ca.create', input, { yes: opts.yes ?? false });
      }),
    );
  ca.command('trust <name> <file>')
    .description('Trust your organisation’s CA root certificate (PEM) for validating certificates')
    .option('--site <site>', 'only for this site')
    .option('--yes', 'do not ask')
    .action(
      action(async (ctx, name: string, file: string, opts: { site?: string; yes?: boolean }) => {
        const input = { name, certificatePem: readFileSync(file, 'utf8'), ...(opts.site ? { site: opts.site } : {}) };
        await runCommand(ctx, 'tls.ca.trust', input, { yes: opts.yes ?? false, alwaysConfirm: true });
      }),
    );
}

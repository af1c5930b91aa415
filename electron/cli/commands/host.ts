import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CopperError, type AuthMethod, type HostMode } from '../../../shared/contract';
import type { CliAction } from '../program';
import { printJson, printTable, safeText } from '../output';
import { runCommand } from '../cli-context';
import { readStdin } from '../prompt';

/** USER@HOST[:PORT], with IPv6 addresses in brackets: root@[fd00::5]:2222. */
export function parseSshTarget(value: string): { user: string; address: string; port: number } {
  const match = /^([^@\s]+)@(\[[^\]]+\]|[^:\s]+)(?::(\d+))?$/.exec(value.trim());
  if (!match) throw new CopperError('INVALID_INPUT', `--ssh takes USER@HOST or USER@HOST:PORT, not "${value}".`);
  const [, user = '', rawAddress = '', port] = match;
  return { user, address: rawAddress.replace(/^\[|\]$/g, ''), port: port ? Number(port) : 22 };
}

function readIdentity(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CopperError('INVALID_INPUT', `Cannot read the key file ${file}: ${(error as Error).message}`);
  }
}

async function secretFromStdin(): Promise<string> {
  const text = (await readStdin()).replace(/\r?\n$/, '');
  if (!text) throw new CopperError('INVALID_INPUT', '--password-stdin was given but standard input was empty.');
  return text;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface HostAddOptions {
  site: string;
  ssh: string;
  sudo?: boolean;
  dockerSocket?: string;
  identity?: string;
  passwordStdin?: boolean;
  jump?: string;
  mode: HostMode;
  fingerprint?: string;
  tag?: string[];
  notes?: string;
  mailName?: string[];
}

export function registerHost(program: Command, action: CliAction): Command {
  const host = program.command('host').description('Hosts: the servers the console reaches over SSH');

  host
    .command('add <name>')
    .description('Add a host to a site')
    .requiredOption('--site <site>', 'the site the host belongs to')
    .requiredOption('--ssh <user@host[:port]>', 'how to log in over SSH')
    .option('--identity <file>', 'an OpenSSH private key; it is copied into the secret vault')
    .option('--password-stdin', 'read the login password (or, with --identity, the key passphrase) from standard input')
    .option('--jump <host>', 'reach this host through another host of the inventory (like ProxyJump)')
    .option('--mode <mode>', 'native (services on the host) or docker (services in containers)', 'native')
    .option('--fingerprint <SHA256:…>', 'pin this host key now (as ssh-keygen -lf prints it)')
    .option('--sudo', 'run root-only commands through `sudo -n` (the login is not root)')
    .option('--docker-socket <path>', 'the Docker socket on the server', '/var/run/docker.sock')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .option('--notes <text>', 'free-form notes')
    .option('--mail-name <fqdn>', 'a public mail name of the host, e.g. mx1.example.org: what MX records point to and its certificates cover (repeatable)', collect)
    .action(
      action(async (ctx, name: string, opts: HostAddOptions) => {
        const secret = opts.passwordStdin ? await secretFromStdin() : undefined;
        const privateKey = opts.identity ? readIdentity(opts.identity) : undefined;
        const auth: AuthMethod = privateKey ? 'key' : secret ? 'password' : 'agent';
        await runCommand(
          ctx,
          'inventory.hosts.create',
          {
            name,
            site: opts.site,
            ssh: parseSshTarget(opts.ssh),
            auth,
            jumpHost: opts.jump ?? null,
            pinnedFingerprint: opts.fingerprint ?? null,
            mode: opts.mode,
            ...(opts.sudo ? { privilege: 'sudo' as const } : {}),
            ...(opts.dockerSocket ? { dockerSocket: opts.dockerSocket } : {}),
            tags: opts.tag ?? [],
            notes: opts.notes ?? '',
            mailNames: opts.mailName ?? [],
            ...(privateKey ? { privateKey } : {}),
            ...(secret ? (privateKey ? { keyPassphrase: secret } : { password: secret }) : {}),
          },
          { describe: () => `Host ${name} added to site ${opts.site}.` },
        );
      }),
    );

  host
    .command('list')
    .description('List hosts')
    .option('--site <site>', 'only hosts of this site')
    .option('--tag <tag>', 'only hosts with this tag')
    .option('--search <text>', 'only hosts whose name, address, tags or notes contain this text')
    .action(
      action(async (ctx, opts: { site?: string; tag?: string; search?: string }) => {
        const hosts = await ctx.client.query('inventory.hosts.list', opts);
        if (ctx.json) printJson(hosts);
        else
          printTable(
            hosts.map((h) => ({
              name: h.name,
              site: h.site,
              ssh: `${h.ssh.user}@${h.ssh.address}:${h.ssh.port}`,
              auth: h.auth,
              mode: h.mode,
              jump: h.jumpHost ?? '-',
              'host key': h.pinnedFingerprint ?? 'not pinned',
              tags: h.tags.join(','),
            })),
            ['name', 'site', 'ssh', 'auth', 'mode', 'jump', 'host key', 'tags'],
          );
      }),
    );

  host
    .command('show <name>')
    .description('Show one host')
    .action(
      action(async (ctx, name: string) => {
        const h = await ctx.client.query('inventory.hosts.get', { name });
        if (ctx.json) return printJson(h);
        const lines: Array<[string, string]> = [
          ['Name', h.name],
          ['Site', h.site],
          ['SSH', `${h.ssh.user}@${h.ssh.address}:${h.ssh.port}`],
          ['Login', h.auth],
          ['Jump host', h.jumpHost ?? '-'],
          ['Host key', h.pinnedFingerprint ?? 'not pinned yet'],
          ['Mode', h.mode],
          ['Root commands', h.privilege === 'sudo' ? 'through sudo -n' : h.privilege === 'root' ? 'root login' : 'not allowed'],
          ['Docker socket', h.dockerSocket],
          ['Tags', h.tags.join(', ') || '-'],
          ['Mail names', h.mailNames.join(', ') || '-'],
          ['Secrets held', h.storedSecrets.join(', ') || 'none'],
          ['Notes', h.notes || '-'],
        ];
        for (const [label, value] of lines) process.stdout.write(`${label.padEnd(13)}${safeText(value)}\n`);
      }),
    );

  host
    .command('edit <name>')
    .description('Change a host')
    .option('--rename <new-name>', 'a new name')
    .option('--site <site>', 'move to another site')
    .option('--ssh <user@host[:port]>', 'a new SSH login')
    .option('--identity <file>', 'replace the stored private key (switches to key login)')
    .option('--password-stdin', 'replace the password (or, with --identity, the key passphrase) from standard input')
    .option('--agent', 'log in with the ssh-agent')
    .option('--jump <host>', 'a new jump host')
    .option('--no-jump', 'connect directly')
    .option('--mode <mode>', 'native or docker')
    .option('--privilege <how>', 'how root-only commands run: root, sudo or none')
    .option('--docker-socket <path>', 'the Docker socket on the server')
    .option('--tag <tag>', 'replace the tags (repeatable)', collect)
    .option('--notes <text>', 'replace the notes')
    .option('--mail-name <fqdn>', 'replace the public mail names (repeatable)', collect)
    .option('--no-mail-names', 'remove every mail name')
    .action(
      action(async (ctx, name: string, opts: Record<string, unknown>) => {
        const set: Record<string, unknown> = {};
        if (typeof opts.rename === 'string') set.name = opts.rename;
        if (typeof opts.site === 'string') set.site = opts.site;
        if (typeof opts.ssh === 'string') set.ssh = parseSshTarget(opts.ssh);
        if (opts.jump === false) set.jumpHost = null;
        else if (typeof opts.jump === 'string') set.jumpHost = opts.jump;
        if (typeof opts.mode === 'string') set.mode = opts.mode;
        if (typeof opts.privilege === 'string') set.privilege = opts.privilege;
        if (typeof opts.dockerSocket === 'string') set.dockerSocket = opts.dockerSocket;
        if (Array.isArray(opts.tag)) set.tags = opts.tag;
        if (typeof opts.notes === 'string') set.notes = opts.notes;
        if (Array.isArray(opts.mailName)) set.mailNames = opts.mailName;
        if (opts.mailNames === false) set.mailNames = [];
        const secret = opts.passwordStdin ? await secretFromStdin() : undefined;
        const privateKey = typeof opts.identity === 'string' ? readIdentity(opts.identity) : undefined;
        if (privateKey) set.auth = 'key';
        else if (secret) set.auth = 'password';
        if (opts.agent) set.auth = 'agent';
        await runCommand(
          ctx,
          'inventory.hosts.update',
          {
            name,
            set,
            ...(privateKey ? { privateKey } : {}),
            ...(secret ? (privateKey ? { keyPassphrase: secret } : { password: secret }) : {}),
          } as never,
          { describe: () => `Host ${String(set.name ?? name)} changed.` },
        );
      }),
    );

  host
    .command('remove <name>')
    .description('Remove a host and the secrets held for it (asks first)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'show the plan only')
    .action(
      action(async (ctx, name: string, opts: { yes?: boolean; dryRun?: boolean }) => {
        await runCommand(ctx, 'inventory.hosts.delete', { name }, { ...opts, describe: () => `Host ${name} removed.` });
      }),
    );
  return host;
}

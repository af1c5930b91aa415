import type { Command } from 'commander';
import { CopperError, type HostCheck } from '../../../shared/contract';
import type { CliAction } from '../program';
import { printJson, printTable, safeText } from '../output';
import { runCommand } from '../cli-context';
import { hasTerminal } from '../prompt';

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
const mark = (value: string) => (value === 'yes' ? 'yes' : value === 'no' ? 'no' : '?');

function printCheck(check: HostCheck): void {
  const out = (label: string, value: string) => process.stdout.write(`${label.padEnd(11)}${safeText(value)}\n`);
  out('Host', `${check.host} (site ${check.site}, ${check.mode} mode)`);
  out('Reachable', check.reachable ? `yes, ${check.latencyMs ?? '?'} ms` : 'no');
  if (check.error) out('Problem', `${check.error.code}: ${check.error.message}`);
  if (check.reachable) {
    out('OS', check.os ?? 'unknown');
    out('Kernel', check.kernel ?? 'unknown');
    out('Uptime', check.uptimeSeconds === null ? 'unknown' : `${(check.uptimeSeconds / 86400).toFixed(1)} days`);
    out('Load', check.load ? check.load.join(' ') : 'unknown');
    out('Memory', check.memory ? `${gib(check.memory.availableBytes)} free of ${gib(check.memory.totalBytes)}` : 'unknown');
    process.stdout.write('\n');
    printTable(
      check.disks.map((d) => ({ mount: d.mount, type: d.type, size: gib(d.sizeBytes), free: gib(d.availableBytes), used: `${d.usePercent}%` })),
      ['mount', 'type', 'size', 'free', 'used'],
    );
    process.stdout.write('\n');
    printTable(
      check.components.map((c) => ({ component: c.name, present: mark(c.present), running: mark(c.running), version: c.version ?? '', where: c.detail })),
      ['component', 'present', 'running', 'version', 'where'],
    );
  }
  for (const warning of check.warnings) process.stdout.write(`! ${safeText(warning)}\n`);
}

/** Exit 3 when a host could not be checked because its key is not trusted, 1 when it was unreachable otherwise. */
function exitFor(checks: HostCheck[]): void {
  if (checks.some((c) => c.error?.code.startsWith('HOST_KEY_'))) process.exitCode = 3;
  else if (checks.some((c) => !c.reachable)) process.exitCode = 1;
}

export function registerReach(program: Command, host: Command, action: CliAction): void {
  host
    .command('trust <name>')
    .description("Pin the host's SSH key: with --fingerprint only if the server presents exactly that key, otherwise after you compare it")
    .option('--fingerprint <SHA256:…>', 'the fingerprint you verified on the server (ssh-keygen -lf)')
    .option('-y, --yes', 'trust whatever key is presented now (not recommended)')
    .action(
      action(async (ctx, name: string, opts: { fingerprint?: string; yes?: boolean }) => {
        if (!opts.fingerprint && !opts.yes && !hasTerminal()) {
          throw new CopperError('NOT_CONFIRMED', `No terminal to confirm the key of ${name} on. Verify its fingerprint on the server and pass --fingerprint SHA256:….`);
        }
        await runCommand(ctx, 'ssh.trust', { host: name, ...(opts.fingerprint ? { fingerprint: opts.fingerprint } : {}) }, {
          // A fingerprint given on the command line is the operator's confirmation: it is pinned only if it matches.
          yes: Boolean(opts.fingerprint) || Boolean(opts.yes),
          describe: (o) => `Pinned ${(o as { pinnedFingerprint: string }).pinnedFingerprint} for ${name}.`,
        });
      }),
    );

  host
    .command('check <name>')
    .description('Reachability, OS, load, disks, memory and the Copper components of one host')
    .action(
      action(async (ctx, name: string) => {
        const check = await ctx.client.task('fleet.check', { host: name });
        if (ctx.json) printJson(check);
        else printCheck(check);
        exitFor([check]);
      }),
    );

  const fleet = program.command('fleet').description('The whole fleet at a glance');
  fleet
    .command('status')
    .description('Check every host in parallel')
    .option('--site <site>', 'only hosts of this site')
    .option('--concurrency <n>', 'hosts checked at once', (v) => Number.parseInt(v, 10), 4)
    .action(
      action(async (ctx, opts: { site?: string; concurrency: number }) => {
        const checks = await ctx.client.task('fleet.status', { ...(opts.site ? { site: opts.site } : {}), concurrency: opts.concurrency }, {
          onProgress: (p) => !ctx.json && process.stderr.write(`${p.message}\n`),
        });
        if (ctx.json) printJson(checks);
        else
          printTable(
            checks.map((c) => ({
              host: c.host,
              site: c.site,
              reachable: c.reachable ? `yes (${c.latencyMs} ms)` : 'NO',
              components: c.components.filter((x) => x.running === 'yes').map((x) => x.name).join(',') || '-',
              warnings: c.warnings.length ? c.warnings.join(' | ') : '',
            })),
            ['host', 'site', 'reachable', 'components', 'warnings'],
          );
        exitFor(checks);
      }),
    );

  const docker = program.command('docker').description('Containers on a host, through SSH to its Docker socket');
  docker
    .command('ps <host>')
    .description('List containers with state and health')
    .action(
      action(async (ctx, hostName: string) => {
        const containers = await ctx.client.query('docker.containers', { host: hostName });
        if (ctx.json) printJson(containers);
        else
          printTable(
            containers.map((c) => ({ name: c.name, image: c.image, state: c.state, health: c.health, restarts: c.restartCount ?? '?', status: c.status })),
            ['name', 'image', 'state', 'health', 'restarts', 'status'],
          );
      }),
    );
  docker
    .command('images <host>')
    .action(
      action(async (ctx, hostName: string) => {
        const images = await ctx.client.query('docker.images', { host: hostName });
        if (ctx.json) printJson(images);
        else printTable(images.map((i) => ({ id: i.id.slice(7, 19), tags: i.tags.join(','), size: gib(i.sizeBytes) })), ['id', 'tags', 'size']);
      }),
    );
  docker
    .command('volumes <host>')
    .action(
      action(async (ctx, hostName: string) => {
        const volumes = await ctx.client.query('docker.volumes', { host: hostName });
        if (ctx.json) printJson(volumes);
        else printTable(volumes, ['name', 'driver', 'mountpoint']);
      }),
    );
  docker
    .command('logs <host> <container>')
    .description('The last lines of a container log')
    .option('--tail <n>', 'how many lines', (v) => Number.parseInt(v, 10), 200)
    .action(
      action(async (ctx, hostName: string, container: string, opts: { tail: number }) => {
        const logs = await ctx.client.task('docker.logs', { host: hostName, container, tail: opts.tail });
        if (ctx.json) return printJson(logs);
        for (const line of logs.lines) (line.stream === 'stderr' ? process.stderr : process.stdout).write(`${safeText(line.text)}\n`);
        if (logs.truncated) process.stderr.write('(output truncated)\n');
      }),
    );
  docker
    .command('restart <host> <container>')
    .description('Restart a container (asks first)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      action(async (ctx, hostName: string, container: string, opts: { yes?: boolean }) => {
        await runCommand(ctx, 'docker.restart', { host: hostName, container }, {
          ...opts,
          describe: (o) => {
            const r = o as { container: string; state: string; health: string };
            return `Restarted ${r.container}: ${r.state}${r.health !== 'none' ? `, ${r.health}` : ''}.`;
          },
        });
      }),
    );
  docker
    .command('stop <host> <container>')
    .description('Stop a container: mail through it stops until it is started again (asks first)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      action(async (ctx, hostName: string, container: string, opts: { yes?: boolean }) => {
        await runCommand(ctx, 'docker.stop', { host: hostName, container }, {
          ...opts,
          // Not destructive (nothing is lost), but it takes a service down: ask all the same.
          alwaysConfirm: true,
          describe: (o) => {
            const r = o as { container: string; state: string; exitCode: number | null; alreadyStopped: boolean };
            if (r.alreadyStopped) return `${r.container} was not running (${r.state}); nothing was done.`;
            return `Stopped ${r.container}: ${r.state}${r.exitCode !== null ? ` (exit code ${r.exitCode})` : ''}.`;
          },
        });
      }),
    );
}

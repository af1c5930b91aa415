import type { Command } from 'commander';
import type { CliAction } from '../program';
import { printJson, printTable } from '../output';
import { runCommand } from '../cli-context';

export function registerDomain(program: Command, action: CliAction): void {
  const domain = program.command('domain').description('Mail domains served by a site');

  domain
    .command('add <domain>')
    .description('Add a mail domain to a site')
    .requiredOption('--site <site>', 'the site that serves the domain')
    .action(
      action(async (ctx, name: string, opts: { site: string }) => {
        await runCommand(ctx, 'inventory.domains.create', { name, site: opts.site }, { describe: (d) => `Domain ${(d as { name: string }).name} added to site ${opts.site}.` });
      }),
    );

  domain
    .command('list')
    .description('List mail domains')
    .option('--site <site>', 'only domains of this site')
    .action(
      action(async (ctx, opts: { site?: string }) => {
        const domains = await ctx.client.query('inventory.domains.list', opts);
        if (ctx.json) printJson(domains);
        else printTable(domains.map((d) => ({ domain: d.name, site: d.site })), ['domain', 'site']);
      }),
    );

  domain
    .command('remove <domain>')
    .description('Remove a mail domain (asks first)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'show the plan only')
    .action(
      action(async (ctx, name: string, opts: { yes?: boolean; dryRun?: boolean }) => {
        await runCommand(ctx, 'inventory.domains.delete', { name }, { ...opts, describe: () => `Domain ${name} removed.` });
      }),
    );
}

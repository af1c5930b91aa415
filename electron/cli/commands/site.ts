import type { Command } from 'commander';
import type { CliAction } from '../program';
import { printJson, printTable } from '../output';
import { runCommand } from '../cli-context';

export function registerSite(program: Command, action: CliAction): void {
  const site = program.command('site').description('Sites: a location or network with its own hosts, domains and DNS resolver');

  site
    .command('add <name>')
    .description('Add a site')
    .option('--resolver <ip[:port]>', 'the internal DNS resolver of the site')
    .option('--description <text>', 'a description for operators', '')
    .action(
      action(async (ctx, name: string, opts: { resolver?: string; description: string }) => {
        await runCommand(ctx, 'inventory.sites.create', { name, resolver: opts.resolver ?? null, description: opts.description }, {
          describe: () => `Site ${name} added.`,
        });
      }),
    );

  site
    .command('list')
    .description('List sites')
    .option('--search <text>', 'only sites whose name, description, resolver or domains contain this text')
    .action(
      action(async (ctx, opts: { search?: string }) => {
        const sites = await ctx.client.query('inventory.sites.list', opts.search ? { search: opts.search } : {});
        if (ctx.json) printJson(sites);
        else
          printTable(
            sites.map((s) => ({ name: s.name, resolver: s.resolver ?? '-', hosts: s.hostCount, domains: s.domains.join(','), description: s.description })),
            ['name', 'resolver', 'hosts', 'domains', 'description'],
          );
      }),
    );

  site
    .command('edit <name>')
    .description('Change a site')
    .option('--rename <new-name>', 'a new name')
    .option('--resolver <ip[:port]>', 'a new internal DNS resolver')
    .option('--no-resolver', 'remove the resolver')
    .option('--description <text>', 'a new description')
    .action(
      action(async (ctx, name: string, opts: { rename?: string; resolver?: string | false; description?: string }) => {
        const set: { name?: string; resolver?: string | null; description?: string } = {};
        if (opts.rename !== undefined) set.name = opts.rename;
        if (opts.resolver === false) set.resolver = null;
        else if (opts.resolver !== undefined) set.resolver = opts.resolver;
        if (opts.description !== undefined) set.description = opts.description;
        await runCommand(ctx, 'inventory.sites.update', { name, set }, { describe: () => `Site ${set.name ?? name} changed.` });
      }),
    );

  site
    .command('remove <name>')
    .description('Delete a site with its hosts and domains (asks first)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'show the plan only')
    .action(
      action(async (ctx, name: string, opts: { yes?: boolean; dryRun?: boolean }) => {
        await runCommand(ctx, 'inventory.sites.delete', { name }, { ...opts, describe: () => `Site ${name} deleted.` });
      }),
    );
}

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CopperError } from '../../../shared/contract';
import type { CliAction } from '../program';
import { printJson } from '../output';
import { runCommand } from '../cli-context';
import { writeFileAtomic } from '../../core/secrets/atomic-file';
import { readStdin } from '../prompt';

export function registerInventory(program: Command, action: CliAction): void {
  const inventory = program.command('inventory').description('Move the whole inventory between workstations (never with secrets)');

  inventory
    .command('export <file>')
    .description('Write the inventory as JSON to FILE (- for standard output); secrets are never included')
    .action(
      action(async (ctx, file: string) => {
        const document = await ctx.client.query('inventory.export', {});
        const text = `${JSON.stringify(document, null, 2)}\n`;
        if (file === '-') {
          process.stdout.write(text);
          return;
        }
        writeFileAtomic(file, Buffer.from(text, 'utf8'), 0o644);
        if (ctx.json) printJson({ file, sites: document.sites.length, hosts: document.hosts.length });
        else process.stdout.write(`Exported ${document.sites.length} sites and ${document.hosts.length} hosts to ${file}.\n`);
      }),
    );

  inventory
    .command('import <file>')
    .description('Merge an exported inventory (creates and updates, never deletes); FILE may be - for standard input')
    .option('--dry-run', 'validate and report what would change, change nothing')
    .option('-y, --yes', 'do not ask before overwriting existing entries')
    .action(
      action(async (ctx, file: string, opts: { dryRun?: boolean; yes?: boolean }) => {
        let text: string;
        try {
          text = file === '-' ? await readStdin() : readFileSync(file, 'utf8');
        } catch (error) {
          throw new CopperError('INVALID_INPUT', `Cannot read ${file}: ${(error as Error).message}`);
        }
        let document: unknown;
        try {
          document = JSON.parse(text);
        } catch (error) {
          throw new CopperError('IMPORT_INVALID', `${file} is not JSON: ${(error as Error).message}`);
        }
        await runCommand(ctx, 'inventory.import', { document }, {
          ...opts,
          describe: (counts) => {
            const c = counts as Record<string, number>;
            return `Imported: ${c.sitesCreated} sites and ${c.hostsCreated} hosts created, ${c.sitesUpdated} sites and ${c.hostsUpdated} hosts updated, ${c.domainsCreated} domains added.`;
          },
        });
      }),
    );
}

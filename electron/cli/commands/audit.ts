import type { Command } from 'commander';
import { CopperError } from '../../../shared/contract';
import type { CliAction } from '../program';
import { printJson, printTable } from '../output';

export function registerAudit(program: Command, action: CliAction): void {
  const audit = program.command('audit').description('The tamper-evident audit trail of every change');

  audit
    .command('list')
    .description('List audit records, newest first')
    .option('--limit <n>', 'how many records', (v) => Number.parseInt(v, 10), 50)
    .option('--search <text>', 'only records mentioning this text')
    .action(
      action(async (ctx, opts: { limit: number; search?: string }) => {
        const { records, total } = await ctx.client.query('audit.list', { limit: opts.limit, ...(opts.search ? { search: opts.search } : {}) });
        if (ctx.json) return printJson(records);
        printTable(
          records.map((r) => ({
            seq: r.seq,
            time: r.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
            actor: r.actor,
            operation: r.operation,
            target: [r.site, r.host].filter(Boolean).join('/'),
            outcome: r.outcome.status + (r.outcome.code ? ` (${r.outcome.code})` : ''),
          })),
          ['seq', 'time', 'actor', 'operation', 'target', 'outcome'],
        );
        if (total > records.length) process.stdout.write(`… ${total - records.length} older records (use --limit)\n`);
      }),
    );

  audit
    .command('verify')
    .description('Check the hash chain; exit 3 naming the first bad record if anything was altered')
    .action(
      action(async (ctx) => {
        const verdict = await ctx.client.task('audit.verify', {});
        if (ctx.json) {
          printJson(verdict);
          if (!verdict.intact) process.exitCode = 3;
          return;
        }
        if (!verdict.intact) {
          throw new CopperError(
            'AUDIT_CHAIN_BROKEN',
            `The audit trail was tampered with at record ${verdict.firstBad?.seq ?? '?'}: ${verdict.firstBad?.reason ?? 'unknown reason'}`,
            verdict,
          );
        }
        if (!ctx.json) process.stdout.write(`Audit trail intact: ${verdict.count} records verified.\n`);
      }),
    );
}

import type { Command } from 'commander';
import { CopperError, findOperation, operationNames } from '../../../shared/contract';
import type { CliAction } from '../program';
import { printJson, printTable } from '../output';
import { runCommand } from '../cli-context';
import { readStdin } from '../prompt';

/** Every contract operation, reachable from a terminal even before it has a friendlier command of its own. */
export function registerCall(program: Command, action: CliAction): void {
  program
    .command('ops')
    .description('List every operation of the contract')
    .action(
      action(async (ctx) => {
        const rows = operationNames.map((name) => {
          const def = findOperation(name);
          return { operation: name, kind: def?.kind ?? '', summary: def?.summary ?? '' };
        });
        if (ctx.json) printJson(rows);
        else printTable(rows, ['operation', 'kind', 'summary']);
      }),
    );

  program
    .command('call <operation>')
    .description('Run any contract operation with JSON input (commands are planned and confirmed as usual)')
    .option('--input <json>', 'the input as JSON, or - to read it from standard input', '{}')
    .option('--dry-run', 'for commands: show the plan only')
    .option('-y, --yes', 'for commands: do not ask for confirmation')
    .action(
      action(async (ctx, operation: string, opts: { input: string; dryRun?: boolean; yes?: boolean }) => {
        const def = findOperation(operation);
        if (!def) throw new CopperError('UNKNOWN_OPERATION', `There is no operation named ${operation}. See \`copper ops\`.`);
        let input: unknown;
        try {
          input = JSON.parse(opts.input === '-' ? await readStdin() : opts.input);
        } catch (error) {
          throw new CopperError('INVALID_INPUT', `--input is not JSON: ${(error as Error).message}`);
        }
        if (def.kind === 'command') {
          await runCommand(ctx, operation as never, input as never, { ...opts, describe: (o) => JSON.stringify(o, null, 2) });
        } else if (def.kind === 'event') {
          throw new CopperError('INVALID_INPUT', `${operation} is an event; the CLI cannot subscribe to events.`);
        } else {
          const value =
            def.kind === 'task'
              ? await ctx.client.task(operation as never, input as never, {
                  onProgress: (p) => !ctx.json && process.stderr.write(`${p.message}\n`),
                })
              : await ctx.client.query(operation as never, input as never);
          printJson(value);
        }
      }),
    );
}

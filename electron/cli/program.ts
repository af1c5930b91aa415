import { Command, CommanderError } from 'commander';
import { CopperError } from '../../shared/contract';
import { COPPER_VERSION } from '../../shared/version';
import { toCopperError } from '../core/router/router';
import { openCli, type CliContext, type GlobalOptions } from './cli-context';
import { exitCodeFor, printError } from './output';
import { registerAudit } from './commands/audit';
import { registerBundle } from './commands/bundle';
import { registerBundleVerify } from './commands/bundle-verify';
import { registerCall } from './commands/call';
import { registerDomain } from './commands/domain';
import { registerDns } from './commands/dns';
import { registerDkim } from './commands/dkim';
import { registerHost } from './commands/host';
import { registerInventory } from './commands/inventory';
import { registerQueue } from './commands/queue';
import { registerProvision } from './commands/provision';
import { registerReach } from './commands/reach';
import { registerServe } from './commands/serve';
import { registerSite } from './commands/site';
import { registerTls } from './commands/tls';

/** Wraps a command's body: opens the core, runs, maps errors to messages and exit codes, always closes the core. */
export type CliAction = <A extends unknown[]>(body: (ctx: CliContext, ...args: A) => Promise<void>) => (...args: unknown[]) => Promise<void>;

export function buildProgram(): Command {
  const program = new Command('copper')
    .description('Copper Console: operate Copper mail servers on air-gapped networks')
    .version(COPPER_VERSION)
    .option('--data-dir <dir>', 'the data folder (default: $COPPER_HOME, else the per-user app-data folder)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride();

  const action: CliAction =
    (body) =>
    async (...args) => {
      const globals = program.opts<GlobalOptions>();
      let ctx: CliContext | undefined;
      try {
        ctx = openCli(globals);
        // Commander passes (positional…, options, command); the body gets the positionals and options.
        await body(ctx, ...(args.slice(0, -1) as never));
        process.exitCode ??= 0;
      } catch (error) {
        const copper = error instanceof CopperError ? error : toCopperError(error);
        printError(copper.toEnvelope(), globals.json ?? false);
        process.exitCode = exitCodeFor(copper.code);
      } finally {
        ctx?.close();
      }
    };

  registerSite(program, action);
  const host = registerHost(program, action);
  registerReach(program, host, action);
  registerDomain(program, action);
  registerInventory(program, action);
  registerQueue(program, action);
  registerDns(program, action);
  registerDkim(program, action);
  registerTls(program, action);
  registerAudit(program, action);
  registerBundle(program, action);
  registerBundleVerify(program, action);
  registerProvision(program, action);
  registerServe(program);
  registerCall(program, action);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2;
    }
    throw error;
  }
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CopperError } from '../../../shared/contract';
import { actorName, openCli, type GlobalOptions } from '../cli-context';
import { exitCodeFor, printError, safeText } from '../output';
import { hasTerminal, vaultPassphrase } from '../prompt';
import { toCopperError } from '../../core/router/router';

/**
 * `copper serve`: the browser shell. The vault passphrase is asked once at start (or taken from COPPER_PASSPHRASE),
 * because a browser tab cannot answer a terminal prompt later.
 */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the console to a browser on this machine (127.0.0.1 only, with an access token)')
    .option('--port <n>', 'the port (default: any free port)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { port?: number }) => {
      const globals = program.opts<GlobalOptions>();
      try {
        const rendererDir = join(__dirname, '..', 'renderer');
        if (!existsSync(join(rendererDir, 'index.html'))) {
          throw new CopperError('INTERNAL', 'The user interface is not built. Run `npm run build` first.');
        }
        let passphrase: string | undefined;
        let asked = false;
        const ctx = openCli(globals, 'browser', async (creating) => {
          if (!asked) {
            asked = true;
            passphrase = await vaultPassphrase(creating);
          }
          return passphrase;
        });
        if (process.env.COPPER_PASSPHRASE || hasTerminal()) {
          try {
            await ctx.vault.unlock();
          } catch (error) {
            ctx.close();
            throw error;
          }
        }
        // Loaded only here: the WebSocket server is not needed by any other command.
        const { startBrowserShell } = await import('../serve/browser-shell-server');
        const shell = await startBrowserShell({ core: ctx.core, rendererDir, actor: actorName('browser'), ...(opts.port ? { port: opts.port } : {}) });
        const status = ctx.vault.status();
        if (globals.json) {
          process.stdout.write(`${JSON.stringify({ url: shell.url, port: shell.port, dataDir: ctx.dataDir, secretStore: status })}\n`);
        } else {
          process.stdout.write(
            `Copper Console is serving on 127.0.0.1 only.\nOpen: ${shell.url}\nData: ${safeText(ctx.dataDir)}\nSecrets: ${status.state === 'locked' || status.state === 'absent' ? 'locked: set COPPER_PASSPHRASE or start from a terminal to store passwords and keys' : 'vault unlocked'}\nPress Ctrl+C to stop.\n`,
          );
        }
        const stop = () => {
          void shell.close().then(() => {
            ctx.close();
            process.exit(0);
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (error) {
        const copper = toCopperError(error);
        printError(copper.toEnvelope(), globals.json ?? false);
        process.exitCode = exitCodeFor(copper.code);
      }
    });
}

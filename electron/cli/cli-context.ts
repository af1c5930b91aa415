import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { CopperClient, InputOf, OutputOf } from '../../shared/client/client';
import { CopperError, type BasicPlan, type CommandName } from '../../shared/contract';
import { COPPER_VERSION } from '../../shared/version';
import { createCore, type Core } from '../core/app/core';
import { connectInProcess } from '../core/app/in-process-client';
import { PassphraseVault } from '../core/secrets/passphrase-vault';
import { confirm, hasTerminal, vaultPassphrase } from './prompt';
import { printJson, printPlan } from './output';
import { resolveDataDir } from './data-dir';

export interface GlobalOptions {
  dataDir?: string;
  json?: boolean;
}

export interface CliContext {
  core: Core;
  client: CopperClient;
  json: boolean;
  dataDir: string;
  vault: PassphraseVault;
  close(): void;
}

export const vaultFile = (dataDir: string) => join(dataDir, 'vault.bin');
export const actorName = (shell: string) => `${safeUser()}@${shell}`;

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * The CLI talks to the core exactly as the other shells do: through a session and the typed client, here connected
 * in-process instead of over IPC or a WebSocket.
 */
export function openCli(options: GlobalOptions, shell: 'cli' | 'browser' = 'cli', passphrase = vaultPassphrase): CliContext {
  const dataDir = resolveDataDir(options.dataDir);
  const vault = new PassphraseVault({ file: vaultFile(dataDir), passphrase });
  const core = createCore({ dataDir, secrets: vault, shell, version: COPPER_VERSION });
  const { client, close } = connectInProcess(core, actorName(shell));
  return {
    core,
    client,
    json: options.json ?? false,
    dataDir,
    vault,
    close() {
      close();
      core.close();
    },
  };
}

export interface RunCommandOptions {
  yes?: boolean;
  dryRun?: boolean;
  /** Ask even when the plan is not destructive (e.g. queue actions, which change many messages at once). */
  alwaysConfirm?: boolean;
  /** What to print after success, in human mode. */
  describe?: (output: unknown) => string;
}

/**
 * Plan → show → confirm → execute for one command. Destructive plans need `--yes` or a "y" on the terminal; with no
 * terminal and no `--yes` they are refused with exit code 2, and nothing is changed.
 */
export async function runCommand<N extends CommandName>(
  ctx: CliContext,
  name: N,
  input: InputOf<N>,
  options: RunCommandOptions = {},
): Promise<OutputOf<N> | undefined> {
  const { plan, planHash } = await ctx.client.plan(name, input);
  const basic = plan as BasicPlan;
  if (options.dryRun) {
    if (ctx.json) printJson({ dryRun: true, plan });
    else {
      printPlan(basic);
      process.stdout.write('Dry run: nothing was changed.\n');
    }
    return undefined;
  }
  if (!ctx.json) printPlan(basic);
  if (basic.changes.length === 0) {
    if (ctx.json) printJson({ plan, changed: false });
    else process.stdout.write('Nothing to do.\n');
    return undefined;
  }
  if ((basic.destructive || options.alwaysConfirm) && !options.yes) {
    if (!hasTerminal()) {
      throw new CopperError('NOT_CONFIRMED', 'This change needs confirmation and there is no terminal to ask on. Review the plan and re-run with --yes.');
    }
    const answer = await confirm('Go ahead?');
    if (!answer) throw new CopperError('NOT_CONFIRMED', 'Not confirmed: nothing was changed.');
  }
  const output = await ctx.client.execute(name, input, planHash);
  if (ctx.json) printJson(output);
  else process.stdout.write(`${options.describe ? options.describe(output) : 'Done.'}\n`);
  return output;
}

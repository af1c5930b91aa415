import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CopperError, type BundleVerdict } from '../../../shared/contract';
import { runCommand } from '../cli-context';
import type { CliAction } from '../program';
import { printJson, printTable, safeText } from '../output';

const size = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

function printVerdict(verdict: BundleVerdict): void {
  const { manifest } = verdict;
  process.stdout.write(
    `Bundle OK: ${safeText(manifest.stackName)} ${safeText(manifest.stackVersion)}, signed by ${safeText(verdict.publisher.name)} (${verdict.publisher.keyId}); ` +
      `${verdict.fileCount} files, ${size(verdict.totalBytes)}, every SHA-256 verified.\n`,
  );
  printTable(
    manifest.images.map((image) => ({ image: image.tags.join(', '), id: image.imageId, file: image.file })),
    ['image', 'id', 'file'],
  );
  process.stdout.write(`Services: ${Object.keys(verdict.stack.services).join(', ')}\n`);
}

/**
 * `copper bundle verify PATH` and `copper bundle keys list|add|remove`. Shares the `bundle` command with the transfer's
 * `bundle push` (commands/bundle.ts): whichever registers first creates it.
 */
export function registerBundleVerify(program: Command, action: CliAction): void {
  const bundle = program.commands.find((c) => c.name() === 'bundle') ?? program.command('bundle').description('Offline bundles: verify them, push them to a host');

  bundle
    .command('verify <path>')
    .description('Verify a bundle folder or tar: signature by a trusted publisher, every file and image digest. Exit 3 naming the reason if it fails')
    .action(
      action(async (ctx, path: string) => {
        const stop = new AbortController();
        const onInterrupt = () => stop.abort();
        process.once('SIGINT', onInterrupt);
        try {
          const verdict = await ctx.client.task(
            'provision.bundle.verify',
            { path: resolve(path) },
            { signal: stop.signal, onProgress: (p) => !ctx.json && process.stderr.isTTY && process.stderr.write(`\r${safeText(p.message).slice(0, 70).padEnd(70)}`) },
          );
          if (!ctx.json && process.stderr.isTTY) process.stderr.write('\n');
          if (ctx.json) printJson({ ok: true, ...verdict });
          else printVerdict(verdict);
        } finally {
          process.removeListener('SIGINT', onInterrupt);
        }
      }),
    );

  const keys = bundle.command('keys').description('The publisher keys whose bundles this console trusts');

  keys
    .command('list')
    .description('List trusted publisher keys (the shipped release key and keys added here)')
    .action(
      action(async (ctx) => {
        const { keys: list } = await ctx.client.query('provision.keys.list', {});
        if (ctx.json) return printJson(list);
        printTable(
          list.map((key) => ({ keyId: key.keyId, name: key.name, origin: key.origin, added: key.addedAt ? `${key.addedAt} by ${key.addedBy ?? '?'}` : '' })),
          ['keyId', 'name', 'origin', 'added'],
        );
      }),
    );

  keys
    .command('add <name> <publicKeyFile>')
    .description('Trust bundles signed by this Ed25519 public key (PEM file); shows the key ID and asks')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'show the plan only')
    .action(
      action(async (ctx, name: string, file: string, flags: { yes?: boolean; dryRun?: boolean }) => {
        let publicKeyPem: string;
        try {
          publicKeyPem = readFileSync(file, 'utf8');
        } catch (error) {
          throw new CopperError('INVALID_INPUT', `Cannot read the public key file ${file}: ${(error as Error).message}`);
        }
        await runCommand(ctx, 'provision.keys.add', { name, publicKeyPem }, {
          yes: flags.yes,
          dryRun: flags.dryRun,
          alwaysConfirm: true,
          describe: (output) => `Now trusting ${(output as { key: { keyId: string } }).key.keyId} (${name}).`,
        });
      }),
    );

  keys
    .command('remove <keyId>')
    .description('Stop trusting an operator-added publisher key')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'show the plan only')
    .action(
      action(async (ctx, keyId: string, flags: { yes?: boolean; dryRun?: boolean }) => {
        await runCommand(ctx, 'provision.keys.remove', { keyId }, { yes: flags.yes, dryRun: flags.dryRun, alwaysConfirm: true, describe: () => `No longer trusting ${keyId}.` });
      }),
    );
}

import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { BundlePushResult } from '../../../shared/contract';
import type { CliAction } from '../program';
import { printJson, printTable, safeText } from '../output';
import { progressPrinter } from '../progress';

const size = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

function printPush(result: BundlePushResult): void {
  process.stdout.write(`Bundle ${safeText(result.stackVersion)} staged on ${result.host} in ${safeText(result.stagingDir)} (${size(result.bytesSent)} sent)\n`);
  printTable(
    result.files.map((f) => ({ file: f.path, size: size(f.size), outcome: f.outcome === 'resumed' ? `resumed at ${size(f.resumedFrom)}` : f.outcome, sha256: f.sha256 })),
    ['file', 'size', 'outcome', 'sha256'],
  );
  for (const image of result.images) {
    process.stdout.write(`${image.loaded ? 'Loaded' : 'Already loaded'} ${safeText(image.tags.join(', ') || image.file)} = ${image.imageId} (ID checked)\n`);
  }
}

/** `copper bundle …`: offline bundles on removable media. */
export function registerBundle(program: Command, action: CliAction): Command {
  const bundle = program.commands.find((c) => c.name() === 'bundle') ?? program.command('bundle').description('Offline bundles: verify them, push them to a host');

  bundle
    .command('push <host> <path>')
    .description('Upload a bundle folder to a host over SFTP (resumes an interrupted upload), verify its SHA-256s there and load its images')
    .option('--staging-dir <dir>', 'absolute folder on the server to stage bundles in (default: ~/.copper/bundles)')
    .action(
      action(async (ctx, host: string, path: string, opts: { stagingDir?: string }) => {
        const printer = progressPrinter();
        // Ctrl-C cancels the transfer cleanly; what was sent stays staged and the next push resumes it.
        const stop = new AbortController();
        const onInterrupt = () => stop.abort();
        process.once('SIGINT', onInterrupt);
        try {
          const result = await ctx.client.task(
            'provision.bundle.push',
            { host, path: resolve(path), ...(opts.stagingDir ? { stagingRoot: opts.stagingDir } : {}) },
            { signal: stop.signal, onProgress: (p) => !ctx.json && printer.show(p) },
          );
          printer.end();
          if (ctx.json) printJson(result);
          else printPush(result);
        } finally {
          printer.end();
          process.removeListener('SIGINT', onInterrupt);
        }
      }),
    );
  return bundle;
}

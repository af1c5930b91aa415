import { z } from 'zod';
import { CopperError } from '../../../../shared/contract';
import type { ExecTarget } from '../../exec/exec-target';

/**
 * `sha256sum -b` output: one line per file, "<64 hex> *<path>". Paths here come from the staging folder and the
 * manifest's safe names, so sha256sum never escapes them (it prefixes a line with "\" when it does: refused below).
 */
const Line = z.string().regex(/^[0-9a-f]{64} [ *]\/.+$/);

/** sha256sum reads about 0.5–1 GB/s; allow a slow disk 50 MB/s on top of a fixed minute. */
const timeoutFor = (bytes: number) => 60_000 + Math.ceil(bytes / (50 * 1024 * 1024)) * 1000;

/**
 * SHA-256 of files on the server, computed there (the bytes never come back). Returns path → hex digest; a file
 * sha256sum could not read is absent from the map (the caller names it).
 */
export async function remoteSha256(
  target: ExecTarget,
  paths: readonly string[],
  totalBytes: number,
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  if (paths.length === 0) return new Map();
  // `--` ends the options: no path can be taken for one (they are absolute anyway).
  const result = await target.run({ argv: ['sha256sum', '-b', '--', ...paths], timeoutMs: timeoutFor(totalBytes), maxOutputBytes: 1024 * 1024, ...(signal ? { signal } : {}) });
  if (result.exitCode === 127) {
    throw new CopperError('COMMAND_FAILED', `sha256sum is not installed on ${target.description}, so the upload cannot be verified there. Install coreutils on the server.`);
  }
  const digests = parseSha256sum(result.stdout, paths, target.description);
  if (result.exitCode !== 0 && digests.size === paths.length) {
    throw new CopperError('COMMAND_FAILED', `sha256sum on ${target.description} failed (exit ${String(result.exitCode)}): ${result.stderr.trim().slice(0, 300)}`);
  }
  return digests;
}

/**
 * Reads `sha256sum -b` output for the given paths. A line that is not "<digest> *<path>" for one of them is refused,
 * not skipped: a digest must never be attributed to the wrong file. Files sha256sum could not read are simply absent.
 */
export function parseSha256sum(stdout: string, paths: readonly string[], where: string): Map<string, string> {
  const wanted = new Set(paths);
  const digests = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    if (!Line.safeParse(line).success) {
      throw new CopperError('COMMAND_FAILED', `sha256sum on ${where} printed a line the console cannot read: ${JSON.stringify(line.slice(0, 200))}.`);
    }
    const path = line.slice(66);
    if (!wanted.has(path)) throw new CopperError('COMMAND_FAILED', `sha256sum on ${where} reported a file that was not asked for: ${JSON.stringify(path.slice(0, 200))}.`);
    digests.set(path, line.slice(0, 64));
  }
  return digests;
}

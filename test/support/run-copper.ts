import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..');
export const copperBin = join(repoRoot, 'bin', 'copper.js');

export interface CopperRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `copper` command as an operator would, in its own session (detached) so it has no controlling
 * terminal: exactly the situation of CI, cron or a pipe.
 */
export function runCopper(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CopperRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [copperBin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, COPPER_HOME: '', COPPER_PASSPHRASE: '', ...options.env },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

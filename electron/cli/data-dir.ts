import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The per-user app-data folder, the same one Electron's `userData` uses for the product name, so the desktop app, the
 * browser shell and the CLI share one inventory and audit trail. `--data-dir` wins over `COPPER_HOME`, which wins over this.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const product = 'Copper Console';
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), product);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', product);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), product);
}

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? (env.COPPER_HOME || defaultDataDir(env));
}

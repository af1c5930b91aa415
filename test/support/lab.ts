import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './run-copper';

/** What scripts/lab/up.sh wrote about the lab servers it started on 127.0.0.1. */
export interface Lab {
  dir: string;
  ssh: { host: string; port: number; hostKeyFingerprint: string; originalHostKeyFingerprint: string };
  jump: { host: string; port: number; hostKeyFingerprint: string };
  users: {
    key: { name: string; privateKey: string };
    encryptedKey: { name: string; privateKey: string; passphrase: string };
    password: { name: string; password: string };
    sudo: { name: string; privateKey: string };
  };
  docker: { socket: string; image: string; container: string };
  /** The second dockerd provisioning tests install a Copper stack onto (started empty of Copper images). */
  stackDocker: { socket: string; host: string; group: string; log: string };
  /** The lab's real Copper image (copper-entry openldap|mail), built on the lab engine (docker.socket), never on stackDocker. */
  copperImage: string;
}

export const labDir = process.env.COPPER_LAB_DIR || join(repoRoot, '.lab');

/** Reads lab.json, failing loudly (never skipping) when the lab is not up. */
export function lab(): Lab {
  const file = join(labDir, 'lab.json');
  if (!existsSync(file)) {
    throw new Error(`The lab is not running (${file} is missing). Start it with \`bash scripts/lab/up.sh\`; \`npm test\` does this itself.`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Lab;
}

export const readKey = (path: string) => readFileSync(path, 'utf8');

/** Replaces the lab sshd's host key (restore: true puts the original back). */
export function rekeySshd(restore = false): void {
  const result = spawnSync('bash', [join(repoRoot, 'scripts/lab/rekey-sshd.sh'), ...(restore ? ['--restore'] : [])], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`rekey-sshd.sh failed: ${result.stderr}`);
}

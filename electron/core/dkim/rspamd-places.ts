import { CopperError, type Host, type RspamdSettings } from '../../../shared/contract';
import type { Container } from '../../../shared/contract/docker';
import type { ExecResult, ExecTarget } from '../exec/exec-target';
import type { ExecTargets } from '../exec/exec-targets';
import { containersRunning } from '../fleet/docker-components';

/** Lists a host's running containers (the Docker service's `containers(host, false)`). */
export type RunningContainers = (host: string, signal?: AbortSignal) => Promise<Container[]>;

/**
 * Docker mode: the container that runs a host's Rspamd. The rotation writes the same files as on a native host, on the
 * host, into folders the container bind-mounts at the same paths (the Copper stack mounts /etc/copper/rspamd and
 * /etc/copper/dkim), so writing, rolling back and the sudo rules are the same in both modes, and the paths the console
 * writes into the configuration are the ones Rspamd reads. Only what talks to Rspamd (the reload, rspamc) runs inside
 * the container, through Docker exec: on such a host Rspamd is not on the host, or another one is.
 */
export interface RspamdContainer {
  name: string;
  target: ExecTarget;
  /**
   * The owner of the key files, as numbers: Rspamd's user and group as the CONTAINER knows them. The host may have no
   * such user, or one with another id (two Debian systems number their system users in install order), and a key
   * owned by the host's `_rspamd` would then be unreadable to the container's. Numbers mean the same on both sides.
   */
  uid: string;
  gid: string;
  /** The host's user with that uid, if any (and not Rspamd's own): it could read the keys on the host. */
  hostUserWithUid: string | null;
}

/** null: a native host (Rspamd on the host itself). Docker mode: its container, checked to see the host's folders. */
export async function placeRspamd(host: Host, settings: RspamdSettings, exec: ExecTargets, running: RunningContainers | null, signal?: AbortSignal): Promise<RspamdContainer | null> {
  if (host.mode === 'native') return null;
  if (!running) {
    throw new CopperError('INVALID_INPUT', `${host.name} runs its mail services in containers (docker mode), and this console was started without access to Docker for the DKIM rotation. Use a console build that rotates DKIM keys on docker-mode hosts.`, { host: host.name });
  }
  const container = containersRunning(await running(host.name, signal), 'rspamd')[0];
  if (!container) {
    throw new CopperError(
      'RSPAMD_RELOAD_FAILED',
      `No running container on ${host.name} runs Rspamd, so no key can be activated there: nothing was written. Start the mail container (copper docker containers ${host.name} lists them), or label the container that runs Rspamd with copper.components=rspamd, then run rotate again.`,
      { host: host.name },
    );
  }
  const name = container.name.replace(/^\//, '');
  const target = await exec.inContainer(host.name, name);
  const uid = await numericId(target, ['getent', 'passwd', settings.user], host.name, name, `user ${settings.user}`, signal);
  const gid = await numericId(target, ['getent', 'group', settings.group], host.name, name, `group ${settings.group}`, signal);
  const onHost = exec.onHost(host.name);
  for (const folder of [settings.localConfDir, settings.keyDir]) await expectSameFolder(onHost, target, folder.replace(/\/+$/, '') || '/', host.name, name, signal);
  const hostUser = await onHost.run({ argv: ['getent', 'passwd', uid], timeoutMs: 30_000, maxOutputBytes: 64 * 1024, ...(signal ? { signal } : {}) });
  const hostName = hostUser.exitCode === 0 ? (hostUser.stdout.split(':')[0] ?? '').trim() : '';
  return { name, target, uid, gid, hostUserWithUid: hostName && hostName !== settings.user ? hostName.slice(0, 64) : null };
}

/** The plan's warning when the key files' owner is, on the host, an unrelated user. */
export function hostOwnerWarning(hostName: string, settings: RspamdSettings, container: RspamdContainer | null): string | null {
  if (!container?.hostUserWithUid) return null;
  return `On ${hostName} the key files belong to uid ${container.uid}, which is ${settings.user} in container ${container.name} but the host's user ${container.hostUserWithUid}: that user can read the private keys on the host. Give Rspamd's user in the image an id no host user has.`;
}

/** The id in `getent` output ("_rspamd:x:101:104:…"): the third field, for users and groups alike. */
async function numericId(target: ExecTarget, argv: string[], hostName: string, container: string, what: string, signal?: AbortSignal): Promise<string> {
  const result = await target.run({ argv, timeoutMs: 30_000, maxOutputBytes: 64 * 1024, ...(signal ? { signal } : {}) });
  const id = result.exitCode === 0 ? (result.stdout.split('\n')[0] ?? '').split(':')[2] : undefined;
  if (!id || !/^\d{1,10}$/.test(id)) {
    throw new CopperError(
      'INVALID_INPUT',
      `Rspamd's ${what} does not exist in container ${container} on ${hostName} (${argv.join(' ')}: ${firstLine(result)}). Set the user and group Rspamd runs as in that container (copper dkim rspamd ${hostName}); nothing was written.`,
      { host: hostName, container },
    );
  }
  return id;
}

/**
 * The container sees the host's folder at the same path: the same file system and inode on both sides (what a bind
 * mount shows). Otherwise the console would write files Rspamd never reads, and name paths in its configuration that
 * do not exist where Rspamd looks; refused before anything is written.
 */
async function expectSameFolder(host: ExecTarget, container: ExecTarget, folder: string, hostName: string, containerName: string, signal?: AbortSignal): Promise<void> {
  const argv = ['stat', '-L', '-c', '%d:%i', '--', folder];
  const options = { argv, timeoutMs: 30_000, maxOutputBytes: 4096, ...(signal ? { signal } : {}) };
  const onHost = await host.run(options);
  if (onHost.exitCode !== 0) {
    throw new CopperError(
      'INVALID_INPUT',
      `${folder} does not exist on ${hostName} (${firstLine(onHost)}). In docker mode the console writes Rspamd's DKIM files into host folders that the Rspamd container mounts at the same paths: create it, bind-mount it read-only at ${folder} in container ${containerName} (as the Copper stack does), or set the folders the container mounts (copper dkim rspamd ${hostName}). Nothing was written.`,
      { host: hostName, container: containerName, folder },
    );
  }
  const inside = await container.run(options);
  if (inside.exitCode !== 0 || inside.stdout.trim() !== onHost.stdout.trim()) {
    throw new CopperError(
      'INVALID_INPUT',
      `Container ${containerName} on ${hostName} does not see the host's ${folder} at ${folder} (${inside.exitCode === 0 ? 'another folder is there' : firstLine(inside)}), so Rspamd there would not read what the console writes. Bind-mount the host's ${folder} read-only at ${folder} in it, as the Copper stack does, or set the folders it mounts (copper dkim rspamd ${hostName}). Nothing was written.`,
      { host: hostName, container: containerName, folder },
    );
  }
}

/** A program's complaint, one line, bounded: server output is data, shown as text and never interpreted. */
export function firstLine(result: ExecResult): string {
  const text = (result.stderr.trim() || result.stdout.trim() || 'no output').split('\n')[0] ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a message
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300);
}

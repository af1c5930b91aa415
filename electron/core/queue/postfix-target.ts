import { CopperError } from '../../../shared/contract/errors';
import type { DockerService } from '../docker/docker.service';
import type { ExecTarget } from '../exec/exec-target';
import type { ExecTargets } from '../exec/exec-targets';
import { containersRunning } from '../fleet/docker-components';
import type { InventoryService } from '../inventory/inventory.service';

export interface PostfixCommands {
  target: ExecTarget;
  /** The absolute path of a Postfix program (postqueue, postsuper, postcat) on that target. */
  program(name: 'postqueue' | 'postsuper' | 'postcat'): string;
}

/** Runs postqueue, unprivileged, without first asking where it is. */
export interface PostqueueRunner {
  target: ExecTarget;
  /** The argv that runs `postqueue ARGS…` on the target. */
  postqueue(...args: string[]): string[];
}

const POSTFIX_PATH = 'PATH="$PATH:/usr/sbin:/usr/local/sbin:/sbin:/opt/postfix/sbin"';
/** A fixed script, no operator input: finds postqueue on the usual PATH or in the sbin folders Postfix installs to. */
const FIND_POSTQUEUE = `${POSTFIX_PATH}; command -v postqueue`;
/**
 * A fixed script that finds postqueue the same way and runs it with the arguments passed as positional parameters
 * ("$@"), so nothing is ever spliced into the script. Reading the queue this way costs one round trip instead of two;
 * if postqueue is missing, sh's exit 127 says so.
 */
const RUN_POSTQUEUE = `${POSTFIX_PATH}; exec postqueue "$@"`;

async function commandDirectory(target: ExecTarget, signal?: AbortSignal): Promise<string> {
  const found = await target.run({ argv: ['sh', '-c', FIND_POSTQUEUE], timeoutMs: 20_000, maxOutputBytes: 4096, ...(signal ? { signal } : {}) });
  const path = found.stdout.trim();
  if (found.exitCode !== 0 || !/^\/[A-Za-z0-9._/-]+\/postqueue$/.test(path)) {
    throw new CopperError('POSTFIX_UNAVAILABLE', `Postfix was not found on ${target.description}: postqueue is not installed there (looked on the PATH and in /usr/sbin, /usr/local/sbin). Install Postfix or check the host's mode (native or docker).`);
  }
  return path.slice(0, -'/postqueue'.length);
}

/** Programs are found per host and per place they run (the host itself, or one container). */
const directoryKey = (hostName: string, target: ExecTarget) => `${hostName}\u0000${target.description}`;

/**
 * Where a host's Postfix commands run: on the host in native mode, inside its Postfix container in docker mode. The
 * queue feature asks here, so both modes read and act on the queue the same way.
 */
export class PostfixLocator {
  /** Where each host's Postfix programs live, found once per session. */
  private readonly directories = new Map<string, string>();

  constructor(
    private readonly inventory: InventoryService,
    private readonly exec: ExecTargets,
    private readonly docker: DockerService,
  ) {}

  /**
   * The target and the absolute path of each Postfix program. Absolute, because a non-root login's PATH usually lacks
   * /usr/sbin, and because sudo rules name programs by full path.
   */
  async locate(hostName: string, signal?: AbortSignal): Promise<PostfixCommands> {
    const target = await this.target(hostName, signal);
    const key = directoryKey(hostName, target);
    let directory = this.directories.get(key);
    if (directory === undefined) {
      directory = await commandDirectory(target, signal);
      this.directories.set(key, directory);
    }
    const dir = directory;
    return { target, program: (name) => `${dir}/${name}` };
  }

  /**
   * For reading: postqueue needs no root, so it need not be found by full path first. Every CLI run starts a new
   * session, and the extra `command -v` round trip was a tenth of `copper queue summary` on a 10,000-message queue.
   */
  async reader(hostName: string, signal?: AbortSignal): Promise<PostqueueRunner> {
    const target = await this.target(hostName, signal);
    const directory = this.directories.get(directoryKey(hostName, target));
    return {
      target,
      postqueue: (...args) => (directory === undefined ? ['sh', '-c', RUN_POSTQUEUE, 'postqueue', ...args] : [`${directory}/postqueue`, ...args]),
    };
  }

  private async target(hostName: string, signal?: AbortSignal): Promise<ExecTarget> {
    const host = this.inventory.getHost(hostName);
    if (host.mode === 'native') return this.exec.onHost(host.name);
    const candidates = containersRunning(await this.docker.containers(host.name, false, signal), 'postfix');
    const container = candidates[0];
    if (!container) {
      throw new CopperError(
        'POSTFIX_UNAVAILABLE',
        `No running Postfix container was found on ${host.name}. Start it, or label the container that runs Postfix with copper.components=postfix.`,
        { host: host.name },
      );
    }
    return this.exec.inContainer(host.name, container.name.replace(/^\//, ''));
  }
}

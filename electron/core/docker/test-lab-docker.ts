// Test support for the suites that run against the lab's real Docker engine (not part of the console itself).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Dockerode from 'dockerode';

const repoRoot = resolve(__dirname, '..', '..', '..');
const labFile = join(repoRoot, '.lab', 'lab.json');
const START_THE_LAB = 'Start the lab with `bash scripts/lab/up.sh`, then run the tests again.';

export interface LabDocker {
  /** Talks to the lab engine's unix socket directly: the SSH path is tested elsewhere. */
  docker: Dockerode;
  socket: string;
  /** copper-lab/busybox:1: sh, echo, cat, sleep, seq, yes, head… */
  image: string;
  /** The lab's long-running container (copper-lab-web). */
  container: string;
}

/** The lab's engine, or a failure that says how to start it: these suites never skip silently. */
export async function openLabDocker(): Promise<LabDocker> {
  if (!existsSync(labFile)) throw new Error(`${labFile} is missing: the lab is not running. ${START_THE_LAB}`);
  const lab = JSON.parse(readFileSync(labFile, 'utf8')) as { docker?: { socket?: string; image?: string; container?: string } };
  const { socket, image, container } = lab.docker ?? {};
  if (!socket || !image || !container) throw new Error(`${labFile} has no docker section. ${START_THE_LAB}`);
  if (!existsSync(socket)) throw new Error(`The lab's Docker socket ${socket} is missing. ${START_THE_LAB}`);
  const docker = new Dockerode({ socketPath: socket });
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(`The lab's Docker engine at ${socket} does not answer (${(error as Error).message}). ${START_THE_LAB}`);
  }
  return { docker, socket, image, container };
}

/**
 * Creates and starts a throw-away container from the lab image, without a network and with a unique name. Remove it
 * with `removeTestContainers` in an `after` hook.
 */
export async function startTestContainer(
  lab: LabDocker,
  options: Omit<Dockerode.ContainerCreateOptions, 'name' | 'Image'>,
): Promise<{ container: Dockerode.Container; name: string }> {
  const name = `copper-test-${randomBytes(5).toString('hex')}`;
  const container = await lab.docker.createContainer({
    ...options,
    name,
    Image: lab.image,
    HostConfig: { ...options.HostConfig, NetworkMode: 'none' },
  });
  await container.start();
  return { container, name };
}

export async function removeTestContainers(containers: Array<Dockerode.Container | undefined>): Promise<void> {
  await Promise.all(
    containers.map((container) => container?.remove({ force: true }).catch(() => undefined)),
  );
}

/** Polls until `check` passes, or fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

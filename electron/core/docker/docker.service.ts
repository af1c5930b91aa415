import type { IncomingMessage } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import type { z } from 'zod';
import type { Container, dockerImages, dockerLogs, dockerRestart, dockerStop, dockerVolumes } from '../../../shared/contract/docker';
import type { BasicPlan } from '../../../shared/contract/define';
import { CopperError } from '../../../shared/contract/errors';
import { dockerUnavailable, toDockerError, type DockerCallSite } from './docker-errors';
import { demux, dialStream, raceAbort } from './docker-streams';
import { LogLineCollector } from './log-lines';

export type ImageSummary = z.output<typeof dockerImages.output>[number];
export type VolumeSummary = z.output<typeof dockerVolumes.output>[number];
export type ContainerLog = z.output<typeof dockerLogs.output>;
export type RestartOutcome = z.output<typeof dockerRestart.output>;
export type StopOutcome = z.output<typeof dockerStop.output>;
type Health = Container['health'];

/** Opens the Docker API of a host; the instance's HTTP goes through the host's SSH connection. */
export type DockerConnect = (host: string, signal?: AbortSignal) => Promise<Dockerode>;

export interface DockerServiceOptions {
  /** The engine's socket on each server, named in messages when the engine does not answer. */
  socketPath?: (host: string) => string;
  /** Bound on one engine request, so a stuck SSH channel cannot hang a page. Default 30 s. */
  requestTimeoutMs?: number;
  /** How long a restart waits for the container to run and, with a health check, to pass or fail it. Default 60 s. */
  restartWaitMs?: number;
  /** Default 250 ms. */
  pollIntervalMs?: number;
}

/** More containers than this and the list skips the per-container inspect: restartCount is then null. */
const MAX_INSPECTED = 100;
const INSPECT_CONCURRENCY = 6;
/** The engine's own default when a container sets no StopTimeout. */
const DEFAULT_STOP_TIMEOUT_S = 10;
const DEFAULT_LOG_TAIL = 200;
const DEFAULT_LOG_MAX_BYTES = 1024 * 1024;

/**
 * Containers, images and volumes of a host, their logs, restarts and stops, through the Docker Engine API. How the API is
 * reached (an SSH-forwarded socket) is the factory's business: nothing here opens a TCP port or knows about SSH.
 */
export class DockerService {
  private readonly socketPath: (host: string) => string;
  private readonly requestTimeoutMs: number;
  private readonly restartWaitMs: number;
  private readonly pollIntervalMs: number;

  constructor(
    private readonly connect: DockerConnect,
    options: DockerServiceOptions = {},
  ) {
    this.socketPath = options.socketPath ?? (() => '/var/run/docker.sock');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.restartWaitMs = options.restartWaitMs ?? 60_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
  }

  async containers(host: string, all = true, signal?: AbortSignal): Promise<Container[]> {
    return this.call(host, undefined, 'listing the containers', signal, async (docker, callSignal) => {
      const listed = await docker.listContainers({ all, abortSignal: callSignal });
      // RestartCount is only in the inspect answer; one request per container is fine for a mail server's handful.
      const inspected =
        listed.length <= MAX_INSPECTED
          ? await mapLimit(listed, INSPECT_CONCURRENCY, (info) => inspectIfPresent(docker, info.Id, callSignal))
          : listed.map(() => null);
      return listed.map((info, index) => toContainer(info, inspected[index] ?? null));
    });
  }

  async images(host: string, signal?: AbortSignal): Promise<ImageSummary[]> {
    return this.call(host, undefined, 'listing the images', signal, async (docker, callSignal) => {
      const images = await docker.listImages({ abortSignal: callSignal });
      return images.map((image) => ({
        id: image.Id,
        tags: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
        sizeBytes: image.Size,
        createdAt: fromUnixSeconds(image.Created),
      }));
    });
  }

  async volumes(host: string, signal?: AbortSignal): Promise<VolumeSummary[]> {
    return this.call(host, undefined, 'listing the volumes', signal, async (docker, callSignal) => {
      const answer = await docker.listVolumes({ abortSignal: callSignal });
      return (answer.Volumes ?? []).map((volume) => ({
        name: volume.Name,
        driver: volume.Driver,
        mountpoint: volume.Mountpoint,
      }));
    });
  }

  /**
   * The last `tail` lines of a container's log, cut off after `maxBytes` of output: reading stops there, the request is
   * closed and the answer says `truncated`.
   */
  async logs(
    host: string,
    container: string,
    options: { tail?: number; maxBytes?: number; signal?: AbortSignal } = {},
  ): Promise<ContainerLog> {
    const tail = options.tail ?? DEFAULT_LOG_TAIL;
    const maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
    return this.call(host, container, `reading the log of ${container}`, options.signal, async (docker, callSignal) => {
      const info = await docker.getContainer(container).inspect({ abortSignal: callSignal });
      const stream = await dialStream(docker, {
        path: `/containers/${encodeURIComponent(info.Id)}/logs?`,
        method: 'GET',
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error', 501: 'not implemented' },
        options: { stdout: true, stderr: true, follow: false, tail },
        abortSignal: callSignal,
      });
      return readLog(docker, stream, { tty: info.Config.Tty, maxBytes, signal: callSignal, host, container });
    });
  }

  async planRestart(host: string, container: string, signal?: AbortSignal): Promise<BasicPlan> {
    const info = await this.inspect(host, container, signal);
    const name = containerName(info.Name);
    const state = info.State.Status;
    const warnings = [`Mail delivery through ${name} pauses for a few seconds while it restarts.`];
    if (!info.State.Running) warnings.push(`${name} is ${state} now: the restart starts it.`);
    return {
      summary: `Restart container ${name} on host ${host}`,
      changes: [{ action: 'update', target: `container ${name}`, detail: `image ${info.Config.Image}, now ${state}` }],
      warnings,
      destructive: false,
    };
  }

  /**
   * Restarts a container, then waits (at most `restartWaitMs`) until it runs and, if it has a health check, until the
   * check passed or failed. After the wait it answers with the state it sees, even if still starting: the restart
   * itself has happened and must be reported as such.
   */
  async restart(host: string, container: string, signal?: AbortSignal): Promise<RestartOutcome> {
    const before = await this.inspect(host, container, signal);
    const name = containerName(before.Name);
    // The engine stops the container with its own StopTimeout before starting it again: the request lasts that long.
    const stopTimeoutS = stopTimeoutOf(before);
    await this.call(
      host,
      name,
      `restarting ${name} (the engine may already have restarted it; check its state in the container list)`,
      signal,
      (docker, callSignal) => docker.getContainer(before.Id).restart({ abortSignal: callSignal }),
      stopTimeoutS * 1000 + this.requestTimeoutMs,
    );

    const deadline = Date.now() + this.restartWaitMs;
    for (;;) {
      const now = await this.inspect(host, before.Id, signal, name);
      const health = toHealth(now.State.Health?.Status);
      const settled = now.State.Running ? health !== 'starting' : !now.State.Restarting;
      if (settled || Date.now() >= deadline) return { container: name, state: now.State.Status, health };
      try {
        await delay(this.pollIntervalMs, undefined, { signal });
      } catch {
        throw new CopperError(
          'CANCELLED',
          `Stopped waiting for ${name} on ${host} to come back; the restart was already done. Check its state in the container list.`,
          { host, container: name },
        );
      }
    }
  }

  async planStop(host: string, container: string, signal?: AbortSignal): Promise<BasicPlan> {
    const info = await this.inspect(host, container, signal);
    const name = containerName(info.Name);
    const state = info.State.Status;
    if (!info.State.Running) {
      return {
        summary: `Stop container ${name} on host ${host}`,
        changes: [],
        warnings: [`${name} is ${state} already: there is nothing to stop.`],
        destructive: false,
      };
    }
    const stopTimeoutS = stopTimeoutOf(info);
    const warnings = [
      `Mail delivery through ${name} stops until the container is started again.`,
      `The engine asks it to stop and kills it after ${stopTimeoutS} s if it has not stopped by then.`,
    ];
    const policy = info.HostConfig.RestartPolicy?.Name;
    // A stopped container stays down under "unless-stopped", but "always" brings it back when the engine restarts.
    if (policy === 'always') warnings.push(`Its restart policy is "always": the engine starts it again when the engine itself restarts.`);
    return {
      summary: `Stop container ${name} on host ${host}`,
      changes: [{ action: 'update', target: `container ${name}`, detail: `image ${info.Config.Image}, running → stopped` }],
      warnings,
      destructive: false,
    };
  }

  /**
   * Stops a container the way `docker stop` does: the stop signal, then a kill after the container's own StopTimeout.
   * Answers with the state the engine reports afterwards; a container that was not running is left as it is.
   */
  async stop(host: string, container: string, signal?: AbortSignal): Promise<StopOutcome> {
    const before = await this.inspect(host, container, signal);
    const name = containerName(before.Name);
    if (!before.State.Running) {
      return { container: name, state: before.State.Status, exitCode: exitCodeOf(before), alreadyStopped: true };
    }
    // The engine waits up to the StopTimeout before it kills: the request lasts that long.
    const stopTimeoutS = stopTimeoutOf(before);
    await this.call(
      host,
      name,
      `stopping ${name} (the engine may already have stopped it; check its state in the container list)`,
      signal,
      async (docker, callSignal) => {
        try {
          await docker.getContainer(before.Id).stop({ abortSignal: callSignal });
        } catch (error) {
          // 304: it stopped on its own between the inspect and the stop; what counts is that it is stopped.
          if ((error as { statusCode?: number }).statusCode !== 304) throw error;
        }
      },
      stopTimeoutS * 1000 + this.requestTimeoutMs,
    );
    const after = await this.inspect(host, before.Id, signal, name);
    return { container: name, state: after.State.Status, exitCode: exitCodeOf(after), alreadyStopped: false };
  }

  private inspect(host: string, container: string, signal?: AbortSignal, displayName = container) {
    return this.call(host, displayName, `inspecting ${displayName}`, signal, (docker, callSignal) =>
      docker.getContainer(container).inspect({ abortSignal: callSignal }),
    );
  }

  /**
   * One engine conversation: connect, work, and turn every failure into the error the operator reads. The work is
   * bounded by `timeoutMs` and by the caller's signal, even if the transport ignores the signal.
   */
  private async call<T>(
    host: string,
    container: string | undefined,
    activity: string,
    signal: AbortSignal | undefined,
    work: (docker: Dockerode, signal: AbortSignal) => Promise<T>,
    timeoutMs = this.requestTimeoutMs,
  ): Promise<T> {
    const site: DockerCallSite = { host, container, socketPath: this.socketPath(host) };
    const deadline = AbortSignal.timeout(timeoutMs);
    const callSignal = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      const docker = await raceAbort(this.connect(host, callSignal), callSignal);
      return await raceAbort(work(docker, callSignal), callSignal);
    } catch (error) {
      if (signal?.aborted) {
        throw new CopperError('CANCELLED', `Cancelled while ${activity} on ${host}.`, { host, container });
      }
      if (deadline.aborted && !(error instanceof CopperError)) {
        throw dockerUnavailable(site, `no answer within ${Math.round(timeoutMs / 1000)} s`);
      }
      throw toDockerError(error, site);
    }
  }
}

interface LogReading {
  tty: boolean;
  maxBytes: number;
  signal: AbortSignal;
  host: string;
  container: string;
}

/** Reads a log answer to its end or to `maxBytes`, whichever comes first. */
function readLog(docker: Dockerode, stream: IncomingMessage, reading: LogReading): Promise<ContainerLog> {
  const collector = new LogLineCollector(reading.tty);
  let received = 0;
  let truncated = false;
  let done = false;

  return new Promise<ContainerLog>((resolve, reject) => {
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      reading.signal.removeEventListener('abort', onAbort);
      if (error || truncated) stream.destroy();
      if (error) reject(error);
      else resolve({ lines: collector.finish(), truncated });
    };
    const take = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (done) return;
      const room = reading.maxBytes - received;
      if (chunk.length > room) {
        collector.push(which, chunk.subarray(0, room));
        received = reading.maxBytes;
        truncated = true;
        return finish();
      }
      collector.push(which, chunk);
      received += chunk.length;
    };
    const onAbort = () => finish(reading.signal.reason instanceof Error ? reading.signal.reason : new Error('aborted'));
    reading.signal.addEventListener('abort', onAbort, { once: true });

    // A TTY container's log is one raw stream (the terminal merged stdout and stderr); otherwise it is multiplexed.
    if (reading.tty) stream.on('data', take('stdout'));
    else demux(docker, stream, take('stdout'), take('stderr'));
    stream.on('end', () => finish());
    stream.on('error', (error) => finish(connectionLost(reading, error)));
    stream.on('close', () => {
      if (!stream.complete) finish(connectionLost(reading, new Error('the answer ended early')));
      else finish();
    });
  });
}

function connectionLost(reading: LogReading, cause: Error): CopperError {
  return new CopperError(
    'CONNECTION_LOST',
    `The connection to ${reading.host} broke while reading the log of ${reading.container} (${cause.message}). Check the connection, then try again.`,
    { host: reading.host, container: reading.container },
  );
}

async function inspectIfPresent(docker: Dockerode, id: string, signal: AbortSignal) {
  try {
    return await docker.getContainer(id).inspect({ abortSignal: signal });
  } catch (error) {
    // Removed between the list and the inspect: list it without a restart count rather than failing the page.
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}

function toContainer(info: Dockerode.ContainerInfo, inspected: Dockerode.ContainerInspectInfo | null): Container {
  return {
    id: info.Id,
    name: containerName(info.Names[0] ?? info.Id.slice(0, 12)),
    image: info.Image,
    state: info.State,
    status: info.Status,
    health: inspected?.State.Health ? toHealth(inspected.State.Health.Status) : healthFromStatus(info.Status),
    restartCount: inspected?.RestartCount ?? null,
    createdAt: fromUnixSeconds(info.Created),
    ports: [...new Set((info.Ports ?? []).map(formatPort))],
    labels: info.Labels ?? {},
  };
}

/** How long the engine lets the container stop before it kills it. */
function stopTimeoutOf(info: Dockerode.ContainerInspectInfo): number {
  return (info.Config as { StopTimeout?: number }).StopTimeout ?? DEFAULT_STOP_TIMEOUT_S;
}

/** A container that never ran has no exit code worth showing (the engine says 0 with no FinishedAt). */
function exitCodeOf(info: Dockerode.ContainerInspectInfo): number | null {
  const finished = info.State.FinishedAt;
  if (info.State.Running || !finished || finished.startsWith('0001-')) return null;
  return info.State.ExitCode;
}

/** The engine names containers with a leading slash ("/postfix"); operators never type it. */
function containerName(name: string): string {
  return name.replace(/^\//, '');
}

export function toHealth(status: string | undefined): Health {
  return status === 'healthy' || status === 'unhealthy' || status === 'starting' ? status : 'none';
}

/** The list's status text carries the health the same way `docker ps` shows it: "Up 5 minutes (healthy)". */
function healthFromStatus(status: string): Health {
  if (status.includes('(unhealthy)')) return 'unhealthy';
  if (status.includes('(healthy)')) return 'healthy';
  if (status.includes('(health: starting)')) return 'starting';
  return 'none';
}

function formatPort(port: Dockerode.Port): string {
  const inside = `${port.PrivatePort}/${port.Type}`;
  if (!port.PublicPort) return inside;
  const address = port.IP?.includes(':') ? `[${port.IP}]` : (port.IP ?? '');
  return `${address ? `${address}:` : ''}${port.PublicPort}->${inside}`;
}

function fromUnixSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

async function mapLimit<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}


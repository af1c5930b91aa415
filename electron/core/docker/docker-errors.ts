import { CopperError } from '../../../shared/contract/errors';

/** Where the Docker engine is reached for a host, when nothing more specific is known. Named in messages only. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** What an engine call was about: everything a message needs to name the cause and the fix. */
export interface DockerCallSite {
  host: string;
  container?: string;
  /** The engine's socket on the server, named when the engine does not answer. */
  socketPath?: string;
}

/** An error from docker-modem: an HTTP answer from the engine carries its status and the engine's JSON. */
interface ModemError extends Error {
  statusCode?: number;
  code?: string;
  json?: unknown;
}

/** The engine's own words from a refused request, e.g. "No such container: postfix", without dockerode's prefix. */
export function engineMessage(error: ModemError): string {
  const json = error.json;
  if (json && typeof json === 'object' && 'message' in json && typeof json.message === 'string') return json.message.trim();
  if (Buffer.isBuffer(json)) return json.toString('utf8').trim();
  return error.message.replace(/^\(HTTP code \d+\)\s*/, '').trim();
}

/**
 * Turns whatever an engine call threw into the CopperError the operator reads. A CopperError (e.g. from the SSH
 * factory: HOST_KEY_MISMATCH, AUTH_FAILED…) passes through unchanged: it already names its cause.
 */
export function toDockerError(error: unknown, site: DockerCallSite): CopperError {
  if (error instanceof CopperError) return error;
  const modemError = (error instanceof Error ? error : new Error(String(error))) as ModemError;
  const status = modemError.statusCode;
  if (status === 404 && site.container !== undefined) return containerNotFound(site.host, site.container);
  if (typeof status === 'number') {
    if (status === 409 && site.container !== undefined) {
      return new CopperError(
        'COMMAND_FAILED',
        `Container ${site.container} on ${site.host} is not running, so nothing can be run inside it (${engineMessage(modemError)}). Start the container, then try again.`,
        { host: site.host, container: site.container, status },
      );
    }
    const subject = site.container === undefined ? '' : ` for container ${site.container}`;
    return new CopperError(
      'COMMAND_FAILED',
      `The Docker engine on ${site.host} refused the request${subject} (HTTP ${status}: ${engineMessage(modemError)}). Check the engine's log on the server.`,
      { host: site.host, container: site.container, status },
    );
  }
  return dockerUnavailable(site, describeFailure(modemError));
}

export function dockerUnavailable(site: DockerCallSite, cause: string): CopperError {
  const socketPath = site.socketPath ?? DEFAULT_DOCKER_SOCKET;
  return new CopperError(
    'DOCKER_UNAVAILABLE',
    `The Docker engine on ${site.host} did not answer through SSH (${cause}). Check that dockerd runs and that the login user may use the socket ${socketPath}.`,
    { host: site.host, socketPath },
  );
}

export function containerNotFound(host: string, container: string): CopperError {
  return new CopperError(
    'NOT_FOUND',
    `No container named ${container} exists on ${host}. Check the name against the host's container list.`,
    { host, container },
  );
}

/** A short cause for a transport failure: "connect ECONNREFUSED", "socket hang up", "no answer within 30 s"… */
function describeFailure(error: ModemError): string {
  const message = error.message.trim() || error.name;
  return error.code && !message.includes(error.code) ? `${error.code}: ${message}` : message;
}

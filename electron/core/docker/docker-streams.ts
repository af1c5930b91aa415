import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import type Dockerode from 'dockerode';

type DialOptions = Parameters<Dockerode['modem']['dial']>[0];

/**
 * Splits the engine's multiplexed stream (8-byte frame headers: 1 = stdout, 2 = stderr) with the modem's own demuxer.
 * The sinks are called synchronously, frame by frame, in the order the engine sent them, so a caller can stop taking
 * output at an exact byte count; they must ignore calls made after the caller stopped (frames already in a chunk).
 */
export function demux(
  docker: Dockerode,
  stream: NodeJS.ReadableStream,
  onStdout: (chunk: Buffer) => void,
  onStderr: (chunk: Buffer) => void,
): void {
  docker.modem.demuxStream(stream, sink(onStdout), sink(onStderr));
}

function sink(take: (chunk: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      take(chunk);
      callback();
    },
  });
}

/**
 * An engine request answered with a stream, not a buffered body. dockerode reads a non-follow `logs()` answer into one
 * Buffer before returning it: unbounded for a chatty container, so the log endpoint is dialled directly.
 */
export function dialStream(docker: Dockerode, options: DialOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    docker.modem.dial({ ...options, isStream: true }, (error, result) => {
      if (error) reject(error);
      else resolve(result as IncomingMessage);
    });
  });
}

/** Rejects with the signal's reason as soon as it aborts, whether or not the work itself listens to the signal. */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

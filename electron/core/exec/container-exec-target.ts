import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { CopperError } from '../../../shared/contract/errors';
import { toDockerError, type DockerCallSite } from '../docker/docker-errors';
import { demux, raceAbort } from '../docker/docker-streams';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TIMEOUT_MS, type ExecRequest, type ExecResult, type ExecTarget } from './exec-target';

/** After the output ends, the engine may need a moment to record the exit code: poll this often, this many times. */
const EXIT_POLL_INTERVAL_MS = 50;
const EXIT_POLL_ATTEMPTS = 40;

interface Collected {
  stdout: string;
  stderr: string;
  truncated: boolean;
  /** The stream failed before it ended: a lost connection, unless the program turns out to have finished. */
  broken: Error | null;
}

/**
 * Runs a program inside a container through the Engine API's exec endpoint. The argv goes to the engine as a JSON
 * array and is executed without a shell: quotes, `$(…)`, `;` and newlines in an argument reach the program verbatim.
 *
 * The Engine API cannot signal an exec'd process. On timeout, cancel or truncation the stream is closed; a program
 * that writes gets SIGPIPE, but one that only waits keeps running in the container until it ends by itself.
 */
export class ContainerExecTarget implements ExecTarget {
  readonly description: string;
  private readonly site: DockerCallSite;

  constructor(
    private readonly docker: Dockerode,
    private readonly host: string,
    private readonly container: string,
    options: { socketPath?: string } = {},
  ) {
    this.description = `${host} / container ${container}`;
    this.site = { host, container, socketPath: options.socketPath };
  }

  async run(request: ExecRequest): Promise<ExecResult> {
    const started = performance.now();
    const program = request.argv[0];
    if (program === undefined) {
      throw new CopperError('INVALID_INPUT', `No program was given to run in ${this.description}. Pass at least the program's name.`);
    }
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxOutputBytes = request.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const cancelled = () =>
      new CopperError('CANCELLED', `${program} in ${this.description} was cancelled.`, { host: this.host, container: this.container });
    if (request.signal?.aborted) throw cancelled();

    // One signal ends everything in flight, whichever comes first: the deadline or the caller's cancel.
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(this.timedOut(program, timeoutMs)), timeoutMs);
    const onCancel = () => stop.abort(cancelled());
    request.signal?.addEventListener('abort', onCancel, { once: true });
    try {
      const exec = await raceAbort(
        this.docker.getContainer(this.container).exec({
          Cmd: [...request.argv],
          AttachStdin: request.stdin !== undefined,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          User: request.asRoot ? 'root' : undefined,
          abortSignal: stop.signal,
        }),
        stop.signal,
      );
      const stream = await raceAbort(
        exec.start({ hijack: true, stdin: request.stdin !== undefined, abortSignal: stop.signal }),
        stop.signal,
      );
      const output = await this.collect(stream, request, maxOutputBytes, stop.signal);
      const exitCode = await this.exitCode(exec, output, stop.signal);
      return {
        exitCode,
        // The engine reports only an exit code; a program killed by a signal shows as 128 + its number.
        exitSignal: null,
        stdout: output.stdout,
        stderr: output.stderr,
        truncated: output.truncated,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      if (stop.signal.aborted) throw stop.signal.reason;
      throw toDockerError(error, this.site);
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onCancel);
    }
  }

  /**
   * Reads the multiplexed output to its end. Each collected stream keeps at most `maxOutputBytes`; past that the
   * stream is closed and the result marked truncated. Streamed stdout (`onStdout`) is handed on, not kept, so it is
   * not counted against the bound.
   */
  private collect(stream: Duplex, request: ExecRequest, maxOutputBytes: number, signal: AbortSignal): Promise<Collected> {
    const kept = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const keptBytes = { stdout: 0, stderr: 0 };
    let truncated = false;
    let done = false;

    return new Promise<Collected>((resolve, reject) => {
      const finish = (outcome: { error?: unknown; broken?: Error }) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        // Always: a hijacked socket whose both halves have ended is not necessarily destroyed, and would keep the
        // process (and the SSH channel) open.
        stream.destroy();
        if (outcome.error !== undefined) return reject(outcome.error);
        resolve({
          stdout: Buffer.concat(kept.stdout).toString('utf8'),
          stderr: Buffer.concat(kept.stderr).toString('utf8'),
          truncated,
          broken: outcome.broken ?? null,
        });
      };
      const take = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
        if (done) return;
        if (which === 'stdout' && request.onStdout) {
          try {
            request.onStdout(chunk);
          } catch (error) {
            finish({ error });
          }
          return;
        }
        const room = maxOutputBytes - keptBytes[which];
        if (chunk.length > room) {
          kept[which].push(chunk.subarray(0, room));
          keptBytes[which] = maxOutputBytes;
          truncated = true;
          return finish({});
        }
        kept[which].push(chunk);
        keptBytes[which] += chunk.length;
      };
      const onAbort = () => finish({ error: signal.reason });
      signal.addEventListener('abort', onAbort, { once: true });

      demux(this.docker, stream, take('stdout'), take('stderr'));
      let ended = false;
      stream.on('end', () => {
        ended = true;
        finish({});
      });
      stream.on('error', (error: Error) => finish({ broken: error }));
      stream.on('close', () => finish(ended ? {} : { broken: new Error('the stream closed early') }));

      if (request.stdin !== undefined) {
        // Half-close after the data: the engine then closes the program's stdin, so `cat` and `postsuper -d -` finish.
        stream.end(request.stdin);
      }
    });
  }

  /**
   * The program's exit code, from the engine. A stream that broke is only a lost connection if the program did not
   * finish: a program that exits without reading its stdin makes the write fail, and that is no failure of ours.
   */
  private async exitCode(exec: Dockerode.Exec, output: Collected, signal: AbortSignal): Promise<number | null> {
    for (let attempt = 1; ; attempt++) {
      let info: Dockerode.ExecInspectInfo;
      try {
        info = await raceAbort(exec.inspect({ abortSignal: signal }), signal);
      } catch (error) {
        if (output.broken && !signal.aborted) throw this.connectionLost(output.broken);
        throw error;
      }
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      // Truncated on purpose: the program may well still be writing, so there is no exit code to wait for.
      if (output.truncated) return null;
      if (attempt >= EXIT_POLL_ATTEMPTS) {
        if (output.broken) throw this.connectionLost(output.broken);
        return null;
      }
      await delay(EXIT_POLL_INTERVAL_MS, undefined, { signal });
    }
  }

  private timedOut(program: string, timeoutMs: number): CopperError {
    return new CopperError(
      'COMMAND_TIMEOUT',
      `${program} in ${this.description} did not finish within ${formatSeconds(timeoutMs)}. ` +
        'Raise the timeout if it needs longer, or check what it waits for; Docker cannot stop an exec, so it may still be running.',
      { host: this.host, container: this.container, timeoutMs },
    );
  }

  private connectionLost(cause: Error): CopperError {
    return new CopperError(
      'CONNECTION_LOST',
      `The connection to the Docker engine on ${this.host} broke while a program ran in container ${this.container} (${cause.message}). ` +
        'Check the connection, then look at the container before running it again: the program may have completed.',
      { host: this.host, container: this.container },
    );
  }
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

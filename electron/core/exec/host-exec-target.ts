import type { ClientChannel } from 'ssh2';
import { CopperError, type Host } from '../../../shared/contract';
import type { SshPool } from '../ssh/ssh-pool';
import { sshError } from '../ssh/ssh-errors';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TIMEOUT_MS, type ExecRequest, type ExecResult, type ExecTarget } from './exec-target';
import { quoteArgv } from './shell-quote';
import { OutputCollector } from './output-collector';

/** Runs programs on a host over its pooled SSH connection. */
export class HostExecTarget implements ExecTarget {
  readonly description: string;

  constructor(
    private readonly pool: SshPool,
    private readonly host: Host,
  ) {
    this.description = `${host.name} (host)`;
  }

  async run(request: ExecRequest): Promise<ExecResult> {
    const argv = this.withPrivilege(request);
    const connection = await this.pool.connection(this.host.name);
    const started = Date.now();
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const limit = request.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const command = quoteArgv(argv);

    return new Promise<ExecResult>((resolve, reject) => {
      const wire = (channel: ClientChannel) => {
        const stdout = new OutputCollector(limit, request.onStdout);
        const stderr = new OutputCollector(limit);
        let exitCode: number | null = null;
        let exitSignal: string | null = null;
        let sawExit = false;
        let settled = false;
        let failure: CopperError | undefined;

        let stopping: NodeJS.Timeout | undefined;
        const stop = (reason: CopperError | 'truncated') => {
          if (reason !== 'truncated') failure ??= reason;
          if (stopping) return;
          try {
            channel.signal('KILL');
          } catch {
            // Not every server honours signals; closing the channel is the fallback.
          }
          channel.close();
          // A server that ignores the signal keeps the channel open until the program ends by itself: do not wait for it.
          stopping = setTimeout(() => finish(), 1500);
        };
        const timer = setTimeout(
          () => stop(new CopperError('COMMAND_TIMEOUT', `\`${argv[0]}\` on ${this.host.name} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`)),
          timeoutMs,
        );
        const onAbort = () => stop(new CopperError('CANCELLED', `\`${argv[0]}\` on ${this.host.name} was cancelled.`));
        request.signal?.addEventListener('abort', onAbort, { once: true });
        const onLost = () => {
          if (!sawExit) failure ??= new CopperError('CONNECTION_LOST', `The connection to ${this.host.name} dropped while \`${argv[0]}\` ran. It may or may not have finished; check before running it again.`);
        };
        connection.client.once('close', onLost);

        channel.on('data', (chunk: Buffer) => {
          if (!stdout.add(chunk)) stop('truncated');
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          if (!stderr.add(chunk)) stop('truncated');
        });
        // The stream can emit 'close' at EOF, before the server's exit-status arrives: finish when both are in, or
        // shortly after the close when the server sends no status (a killed program, a dropped connection).
        let closed = false;
        let grace: NodeJS.Timeout | undefined;
        const finish = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          clearTimeout(grace);
          clearTimeout(stopping);
          request.signal?.removeEventListener('abort', onAbort);
          connection.client.removeListener('close', onLost);
          if (failure) return reject(failure);
          const result: ExecResult = {
            exitCode,
            exitSignal,
            stdout: stdout.text(),
            stderr: stderr.text(),
            truncated: stdout.truncated || stderr.truncated,
            durationMs: Date.now() - started,
          };
          const privilegeProblem = request.asRoot && this.host.privilege === 'sudo' ? sudoRefusal(result, argv[3] ?? '', this.host) : undefined;
          if (privilegeProblem) return reject(privilegeProblem);
          resolve(result);
        };
        channel.on('exit', (code: number | null, signal?: string) => {
          sawExit = true;
          exitCode = typeof code === 'number' ? code : null;
          exitSignal = signal ?? null;
          if (closed) finish();
        });
        channel.once('close', () => {
          closed = true;
          if (sawExit || failure) finish();
          else grace = setTimeout(finish, 2000);
        });

        if (request.stdin !== undefined) channel.end(request.stdin);
        else channel.end();
        if (request.signal?.aborted) onAbort();
      };

      try {
        // ssh2 parses a whole network read at once: for a fast program, exit status and close can be emitted before an
        // awaiting caller would run. So the channel is wired here, synchronously, inside the exec callback.
        connection.client.exec(command, (error, channel) =>
          error ? reject(sshError(error, this.host.name)) : wire(channel),
        );
      } catch (error) {
        this.pool.drop(this.host.name);
        reject(sshError(error, this.host.name));
      }
    });
  }

  private withPrivilege(request: ExecRequest): readonly string[] {
    if (!request.asRoot || this.host.privilege === 'root') return request.argv;
    if (this.host.privilege === 'sudo') return ['sudo', '-n', '--', ...request.argv];
    throw new CopperError(
      'PRIVILEGE_MISSING',
      `\`${request.argv[0] ?? ''}\` must run as root on ${this.host.name}, but ${this.host.ssh.user} is not root and the host is not set to use sudo. Log in as root, or allow sudo for this command and edit the host (--sudo).`,
      { command: request.argv[0] },
    );
  }
}

/** sudo -n prints a fixed message and exits 1 when it would need a password or the command is not allowed. */
function sudoRefusal(result: ExecResult, program: string, host: Host): CopperError | undefined {
  if (result.exitCode !== 1) return undefined;
  if (!/^sudo: (a password is required|.*not allowed|.*may not run|sorry)/im.test(result.stderr)) return undefined;
  return new CopperError(
    'PRIVILEGE_MISSING',
    `${host.ssh.user} may not run \`${program}\` as root through sudo without a password on ${host.name}. Add a NOPASSWD rule for ${program} in /etc/sudoers.d on the server.`,
    { command: program, stderr: result.stderr.slice(0, 500) },
  );
}

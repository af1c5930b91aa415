/**
 * Runs a program on a server: on the host over SSH, or inside a container through the Docker API. Every feature that
 * needs Postfix, Rspamd, gpg… goes through this, so native and docker mode behave the same.
 *
 * A program is always an argv array. Operator input is never pasted into a shell string.
 */
export interface ExecRequest {
  argv: readonly string[];
  /** Data for the program's standard input (e.g. queue IDs for `postsuper -d -`). */
  stdin?: string | Buffer;
  /** Run as root: as is for a root login, through `sudo -n` for a sudo host, refused (PRIVILEGE_MISSING) otherwise. */
  asRoot?: boolean;
  /** Default 60 s; the program is stopped and COMMAND_TIMEOUT raised after it. */
  timeoutMs?: number;
  /**
   * Output kept per stream; beyond it the program is stopped and the result marked truncated. Default 16 MiB.
   * Streamed stdout (onStdout) is not kept, so it is not bounded here: the consumer bounds what it keeps.
   */
  maxOutputBytes?: number;
  signal?: AbortSignal;
  /** Streams stdout as it arrives; when given, stdout is not also collected into the result. */
  onStdout?: (chunk: Buffer) => void;
}

export interface ExecResult {
  exitCode: number | null;
  /** The signal that ended the program, if one did. */
  exitSignal: string | null;
  stdout: string;
  stderr: string;
  /** True when output went past maxOutputBytes and the program was stopped. */
  truncated: boolean;
  durationMs: number;
}

export interface ExecTarget {
  /** e.g. "mx1 (host)" or "mx1 / container postfix": for messages. */
  readonly description: string;
  run(request: ExecRequest): Promise<ExecResult>;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

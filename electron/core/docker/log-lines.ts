import type { z } from 'zod';
import type { LogLine } from '../../../shared/contract/docker';

type LogLineValue = z.output<typeof LogLine>;
type LogStream = LogLineValue['stream'];

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Cuts a container's output into lines, per stream, in the order they complete. Splitting happens on bytes, before
 * decoding: a newline byte never occurs inside a multi-byte UTF-8 sequence, so a character cut across two chunks is
 * reassembled, and invalid UTF-8 becomes U+FFFD instead of throwing. Text is otherwise kept verbatim (ANSI escapes
 * included): the renderer shows it as text.
 */
export class LogLineCollector {
  readonly lines: LogLineValue[] = [];
  private readonly pending: Record<LogStream, Buffer[]> = { stdout: [], stderr: [] };

  /**
   * @param fromTty the container has a TTY: its line discipline turned each "\n" into "\r\n", so that "\r" is the
   *   terminal's, not the program's, and is dropped.
   */
  constructor(private readonly fromTty = false) {}

  push(stream: LogStream, chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE, start); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      const parts = this.pending[stream];
      parts.push(chunk.subarray(start, newline));
      this.emit(stream, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      this.pending[stream] = [];
      start = newline + 1;
    }
    if (start < chunk.length) this.pending[stream].push(chunk.subarray(start));
  }

  /** Emits what is left of an unfinished last line on each stream (output that did not end with a newline). */
  finish(): LogLineValue[] {
    for (const stream of ['stdout', 'stderr'] as const) {
      const parts = this.pending[stream];
      if (parts.length > 0) this.emit(stream, Buffer.concat(parts));
      this.pending[stream] = [];
    }
    return this.lines;
  }

  private emit(stream: LogStream, line: Buffer): void {
    const end = this.fromTty && line.at(-1) === CARRIAGE_RETURN ? line.length - 1 : line.length;
    this.lines.push({ stream, text: line.toString('utf8', 0, end) });
  }
}

/**
 * Keeps at most `limit` bytes of a program's output; the rest is dropped and `truncated` set, so memory stays bounded
 * whatever a server prints. Decoding happens once at the end so multi-byte characters split across chunks survive;
 * invalid UTF-8 becomes U+FFFD instead of an error.
 */
export class OutputCollector {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(
    private readonly limit: number,
    private readonly stream?: (chunk: Buffer) => void,
  ) {}

  /** Returns false once the limit is passed (the caller should stop the program). */
  add(chunk: Buffer): boolean {
    if (this.truncated) return false;
    // Streamed output is handed on, not kept, so it does not count against the bound (as in container execs).
    if (this.stream) {
      this.stream(chunk);
      return true;
    }
    const room = this.limit - this.size;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.size += kept.length;
    this.chunks.push(kept);
    if (chunk.length > room) this.truncated = true;
    return !this.truncated;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * A minimal streaming reader of POSIX tar (ustar, with PAX and GNU long-name headers), enough for `docker save` output
 * and bundle tars. Fed chunk by chunk, it never holds more than one 512-byte header plus the chunk it was given, so a
 * multi-gigabyte image tar is read in constant memory. Pure: no I/O.
 */

export interface TarEntry {
  name: string;
  size: number;
  /** '0' regular file, '5' directory, '2' symlink, …; as the header says. */
  type: string;
  /** Where the entry's data starts in the archive (for random access to a tar file on disk). */
  dataOffset: number;
}

export interface TarVisitor {
  /** Called for each entry; return a function to receive its data, or nothing to skip it. */
  entry(entry: TarEntry): ((data: Buffer) => void) | undefined;
}

export class TarFormatError extends Error {}

const BLOCK = 512;

export class TarReader {
  private buffered = Buffer.alloc(0);
  private offset = 0;
  /** Bytes of entry data still to come, and the padding after it. */
  private remaining = 0;
  private padding = 0;
  private sink: ((data: Buffer) => void) | undefined;
  /** For PAX/GNU headers: their data is collected here, then names the next entry. */
  private meta: { kind: 'pax' | 'longname'; chunks: Buffer[] } | undefined;
  private nextName: string | undefined;
  private ended = false;

  constructor(private readonly visitor: TarVisitor) {}

  write(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.ended) return; // bytes after the end-of-archive blocks are ignored, as tar does
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, data.length);
        const piece = data.subarray(0, take);
        if (this.meta) this.meta.chunks.push(Buffer.from(piece));
        else this.sink?.(piece);
        this.remaining -= take;
        this.offset += take;
        data = data.subarray(take);
        if (this.remaining === 0) this.finishEntry();
        continue;
      }
      if (this.padding > 0) {
        const take = Math.min(this.padding, data.length);
        this.padding -= take;
        this.offset += take;
        data = data.subarray(take);
        continue;
      }
      const need = BLOCK - this.buffered.length;
      const take = Math.min(need, data.length);
      this.buffered = Buffer.concat([this.buffered, data.subarray(0, take)]);
      data = data.subarray(take);
      if (this.buffered.length === BLOCK) {
        const header = this.buffered;
        this.buffered = Buffer.alloc(0);
        this.offset += BLOCK;
        this.header(header);
      }
    }
  }

  /** Call at the end of the input: a tar cut short (inside an entry or without its end blocks) is refused. */
  end(): void {
    if (this.remaining > 0 || this.buffered.length > 0) throw new TarFormatError('The tar ends in the middle of an entry (truncated).');
    if (!this.ended) throw new TarFormatError('The tar has no end-of-archive marker (truncated).');
  }

  private header(block: Buffer): void {
    const header = parseTarHeader(block, this.offset - BLOCK);
    if (header === 'end') {
      this.ended = true;
      return;
    }
    const { size, type } = header;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'x' || type === 'L') {
      this.meta = { kind: type === 'x' ? 'pax' : 'longname', chunks: [] };
    } else if (type === 'g') {
      this.sink = undefined; // global headers carry nothing we use; their data is skipped
    } else {
      const name = this.nextName ?? header.name;
      this.nextName = undefined;
      this.sink = this.visitor.entry({ name, size, type, dataOffset: this.offset });
    }
    if (size === 0) this.finishEntry();
  }

  private finishEntry(): void {
    if (this.meta) {
      this.nextName = metaName(this.meta.kind, Buffer.concat(this.meta.chunks)) ?? this.nextName;
      this.meta = undefined;
    }
    this.sink = undefined;
  }
}

/** One 512-byte header: 'end' for an all-zero block; throws on a bad checksum. */
export function parseTarHeader(block: Buffer, at: number): 'end' | { name: string; size: number; type: string } {
  if (block.every((byte) => byte === 0)) return 'end';
  if (!validChecksum(block)) throw new TarFormatError(`Bad tar header checksum at byte ${at}.`);
  const size = parseOctal(block.subarray(124, 136));
  const typeByte = block[156] ?? 0;
  const type = typeByte === 0 ? '0' : String.fromCharCode(typeByte);
  const magic = block.subarray(257, 262).toString('latin1');
  const prefix = magic === 'ustar' ? cString(block.subarray(345, 500)) : '';
  const rawName = cString(block.subarray(0, 100));
  return { name: prefix ? `${prefix}/${rawName}` : rawName, size, type };
}

/** The name a GNU long-name ('L') or PAX ('x') header gives the entry after it. */
export function metaName(kind: 'pax' | 'longname', data: Buffer): string | undefined {
  return kind === 'longname' ? cString(data) : paxPath(data.toString('utf8'));
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}

function parseOctal(field: Buffer): number {
  // Base-256 (GNU) for sizes of 8 GiB and more: the high bit of the first byte is set.
  if ((field[0] ?? 0) & 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = cString(field).trim();
  if (!/^[0-7]*$/.test(text)) throw new TarFormatError(`Bad number in a tar header: "${text}".`);
  return text ? Number.parseInt(text, 8) : 0;
}

function validChecksum(block: Buffer): boolean {
  const stored = parseOctal(block.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] ?? 0);
  return sum === stored;
}

/** The `path` record of a PAX extended header ("LEN path=VALUE\n" records). */
function paxPath(text: string): string | undefined {
  let rest = text;
  while (rest.length > 0) {
    const space = rest.indexOf(' ');
    const length = Number.parseInt(rest.slice(0, space), 10);
    if (!(length > 0)) return undefined;
    const record = Buffer.from(rest, 'utf8').subarray(0, length).toString('utf8');
    const body = record.slice(space + 1).replace(/\n$/, '');
    const eq = body.indexOf('=');
    if (body.slice(0, eq) === 'path') return body.slice(eq + 1);
    rest = Buffer.from(rest, 'utf8').subarray(length).toString('utf8');
  }
  return undefined;
}

import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { join, relative, sep } from 'node:path';
import { metaName, parseTarHeader, TarFormatError, type TarEntry } from './tar-reader';

/**
 * A bundle as a set of named files, whether it is a directory or a tar of one. Files are opened as streams; a tar is
 * indexed by reading only its headers (seeking over the data), then each member is read as a byte range, so nothing is
 * extracted and nothing large is held in memory.
 */
export interface BundleSource {
  readonly kind: 'directory' | 'tar';
  /** Every regular file, by its path relative to the bundle root (forward slashes), with its size. */
  files(): Map<string, number>;
  /** Names that are not regular files (links, devices, …): never acceptable in a bundle. */
  oddEntries(): string[];
  open(path: string, signal?: AbortSignal): Readable;
  readSmall(path: string, limit: number): Promise<Buffer>;
}

export async function openBundleSource(path: string): Promise<BundleSource> {
  const stat = await fs.stat(path);
  return stat.isDirectory() ? directorySource(path) : tarSource(path, stat.size);
}

async function directorySource(root: string): Promise<BundleSource> {
  const files = new Map<string, number>();
  const odd: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const name = relative(root, full).split(sep).join('/');
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.set(name, (await fs.stat(full)).size);
      else odd.push(name); // a symlink could point anywhere on the machine
    }
  };
  await walk(root);
  return {
    kind: 'directory',
    files: () => files,
    oddEntries: () => odd,
    open: (name, signal) => createReadStream(join(root, ...name.split('/')), signal ? { signal } : {}),
    readSmall: async (name, limit) => readLimited(createReadStream(join(root, ...name.split('/'))), limit),
  };
}

async function tarSource(file: string, fileSize: number): Promise<BundleSource> {
  const entries = await indexTar(file, fileSize);
  const files = new Map<string, number>();
  const odd: string[] = [];
  const where = new Map<string, TarEntry>();
  for (const entry of entries) {
    const name = entry.name.replace(/^\.\//, '');
    if (entry.type === '5') continue;
    if (entry.type !== '0' && entry.type !== '7') {
      odd.push(name);
      continue;
    }
    if (where.has(name)) odd.push(`${name} (twice)`); // a second copy would let what is verified differ from what is used
    where.set(name, entry);
    files.set(name, entry.size);
  }
  const range = (name: string, signal?: AbortSignal) => {
    const entry = where.get(name);
    if (!entry) throw new Error(`No ${name} in the bundle tar.`);
    if (entry.size === 0) return Readable.from([]); // a byte range cannot be empty
    return createReadStream(file, { start: entry.dataOffset, end: entry.dataOffset + entry.size - 1, ...(signal ? { signal } : {}) });
  };
  return {
    kind: 'tar',
    files: () => files,
    oddEntries: () => odd,
    open: range,
    readSmall: (name, limit) => readLimited(range(name), limit),
  };
}

/** Reads only the 512-byte headers of a tar file, jumping over each member's data. */
async function indexTar(file: string, fileSize: number): Promise<TarEntry[]> {
  const handle = await fs.open(file, 'r');
  const entries: TarEntry[] = [];
  const read = async (position: number, length: number): Promise<Buffer> => {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    if (bytesRead < length) throw new TarFormatError('The bundle tar is truncated.');
    return buffer;
  };
  try {
    let position = 0;
    let nextName: string | undefined;
    for (;;) {
      const header = parseTarHeader(await read(position, 512), position);
      if (header === 'end') return entries;
      const dataOffset = position + 512;
      if (dataOffset + header.size > fileSize) throw new TarFormatError(`The bundle tar ends in the middle of ${header.name} (truncated).`);
      if (header.type === 'x' || header.type === 'L') {
        // Their data names the next entry; small by nature, so a huge one is an attack, not a name.
        if (header.size > 65536) throw new TarFormatError('A tar name header is implausibly large.');
        nextName = metaName(header.type === 'x' ? 'pax' : 'longname', await read(dataOffset, header.size)) ?? nextName;
      } else if (header.type !== 'g') {
        entries.push({ name: nextName ?? header.name, size: header.size, type: header.type, dataOffset });
        nextName = undefined;
      }
      position = dataOffset + padded(header.size);
    }
  } finally {
    await handle.close();
  }
}

const padded = (size: number) => Math.ceil(size / 512) * 512;

async function readLimited(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > limit) {
      stream.destroy();
      throw new RangeError(`larger than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

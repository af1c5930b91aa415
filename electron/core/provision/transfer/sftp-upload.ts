import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SftpSession } from './sftp-session';

/** Read size from the local disk: large enough that ssh2 keeps several SFTP write packets in flight per chunk. */
const CHUNK = 1024 * 1024;

/**
 * Hashes the first `length` bytes of a local file into `hash` (streamed: memory stays at one chunk whatever the size).
 */
export async function hashLocalPrefix(path: string, length: number, hash: Hash, signal?: AbortSignal): Promise<void> {
  if (length === 0) return;
  const stream = createReadStream(path, { start: 0, end: length - 1, highWaterMark: CHUNK, ...(signal ? { signal } : {}) });
  for await (const chunk of stream) hash.update(chunk as Buffer);
}

/** Continues `hash` with a local file from byte `start` to its end. */
async function hashLocalFrom(path: string, start: number, hash: Hash, signal?: AbortSignal): Promise<void> {
  const stream = createReadStream(path, { start, highWaterMark: CHUNK, ...(signal ? { signal } : {}) });
  for await (const chunk of stream) hash.update(chunk as Buffer);
}

export interface UploadRequest {
  session: SftpSession;
  localPath: string;
  /** The `.part` file on the server; renamed to its final name only after the server verified it. */
  remotePath: string;
  /** Bytes already on the server and verified as this file's prefix: sending starts here. */
  from: number;
  /** Already holds the hash of the local prefix [0, from): the upload continues it with the rest of the local file. */
  hash: Hash;
  /** Bytes of this upload the server has acknowledged so far (not counting `from`). */
  onAcknowledged: (bytes: number) => void;
  signal?: AbortSignal;
}

/**
 * Streams one file (from `from` to its end) into a remote file. After a cut, what the server holds is at most a prefix
 * of the file with possibly a few unacknowledged writes missing: the next push verifies it by hash (never trusts its
 * size alone) and continues, or starts the file again.
 */
export async function uploadFrom(request: UploadRequest): Promise<number> {
  const { session, localPath, remotePath, from, hash, onAcknowledged } = request;
  const source = createReadStream(localPath, { start: from, highWaterMark: CHUNK });
  const sink = session.sftp.createWriteStream(remotePath, { flags: from > 0 ? 'r+' : 'w', start: from, mode: 0o600, highWaterMark: CHUNK });
  // ssh2's bytesWritten (untyped) counts what the server acknowledged: progress never runs ahead of the server's disk by more than the
  // one chunk in flight.
  const acknowledged = () => (sink as unknown as { bytesWritten: number }).bytesWritten;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onAcknowledged(acknowledged());
      callback(null, chunk);
    },
  });
  // The local hash is read beside the upload, not inside its pipeline: hashing there made the whole transfer about
  // 2.5 times slower (185 MiB over loopback: 10.6 s against 3.9 s), although hashing alone takes 0.2 s.
  const hashing = hashLocalFrom(localPath, from, hash, request.signal);
  try {
    if (request.signal) await pipeline(source, meter, sink, { signal: request.signal });
    else await pipeline(source, meter, sink);
    await hashing;
  } catch (error) {
    await hashing.catch(() => {});
    // After a cancel or a failure, wait until the server closed the file: SFTP answers in order, so every write sent
    // before has then landed, and what the next push finds is what was acknowledged here.
    await closed(sink);
    throw error;
  } finally {
    onAcknowledged(acknowledged());
  }
  return acknowledged();
}

function closed(stream: NodeJS.EventEmitter & { destroyed?: boolean }): Promise<void> {
  if ((stream as { isClosed?: boolean }).isClosed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000); // a dead connection never answers: do not hang the push on it
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    stream.once('close', done);
    stream.once('error', done);
  });
}

export const newHash = (): Hash => createHash('sha256');

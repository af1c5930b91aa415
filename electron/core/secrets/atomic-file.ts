import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Replaces a file so that a crash leaves either the old or the new content, never a torn mix: write a temporary file,
 * fsync it, rename it over the old one, fsync the folder.
 */
export function writeFileAtomic(file: string, data: Buffer, mode = 0o600): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  try {
    const dirFd = openSync(dirname(file), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some platforms (Windows) cannot fsync a folder; the rename is still atomic there.
  }
}

/**
 * A lock file beside `file`, so two console processes (a CLI call while the browser shell runs) never interleave a
 * read-modify-write and drop each other's secrets. A lock older than `staleMs` is from a crashed process and is broken.
 */
export async function withFileLock<T>(file: string, work: () => Promise<T> | T, staleMs = 30_000): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(lock).mtimeMs > staleMs) unlinkSync(lock);
      } catch {
        // The holder released it meanwhile.
      }
      if (Date.now() > deadline) {
        throw new Error(`Another Copper Console process holds ${lock}. If none is running, delete that file and retry.`);
      }
      await sleep(25);
    }
  }
  try {
    return await work();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

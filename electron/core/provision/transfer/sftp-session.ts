import type { Client, SFTPWrapper, Stats } from 'ssh2';
import { z } from 'zod';

/**
 * The few SFTP calls the transfer makes, as promises. One session per push, on the host's pooled SSH connection: no
 * second login, the same pinned host key.
 */
export class SftpSession {
  private constructor(readonly sftp: SFTPWrapper) {}

  static open(client: Client): Promise<SftpSession> {
    return new Promise((resolve, reject) => client.sftp((error, sftp) => (error ? reject(error) : resolve(new SftpSession(sftp)))));
  }

  /** The login's home folder, absolute: every later path is absolute, so SFTP and exec agree on what they name. */
  home(): Promise<string> {
    return new Promise((resolve, reject) => this.sftp.realpath('.', (error, path) => (error ? reject(error) : resolve(path))));
  }

  /** The entry's attributes, or null when nothing is there. */
  stat(path: string): Promise<Stats | null> {
    return new Promise((resolve, reject) =>
      this.sftp.lstat(path, (error, stats) => {
        if (!error) return resolve(stats);
        if (isNoSuchFile(error)) return resolve(null);
        reject(error);
      }),
    );
  }

  /** Creates each missing folder of `path` with `mode`; folders that exist are left as they are. */
  async mkdirs(path: string, mode: number): Promise<void> {
    const segments = path.split('/').filter(Boolean);
    let current = '';
    for (const segment of segments) {
      current += `/${segment}`;
      const stats = await this.stat(current);
      if (stats?.isDirectory()) continue;
      if (stats) throw new Error(`${current} exists and is not a folder`);
      await new Promise<void>((resolve, reject) =>
        this.sftp.mkdir(current, { mode }, (error) => (error ? (isNoSuchFile(error) ? reject(error) : resolve(this.ensureDir(current, error))) : resolve())),
      );
    }
  }

  chmod(path: string, mode: number): Promise<void> {
    return new Promise((resolve, reject) => this.sftp.chmod(path, mode, (error) => (error ? reject(error) : resolve())));
  }

  unlink(path: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.sftp.unlink(path, (error) => (error && !isNoSuchFile(error) ? reject(error) : resolve())),
    );
  }

  /** Replaces `to` (POSIX rename, OpenSSH extension) so a verified file appears under its name in one step. */
  rename(from: string, to: string): Promise<void> {
    return new Promise((resolve, reject) => this.sftp.ext_openssh_rename(from, to, (error) => (error ? reject(error) : resolve())));
  }

  /** Bytes an unprivileged user may still write in the file system holding `path`; null when the server cannot say. */
  freeBytes(path: string): Promise<number | null> {
    return new Promise((resolve) => {
      try {
        this.sftp.ext_openssh_statvfs(path, (error, info: unknown) => {
          const parsed = StatVfs.safeParse(info);
          resolve(error || !parsed.success ? null : parsed.data.f_bavail * parsed.data.f_frsize);
        });
      } catch {
        resolve(null); // The server lacks the statvfs extension: the upload itself will tell.
      }
    });
  }

  end(): void {
    this.sftp.end();
  }

  /** A mkdir that failed because another push made the folder meanwhile is fine; anything else is not. */
  private async ensureDir(path: string, error: Error): Promise<void> {
    const stats = await this.stat(path);
    if (!stats?.isDirectory()) throw error;
  }
}

/** ssh2 hands statvfs over as the server's uint64 fields (numbers, or big ones as bigint): data, so checked. */
const StatVfs = z.object({ f_bavail: z.coerce.number().nonnegative(), f_frsize: z.coerce.number().positive() });

/** SSH_FX_NO_SUCH_FILE (2). */
export function isNoSuchFile(error: unknown): boolean {
  return (error as { code?: unknown }).code === 2;
}

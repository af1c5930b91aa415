import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Hash } from 'node:crypto';
import type Dockerode from 'dockerode';
import { CopperError, type BundlePushResult, type Progress } from '../../../../shared/contract';
import type { ExecTargets } from '../../exec/exec-targets';
import type { InventoryService } from '../../inventory/inventory.service';
import type { SshPool } from '../../ssh/ssh-pool';
import { sshError } from '../../ssh/ssh-errors';
import { toDockerError } from '../../docker/docker-errors';
import { remoteSha256 } from './remote-hash';
import { hashLocalPrefix, newHash, uploadFrom } from './sftp-upload';
import { SftpSession } from './sftp-session';
import { imageIdOf, loadStagedImage } from './image-load';
import { MANIFEST_FILE, SIGNATURE_FILE, transferManifest, type LocalBundle, type TransferManifest } from './transfer-manifest';

export type DockerConnect = (host: string, signal?: AbortSignal) => Promise<Dockerode>;

/**
 * The bundle's manifest after its signature was checked against the trusted publisher keys (the bundle layer's
 * readBundle): the exact bytes. Every file is then verified on the server against the digests these bytes name, and
 * every loaded image against their image IDs, so nothing unsigned is ever loaded. It refuses (BUNDLE_…) otherwise.
 */
export type SignedManifest = (path: string) => Promise<{ kind: 'directory' | 'tar'; manifestBytes: Buffer }>;

export interface BundlePushRequest {
  host: string;
  path: string;
  stagingRoot?: string | undefined;
}

/** Under the login's home unless the operator names another folder (e.g. a larger partition). */
export const DEFAULT_STAGING = '.copper/bundles';
const PROGRESS_EVERY_MS = 200;

interface StagedFile {
  path: string;
  size: number;
  sha256: string;
  localPath: string;
  finalPath: string;
  partPath: string;
  outcome: 'uploaded' | 'resumed' | 'present';
  from: number;
  sent: number;
  /** The local file's hash, continued through the upload: tells a workstation-side mismatch from a server-side one. */
  hash: Hash;
}

/**
 * `copper bundle push`: stages a bundle on a host over SFTP and loads its images through the Docker API, both over the
 * host's pooled SSH connection. Resumable: a push that was cut off leaves `.part` files that the next push verifies
 * and continues. A file gets its final name only after `sha256sum` on the server matched the manifest, and no image
 * is loaded before every file did: a failed push never leaves a half-loaded bundle.
 */
export class BundleTransferService {
  /** Pushes in flight, by host and bundle: two writers on the same `.part` files would corrupt each other's upload. */
  private readonly running = new Set<string>();

  constructor(
    private readonly inventory: InventoryService,
    private readonly pool: SshPool,
    private readonly exec: ExecTargets,
    private readonly docker: DockerConnect,
    private readonly signedManifest: SignedManifest,
  ) {}

  async push(request: BundlePushRequest, signal: AbortSignal, progress: (p: Progress) => void): Promise<BundlePushResult> {
    const host = this.inventory.getHost(request.host).name;
    progress({ step: 'prepare', done: 0, total: null, message: `Reading the bundle in ${request.path}` });
    const signed = await this.signedManifest(request.path);
    if (signed.kind !== 'directory') {
      throw new CopperError('INVALID_INPUT', `${request.path} is a bundle tar; push takes a bundle folder. Extract it (tar -xf) and push the folder.`, { path: request.path });
    }
    const bundle = transferManifest(request.path, signed.manifestBytes);
    const entries = await localEntries(bundle, signal);
    const key = `${host.toLowerCase()}|${request.stagingRoot ?? ''}|${bundle.manifestSha256}`;
    if (this.running.has(key)) {
      throw new CopperError('IN_USE', `This bundle is already being pushed to ${host}. Wait for that push to finish, or cancel it.`, { host });
    }
    this.running.add(key);
    try {
      return await this.pushOnce(host, request, bundle, entries, signal, progress);
    } finally {
      this.running.delete(key);
    }
  }

  private async pushOnce(host: string, request: BundlePushRequest, bundle: LocalBundle, entries: LocalEntry[], signal: AbortSignal, progress: (p: Progress) => void): Promise<BundlePushResult> {
    const connection = await this.pool.connection(host);
    const session = await SftpSession.open(connection.client).catch((error: unknown) => {
      throw new CopperError('COMMAND_FAILED', `${host} refused an SFTP session (${(error as Error).message}). Check that sshd offers the sftp subsystem.`, { host });
    });
    try {
      const root = request.stagingRoot ?? posix.join(await session.home(), DEFAULT_STAGING);
      const stagingDir = posix.join(root, `${bundle.manifest.stackVersion}-${bundle.manifestSha256.slice(0, 16)}`);
      await this.prepareDir(session, host, stagingDir);

      progress({ step: 'prepare', done: 0, total: null, message: `Checking what ${host} already has in ${stagingDir}` });
      const files = await this.survey(session, host, stagingDir, entries, signal);
      await this.checkSpace(session, host, stagingDir, files);
      await this.upload(session, host, stagingDir, files, signal, progress);
      await this.verify(session, host, files, signal, progress);
      const images = await this.load(session, host, bundle.manifest, files, signal, progress);
      return {
        host,
        stackVersion: bundle.manifest.stackVersion,
        stagingDir,
        files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, outcome: f.outcome, resumedFrom: f.from, bytesSent: f.sent })),
        bytesSent: files.reduce((sum, f) => sum + f.sent, 0),
        images,
      };
    } catch (error) {
      if (signal.aborted && !(error instanceof CopperError && error.code === 'CANCELLED')) {
        throw new CopperError('CANCELLED', `The push to ${host} was cancelled. What was uploaded stays staged: the next push resumes from there.`, { host });
      }
      throw error;
    } finally {
      session.end();
    }
  }

  /** The staging folder is the login's alone (0700): images and configuration must not be readable by other users. */
  private async prepareDir(session: SftpSession, host: string, dir: string): Promise<void> {
    try {
      await session.mkdirs(dir, 0o700);
      await session.chmod(dir, 0o700);
    } catch (error) {
      throw new CopperError('COMMAND_FAILED', `The staging folder ${dir} cannot be created on ${host} (${(error as Error).message}). Check that the login user may write there, or choose another folder.`, { host, dir });
    }
  }

  /**
   * What is already on the server: complete files (verified again by hash, never trusted on their size) and partial
   * ones (their hash compared with the same prefix of the local file). What does not match is sent again in full.
   */
  private async survey(session: SftpSession, host: string, dir: string, entries: LocalEntry[], signal: AbortSignal): Promise<StagedFile[]> {
    const files: StagedFile[] = [];
    for (const entry of entries) {
      const finalPath = posix.join(dir, entry.path);
      const file: StagedFile = { ...entry, finalPath, partPath: `${finalPath}.part`, outcome: 'uploaded', from: 0, sent: 0, hash: newHash() };
      if (entry.path.includes('/')) await session.mkdirs(posix.dirname(finalPath), 0o700);
      const [complete, partial] = await Promise.all([session.stat(finalPath), session.stat(file.partPath)]);
      if (complete?.isFile() && complete.size === entry.size) file.outcome = 'present';
      else if (partial?.isFile() && partial.size > 0 && partial.size <= entry.size) {
        file.outcome = 'resumed';
        file.from = partial.size;
      }
      files.push(file);
    }
    const candidates = files.filter((f) => f.outcome !== 'uploaded');
    if (candidates.length === 0) return files;
    const target = this.exec.onHost(host);
    const remotePath = (f: StagedFile) => (f.outcome === 'present' ? f.finalPath : f.partPath);
    const digests = await remoteSha256(target, candidates.map(remotePath), candidates.reduce((n, f) => n + f.size, 0), signal);
    for (const file of candidates) {
      const found = digests.get(remotePath(file));
      if (file.outcome === 'present') {
        if (found === file.sha256) continue;
        await session.unlink(file.finalPath);
      } else {
        await hashLocalPrefix(file.localPath, file.from, file.hash, signal);
        if (found !== undefined && file.hash.copy().digest('hex') === found) continue;
        file.hash = newHash();
      }
      // Not this file, or not its beginning: start it again rather than build on bytes nobody can vouch for.
      file.outcome = 'uploaded';
      file.from = 0;
    }
    return files;
  }

  private async checkSpace(session: SftpSession, host: string, dir: string, files: StagedFile[]): Promise<void> {
    const needed = files.filter((f) => f.outcome !== 'present').reduce((n, f) => n + f.size - f.from, 0);
    const free = await session.freeBytes(dir);
    if (free !== null && free < needed) throw diskFull(host, dir, needed, free, false);
  }

  private async upload(session: SftpSession, host: string, dir: string, files: StagedFile[], signal: AbortSignal, progress: (p: Progress) => void): Promise<void> {
    const sending = files.filter((f) => f.outcome !== 'present');
    const total = sending.reduce((n, f) => n + f.size - f.from, 0);
    let finished = 0;
    let last = 0;
    let lastDone = 0;
    for (const [index, file] of sending.entries()) {
      const report = (acknowledged: number, force = false) => {
        file.sent = acknowledged;
        const now = Date.now();
        // At most five a second, and at least every 1 % of the whole: a bar that moves smoothly without flooding a UI.
        if (!force && now - last < PROGRESS_EVERY_MS && finished + acknowledged - lastDone < total / 100) return;
        last = now;
        lastDone = finished + acknowledged;
        const resumed = file.from > 0 ? `, resumed at ${bytes(file.from)}` : '';
        progress({
          step: 'upload',
          done: finished + acknowledged,
          total,
          message: `Uploading ${file.path} to ${host} (file ${index + 1} of ${sending.length}): ${bytes(file.from + acknowledged)} of ${bytes(file.size)}${resumed}`,
        });
      };
      report(0, true);
      try {
        await uploadFrom({ session, localPath: file.localPath, remotePath: file.partPath, from: file.from, hash: file.hash, onAcknowledged: report, signal });
      } catch (error) {
        if (signal.aborted) {
          throw new CopperError('CANCELLED', `The upload to ${host} was cancelled in ${file.path} after ${bytes(file.from + file.sent)} of ${bytes(file.size)}. The next push resumes from there.`, { host, file: file.path });
        }
        const remaining = sending.slice(index).reduce((n, f) => n + f.size - f.from, 0) - file.sent;
        const free = await session.freeBytes(dir).catch(() => null);
        // SFTP (version 3) reports a full disk as a bare "Failure": the free space tells it apart from other failures.
        if (free !== null && free < remaining) throw diskFull(host, dir, remaining, free, true);
        throw uploadFailed(error, host, file.path);
      }
      report(file.size - file.from, true);
      finished += file.size - file.from;
    }
  }

  private async verify(session: SftpSession, host: string, files: StagedFile[], signal: AbortSignal, progress: (p: Progress) => void): Promise<void> {
    const sent = files.filter((f) => f.outcome !== 'present');
    if (sent.length === 0) return;
    const total = sent.reduce((n, f) => n + f.size, 0);
    progress({ step: 'verify', done: 0, total, message: `Computing SHA-256 of ${sent.length} uploaded file(s) on ${host}` });
    const digests = await remoteSha256(this.exec.onHost(host), sent.map((f) => f.partPath), total, signal);
    const bad: string[] = [];
    for (const file of sent) {
      const found = digests.get(file.partPath);
      if (found === file.sha256) continue;
      // Removed at once: a file that failed verification must never be taken for a good partial upload later.
      await session.unlink(file.partPath);
      const local = file.hash.digest('hex');
      const where = local === file.sha256 ? 'the copy on the server differs from the one sent (damaged in transfer or changed on the server)' : `the file on this workstation already differs (SHA-256 ${local})`;
      bad.push(`${file.path}: expected ${file.sha256}, the server computed ${found ?? 'nothing (file unreadable)'}; ${where}`);
    }
    if (bad.length) {
      throw new CopperError(
        'BUNDLE_DIGEST_MISMATCH',
        `The upload to ${host} failed verification and was removed; nothing was loaded. ${bad.join('. ')}. Check the bundle with \`copper bundle verify\`, then push again.`,
        { host, files: bad },
      );
    }
    for (const file of sent) await session.rename(file.partPath, file.finalPath);
    progress({ step: 'verify', done: total, total, message: `All files verified on ${host}` });
  }

  private async load(session: SftpSession, host: string, manifest: TransferManifest, files: StagedFile[], signal: AbortSignal, progress: (p: Progress) => void): Promise<BundlePushResult['images']> {
    if (manifest.images.length === 0) return [];
    const docker = await this.docker(host, signal).catch((error: unknown) => {
      throw toDockerError(error, { host });
    });
    const byPath = new Map(files.map((f) => [f.path, f]));
    const results: BundlePushResult['images'] = [];
    for (const [index, image] of manifest.images.entries()) {
      const references = image.tags.length ? image.tags : [image.imageId];
      const current = await this.ids(docker, host, references, signal);
      const loadNeeded = !current.every((id) => id === image.imageId);
      if (loadNeeded) {
        progress({ step: 'load', done: index, total: manifest.images.length, message: `Loading ${image.file} into the Docker engine on ${host}` });
        const staged = byPath.get(image.file);
        if (!staged) throw new CopperError('BUNDLE_MALFORMED', `The manifest names ${image.file} as an image, but it is not among the staged files.`);
        await loadStagedImage(docker, session, staged.finalPath, { host, file: image.file }, signal);
      }
      const loaded = await this.ids(docker, host, [...references, image.imageId], signal);
      const wrong = [...references, image.imageId].map((reference, i) => ({ reference, id: loaded[i] ?? null })).filter((r) => r.id !== image.imageId);
      if (wrong.length) {
        // A tag the load just moved onto an image the manifest does not name must not stay for provisioning to use.
        await this.untagMoved(docker, references, current, image.imageId, signal);
        throw new CopperError(
          'BUNDLE_IMAGE_MISMATCH',
          `After loading ${image.file} on ${host}, ${wrong.map((w) => `${w.reference} is ${w.id ?? 'missing'}`).join(', ')}; the manifest expects ${image.imageId}. The bundle's image does not match its manifest: do not provision from it.`,
          { host, file: image.file, expected: image.imageId, found: wrong },
        );
      }
      results.push({ file: image.file, imageId: image.imageId, tags: image.tags, loaded: loadNeeded });
    }
    progress({ step: 'load', done: manifest.images.length, total: manifest.images.length, message: `${manifest.images.length} image(s) on ${host} match the manifest` });
    return results;
  }

  /** Removes tags that point elsewhere than the manifest says and did not before the load (never an operator's tag). */
  private async untagMoved(docker: Dockerode, references: string[], before: Array<string | null>, expected: string, signal: AbortSignal): Promise<void> {
    const after = await this.ids(docker, '', references, signal).catch(() => references.map(() => null));
    for (const [i, reference] of references.entries()) {
      const now = after[i] ?? null;
      if (reference === expected || now === null || now === expected || now === before[i]) continue;
      await docker.getImage(reference).remove({ noprune: true }).catch(() => undefined); // best effort: the error names it
    }
  }

  private async ids(docker: Dockerode, host: string, references: string[], signal: AbortSignal): Promise<Array<string | null>> {
    try {
      return await Promise.all(references.map((reference) => imageIdOf(docker, reference, signal)));
    } catch (error) {
      throw toDockerError(error, { host });
    }
  }
}

interface LocalEntry {
  path: string;
  size: number;
  sha256: string;
  localPath: string;
}

/**
 * The files to stage: those the manifest lists (present, with their listed size: the content is verified on the
 * server), plus the manifest and its signature themselves, so the server holds a bundle that can be checked again.
 */
async function localEntries(bundle: LocalBundle, signal: AbortSignal): Promise<LocalEntry[]> {
  const entries: LocalEntry[] = [];
  for (const file of bundle.manifest.files) {
    const localPath = join(bundle.dir, ...file.path.split('/'));
    const info = await stat(localPath).catch(() => null);
    if (!info?.isFile()) throw new CopperError('BUNDLE_FILE_MISSING', `The bundle in ${bundle.dir} lacks ${file.path}, which its manifest lists. Copy the whole bundle again.`, { file: file.path });
    if (info.size !== file.size) {
      throw new CopperError('BUNDLE_DIGEST_MISMATCH', `${file.path} in ${bundle.dir} has ${info.size} bytes; its manifest says ${file.size}. Copy the bundle again.`, { file: file.path });
    }
    entries.push({ ...file, localPath });
  }
  entries.push({ path: MANIFEST_FILE, size: (await stat(join(bundle.dir, MANIFEST_FILE))).size, sha256: bundle.manifestSha256, localPath: join(bundle.dir, MANIFEST_FILE) });
  const signature = join(bundle.dir, SIGNATURE_FILE);
  const signatureInfo = await stat(signature).catch(() => null);
  if (signatureInfo?.isFile()) {
    const hash = newHash();
    for await (const chunk of createReadStream(signature, { signal })) hash.update(chunk as Buffer);
    entries.push({ path: SIGNATURE_FILE, size: signatureInfo.size, sha256: hash.digest('hex'), localPath: signature });
  }
  return entries;
}

function diskFull(host: string, dir: string, needed: number, free: number, during: boolean): CopperError {
  const short = needed - free;
  return new CopperError(
    'DISK_FULL',
    `${host} ${during ? 'ran out of disk space during the upload' : 'has too little disk space for this bundle'}: ${dir} needs ${bytes(needed)} more, only ${bytes(free)} is free. Free at least ${bytes(short)} there (or push with another staging folder), then push again${during ? ': what was uploaded is kept and the push resumes' : ''}. Nothing was loaded.`,
    { host, dir, neededBytes: needed, freeBytes: free, shortBytes: short },
  );
}

function uploadFailed(error: unknown, host: string, file: string): CopperError {
  if (error instanceof CopperError) return error;
  const e = error as { code?: unknown; message?: string };
  if (typeof e.code === 'number') {
    return new CopperError('COMMAND_FAILED', `The SFTP server on ${host} refused to write ${file} (${e.message ?? 'failure'}). Check the staging folder's permissions and free space; the next push resumes.`, { host, file });
  }
  return sshError(error, host);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

import { createHash, type KeyObject } from 'node:crypto';
import type { z } from 'zod';
import {
  BundleManifest,
  CopperError,
  MANIFEST_FILE,
  SIGNATURE_FILE,
  StackSpec,
  type ErrorCode,
  type Progress,
} from '../../../../shared/contract';
import { openBundleSource, type BundleSource } from './bundle-source';
import { inspectImageTar } from './image-tar';
import { verifyManifestSignature } from './signature';

/** A publisher the console trusts: its key ID, a name to show, and the parsed Ed25519 key. */
export interface TrustedKey {
  keyId: string;
  name: string;
  key: KeyObject;
}

export interface VerifiedBundle {
  path: string;
  kind: 'directory' | 'tar';
  manifest: BundleManifest;
  /** The exact bytes that were verified; the transfer copies these, never a re-serialisation. */
  manifestBytes: Buffer;
  signature: Buffer;
  stack: StackSpec;
  publisher: TrustedKey;
  totalBytes: number;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** Manifests and stack files are small; anything bigger is not one. */
const MANIFEST_LIMIT = 4 * 1024 * 1024;

function refuse(code: ErrorCode, message: string, details: Record<string, unknown>): never {
  throw new CopperError(code, message, details);
}

/**
 * Reads and checks a bundle's manifest and signature only (no file digests): for listing or showing a bundle. Anything
 * about to be used must go through verifyBundle.
 */
export async function readBundle(path: string, trustedKeys: TrustedKey[]): Promise<{ source: BundleSource; manifest: BundleManifest; manifestBytes: Buffer; signature: Buffer; publisher: TrustedKey }> {
  const source = await openSource(path);
  const files = source.files();
  for (const required of [MANIFEST_FILE, SIGNATURE_FILE]) {
    if (!files.has(required)) refuse('BUNDLE_FILE_MISSING', `The bundle ${path} has no ${required}: it is not a complete Copper bundle.`, { path, file: required });
  }
  const manifestBytes = await readSmall(source, MANIFEST_FILE, path);
  const signature = await readSmall(source, SIGNATURE_FILE, path);

  // The publisher's key ID is read before the signature is checked only to pick the key; nothing else is believed yet.
  let claimed: unknown;
  try {
    claimed = (JSON.parse(manifestBytes.toString('utf8')) as { publisher?: { keyId?: unknown } }).publisher?.keyId;
  } catch (error) {
    refuse('BUNDLE_MALFORMED', `${MANIFEST_FILE} of ${path} is not JSON (${(error as Error).message}).`, { path });
  }
  if (typeof claimed !== 'string') refuse('BUNDLE_MALFORMED', `${MANIFEST_FILE} of ${path} does not name its publisher key (publisher.keyId).`, { path, field: 'publisher.keyId' });
  const publisher = trustedKeys.find((key) => key.keyId === claimed);
  if (!publisher) {
    refuse(
      'BUNDLE_UNKNOWN_PUBLISHER',
      `The bundle ${path} is signed by key ${String(claimed)}, which this console does not trust. If it comes from your release team, add their public key with \`copper bundle keys add\`.`,
      { path, keyId: claimed },
    );
  }
  if (!verifyManifestSignature(manifestBytes, signature, publisher.key)) {
    refuse(
      'BUNDLE_SIGNATURE_INVALID',
      `The signature of ${path} does not match its manifest for key ${publisher.keyId} (${publisher.name}): the bundle was altered or damaged after signing. Do not use it.`,
      { path, keyId: publisher.keyId },
    );
  }
  const json: unknown = JSON.parse(manifestBytes.toString('utf8'));
  const unsafe = unsafePaths(json);
  if (unsafe.length) {
    refuse('BUNDLE_UNSAFE_PATH', `${MANIFEST_FILE} of ${path} names ${JSON.stringify(unsafe[0])}, a path outside the bundle. It is refused whoever signed it.`, { path, paths: unsafe });
  }
  const manifest = parseOrRefuse(BundleManifest, json, `${MANIFEST_FILE} of ${path}`, path);
  return { source, manifest, manifestBytes, signature, publisher };
}

/**
 * Verifies a bundle (a directory or a tar of one) before anything of it is used: the Ed25519 signature over the exact
 * manifest bytes by a trusted key, that exactly the listed files are present, the SHA-256 and size of each (streamed,
 * never read whole), that each image tar loads as the image ID the manifest names, and the stack file. Refuses with a
 * CopperError whose code names the reason (BUNDLE_…). Cancellable through the signal between and within files.
 */
export async function verifyBundle(path: string, trustedKeys: TrustedKey[], options: VerifyOptions = {}): Promise<VerifiedBundle> {
  const { signal, onProgress = () => {} } = options;
  const { source, manifest, manifestBytes, signature, publisher } = await readBundle(path, trustedKeys);
  const present = source.files();

  const odd = source.oddEntries();
  if (odd.length) refuse('BUNDLE_UNEXPECTED_FILE', `The bundle ${path} contains ${odd[0]}, which is not a regular file (links are never allowed).`, { path, files: odd });
  const listed = new Set([MANIFEST_FILE, SIGNATURE_FILE, ...manifest.files.map((file) => file.path)]);
  const unexpected = [...present.keys()].filter((name) => !listed.has(name));
  if (unexpected.length) {
    refuse('BUNDLE_UNEXPECTED_FILE', `The bundle ${path} contains ${unexpected[0]}, which its signed manifest does not list: something was added after signing.`, { path, files: unexpected });
  }
  const missing = manifest.files.filter((file) => !present.has(file.path));
  if (missing.length) {
    refuse('BUNDLE_FILE_MISSING', `The bundle ${path} lacks ${missing[0]?.path}, which its manifest lists. Copy the whole bundle again.`, { path, files: missing.map((file) => file.path) });
  }

  const images = new Map(manifest.images.map((image) => [image.file, image]));
  const totalBytes = manifest.files.reduce((sum, file) => sum + file.size, 0);
  let doneBytes = 0;
  for (const file of manifest.files) {
    if (signal?.aborted) throw new CopperError('CANCELLED', 'Bundle verification was cancelled.');
    const actualSize = present.get(file.path) ?? 0;
    if (actualSize !== file.size) {
      refuse(
        'BUNDLE_DIGEST_MISMATCH',
        `${file.path} in ${path} is ${actualSize} bytes, the manifest says ${file.size}${actualSize < file.size ? ' (truncated: copy it again)' : ''}.`,
        { path, file: file.path, expectedSize: file.size, actualSize },
      );
    }
    onProgress({ step: 'verify', done: doneBytes, total: totalBytes, message: `Checking ${file.path}` });
    // Progress every 16 MiB within a file: a multi-gigabyte image tar takes a while to hash.
    let sinceReport = 0;
    const report = (bytes: number) => {
      doneBytes += bytes;
      sinceReport += bytes;
      if (sinceReport >= 16 * 1024 * 1024) {
        sinceReport = 0;
        onProgress({ step: 'verify', done: doneBytes, total: totalBytes, message: `Checking ${file.path}` });
      }
    };
    const image = images.get(file.path);
    const stream = source.open(file.path, signal);
    let digest: string;
    try {
      if (image) {
        const facts = await inspectImageTar(stream, report);
        digest = facts.sha256;
        if (digest === file.sha256) {
          if (facts.problem) refuse('BUNDLE_MALFORMED', `${file.path} in ${path} is not a readable docker save archive: ${facts.problem}.`, { path, file: file.path });
          if (!facts.imageIds.includes(image.imageId)) {
            refuse('BUNDLE_IMAGE_MISMATCH', `${file.path} in ${path} loads as ${facts.imageIds.join(', ') || 'no image'}, not ${image.imageId} as the manifest says.`, { path, file: file.path, expected: image.imageId, actual: facts.imageIds });
          }
        }
      } else {
        digest = await sha256Of(stream, report);
      }
    } catch (error) {
      if (signal?.aborted) throw new CopperError('CANCELLED', 'Bundle verification was cancelled.');
      throw error;
    }
    if (digest !== file.sha256) {
      refuse('BUNDLE_DIGEST_MISMATCH', `${file.path} in ${path} was altered or damaged: its SHA-256 is ${digest}, the signed manifest says ${file.sha256}.`, { path, file: file.path, expected: file.sha256, actual: digest });
    }
    onProgress({ step: 'verify', done: doneBytes, total: totalBytes, message: `${file.path} verified` });
  }

  const stack = await readStack(source, manifest, path);
  return { path, kind: source.kind, manifest, manifestBytes, signature, stack, publisher, totalBytes };
}

/**
 * The signed manifest and the stack it names, with the stack file's digest checked, but not the image tars: for
 * planning, where the images that matter are the ones the host's engine already holds (their IDs are checked there).
 */
export async function readBundleStack(path: string, trustedKeys: TrustedKey[]): Promise<{ manifest: BundleManifest; stack: StackSpec; publisher: TrustedKey }> {
  const { source, manifest, publisher } = await readBundle(path, trustedKeys);
  const listed = manifest.files.find((file) => file.path === manifest.stackFile);
  const text = await readSmall(source, manifest.stackFile, path);
  const digest = createHash('sha256').update(text).digest('hex');
  if (!listed || digest !== listed.sha256) {
    refuse('BUNDLE_DIGEST_MISMATCH', `${manifest.stackFile} in ${path} was altered or damaged: its SHA-256 is ${digest}, the signed manifest says ${listed?.sha256 ?? 'nothing'}.`, { path, file: manifest.stackFile, expected: listed?.sha256, actual: digest });
  }
  return { manifest, stack: await readStack(source, manifest, path, text), publisher };
}

async function readStack(source: BundleSource, manifest: BundleManifest, path: string, bytes?: Buffer): Promise<StackSpec> {
  const stackText = bytes ?? (await readSmall(source, manifest.stackFile, path));
  let stackJson: unknown;
  try {
    stackJson = JSON.parse(stackText.toString('utf8'));
  } catch (error) {
    refuse('BUNDLE_MALFORMED', `The stack file ${manifest.stackFile} of ${path} is not JSON (${(error as Error).message}).`, { path, file: manifest.stackFile });
  }
  const stack = parseOrRefuse(StackSpec, stackJson, `the stack file ${manifest.stackFile} of ${path}`, path);
  checkStackAgainstManifest(stack, manifest, path);
  return stack;
}

/** Every service's image must be in the bundle, as the same image ID: a bundle carries everything its stack runs. */
function checkStackAgainstManifest(stack: StackSpec, manifest: BundleManifest, path: string): void {
  if (stack.name !== manifest.stackName || stack.version !== manifest.stackVersion) {
    refuse('BUNDLE_MALFORMED', `The stack file of ${path} is ${stack.name} ${stack.version}, the manifest says ${manifest.stackName} ${manifest.stackVersion}.`, { path, field: 'stackVersion' });
  }
  const byTag = new Map(manifest.images.flatMap((image) => image.tags.map((tag) => [tag, image.imageId] as const)));
  for (const [name, service] of Object.entries(stack.services)) {
    const carried = byTag.get(service.image.reference);
    if (!carried || carried !== service.image.id) {
      refuse(
        'BUNDLE_MALFORMED',
        `Service ${name} runs ${service.image.reference} (${service.image.id ?? 'no image ID'}), which the bundle ${path} does not carry${carried ? ` as that ID (it carries ${carried})` : ''}.`,
        { path, field: `services.${name}.image` },
      );
    }
  }
}

/**
 * File names in a manifest that try to leave the bundle (absolute, `..`, backslashes, drive letters). Reported apart from
 * other schema errors because they are an attack, not a slip; BundlePath's rule refuses them too.
 */
function unsafePaths(json: unknown): string[] {
  if (typeof json !== 'object' || json === null) return [];
  const manifest = json as { files?: unknown; images?: unknown; stackFile?: unknown };
  const names: unknown[] = [manifest.stackFile];
  if (Array.isArray(manifest.files)) names.push(...manifest.files.map((file: unknown) => (file as { path?: unknown } | null)?.path));
  if (Array.isArray(manifest.images)) names.push(...manifest.images.map((image: unknown) => (image as { file?: unknown } | null)?.file));
  return names.filter((name): name is string => typeof name === 'string' && (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\') || name.split('/').includes('..')));
}

async function openSource(path: string): Promise<BundleSource> {
  try {
    return await openBundleSource(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return refuse('BUNDLE_FILE_MISSING', `There is no bundle at ${path}.`, { path });
    return refuse('BUNDLE_MALFORMED', `${path} cannot be read as a bundle folder or tar: ${(error as Error).message}.`, { path });
  }
}

async function readSmall(source: BundleSource, name: string, path: string): Promise<Buffer> {
  try {
    return await source.readSmall(name, MANIFEST_LIMIT);
  } catch (error) {
    return refuse('BUNDLE_MALFORMED', `${name} of ${path} cannot be read: ${(error as Error).message}.`, { path, file: name });
  }
}

function parseOrRefuse<S extends z.ZodType>(schema: S, value: unknown, what: string, path: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  const first = problems[0];
  return refuse('BUNDLE_MALFORMED', `${what} is not valid: ${first ? `${first.path || '(top level)'}: ${first.message}` : 'invalid'}.`, { path, problems });
}

async function sha256Of(stream: NodeJS.ReadableStream, onBytes: (bytes: number) => void): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    onBytes((chunk as Buffer).length);
  }
  return hash.digest('hex');
}

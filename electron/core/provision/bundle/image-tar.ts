import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { TarReader } from './tar-reader';

/** What one pass over a `docker save` tar finds: the SHA-256 of the whole file, and the image IDs it will load as. */
export interface ImageTarFacts {
  sha256: string;
  size: number;
  /** `sha256:` + the digest of each image's config, as named by the tar's manifest.json; empty when unreadable. */
  imageIds: string[];
  repoTags: string[];
  /** Why the tar could not be read as a `docker save` archive, if it could not. */
  problem: string | null;
}

/** Members at most this big are hashed as they pass (configs, manifest.json); layers are skipped. */
const SMALL_MEMBER = 4 * 1024 * 1024;

/**
 * Streams a `docker save` tar once: hashes the whole file and, at the same time, parses its members without extracting
 * them, keeping only the digests of small members and the bytes of manifest.json. The image ID is the SHA-256 of the
 * config the manifest names, which is what `docker load` will report, so it is computed, never trusted from a file name.
 */
export async function inspectImageTar(stream: Readable, onBytes: (bytes: number) => void = () => {}): Promise<ImageTarFacts> {
  const whole = createHash('sha256');
  const memberDigests = new Map<string, string>();
  let dockerManifest: Buffer | undefined;
  let problem: string | null = null;
  let size = 0;
  const reader = new TarReader({
    entry: (entry) => {
      if (entry.type !== '0' || entry.size > SMALL_MEMBER) return undefined;
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      const keep = entry.name === 'manifest.json';
      let received = 0;
      return (data) => {
        hash.update(data);
        if (keep) chunks.push(Buffer.from(data));
        received += data.length;
        if (received === entry.size) {
          memberDigests.set(entry.name.replace(/^\.\//, ''), hash.digest('hex'));
          if (keep) dockerManifest = Buffer.concat(chunks);
        }
      };
    },
  });
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    whole.update(buffer);
    size += buffer.length;
    onBytes(buffer.length);
    if (problem === null) {
      try {
        reader.write(buffer);
      } catch (error) {
        problem = (error as Error).message;
      }
    }
  }
  if (problem === null) {
    try {
      reader.end();
    } catch (error) {
      problem = (error as Error).message;
    }
  }
  const facts: ImageTarFacts = { sha256: whole.digest('hex'), size, imageIds: [], repoTags: [], problem };
  if (problem !== null) return facts;
  if (!dockerManifest) return { ...facts, problem: 'it has no manifest.json (not made by docker save)' };
  let entries: unknown;
  try {
    entries = JSON.parse(dockerManifest.toString('utf8'));
  } catch {
    return { ...facts, problem: 'its manifest.json is not JSON' };
  }
  if (!Array.isArray(entries) || entries.length === 0) return { ...facts, problem: 'its manifest.json lists no image' };
  for (const item of entries as Array<{ Config?: unknown; RepoTags?: unknown }>) {
    const config = typeof item.Config === 'string' ? item.Config : '';
    const digest = memberDigests.get(config.replace(/^\.\//, ''));
    if (!digest) return { ...facts, problem: `the image config ${config || '(none)'} its manifest.json names is missing` };
    facts.imageIds.push(`sha256:${digest}`);
    if (Array.isArray(item.RepoTags)) facts.repoTags.push(...item.RepoTags.filter((tag): tag is string => typeof tag === 'string'));
  }
  return facts;
}

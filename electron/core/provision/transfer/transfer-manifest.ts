import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CopperError } from '../../../../shared/contract';

/**
 * What the transfer needs from a bundle's manifest, and nothing more. The bundle layer (../bundle) owns the format and
 * its signature; this is the narrow interface the upload and load build on, so they do not change when it grows.
 *
 * Paths are relative, one safe name per segment: each becomes an SFTP path and an argv element on the server, and a
 * manifest must never be able to reach outside the staging folder (no `..`, no leading `/` or `-`).
 */
const SafeRelativePath = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/, 'a relative path of letters, digits, dots, dashes and underscores')
  .refine((path) => !path.split('/').some((segment) => segment === '.' || segment === '..'), 'no "." or ".." segments');

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');
const ImageId = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256: and 64 lowercase hex digits');

export const TransferManifest = z.object({
  stackVersion: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, '1–64 letters, digits, dots, dashes, plus signs or underscores'),
  files: z.array(z.object({ path: SafeRelativePath, sha256: Sha256Hex, size: z.number().int().nonnegative() })).min(1).max(10_000),
  images: z.array(z.object({ file: SafeRelativePath, imageId: ImageId, tags: z.array(z.string().min(1).max(256)).max(64) })).max(1000),
});
export type TransferManifest = z.infer<typeof TransferManifest>;
export type TransferFile = TransferManifest['files'][number];

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';

export interface LocalBundle {
  dir: string;
  manifest: TransferManifest;
  /** SHA-256 of manifest.json as it lies on disk: names the staging folder, so another build never mixes with this one. */
  manifestSha256: string;
}

/**
 * The manifest for the transfer, from the exact bytes whose signature was checked (never re-read from the disk, where
 * it could have changed since). It checks shape and internal consistency only: the signature is the bundle layer's.
 */
export function transferManifest(dir: string, text: Buffer): LocalBundle {
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw new CopperError('BUNDLE_MALFORMED', `${MANIFEST_FILE} in ${dir} is not JSON (${(error as Error).message}).`, { path: dir });
  }
  const parsed = TransferManifest.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new CopperError('BUNDLE_MALFORMED', `${MANIFEST_FILE} in ${dir} cannot be used: ${problems[0] ?? 'invalid'}.`, { path: dir, problems });
  }
  const manifest = parsed.data;
  const listed = new Set(manifest.files.map((file) => file.path));
  if (listed.size !== manifest.files.length) throw new CopperError('BUNDLE_MALFORMED', `${MANIFEST_FILE} in ${dir} lists a file twice.`, { path: dir });
  for (const reserved of [MANIFEST_FILE, SIGNATURE_FILE]) {
    if (listed.has(reserved)) throw new CopperError('BUNDLE_MALFORMED', `${MANIFEST_FILE} in ${dir} lists ${reserved} as a file.`, { path: dir });
  }
  const missing = manifest.images.find((image) => !listed.has(image.file));
  if (missing) {
    throw new CopperError('BUNDLE_MALFORMED', `${MANIFEST_FILE} in ${dir} names the image file ${missing.file}, which is not among its files.`, { path: dir });
  }
  return { dir, manifest, manifestSha256: createHash('sha256').update(text).digest('hex') };
}

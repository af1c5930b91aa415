import { z } from 'zod';
import { task } from './define';
import { HostName } from './common';

/**
 * A folder on the server under which bundles are staged. Absolute, printable, no `..`: it becomes an SFTP path and an
 * argv element, never part of a shell string, but an operator's typo must not reach outside what they meant.
 */
export const RemoteStagingRoot = z
  .string()
  .trim()
  .max(1024)
  .refine((path) => path.startsWith('/'), 'Give the staging folder on the server as an absolute path, e.g. /var/tmp/copper-bundles.')
  .refine((path) => ![...path].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'The staging folder may not contain control characters.')
  .refine((path) => !path.split('/').includes('..'), 'The staging folder may not contain "..".');

export const BundleFileOutcome = z.enum([
  /** Sent whole in this push. */
  'uploaded',
  /** A partial upload from an earlier push was verified and continued from where it stopped. */
  'resumed',
  /** Already on the server and verified: nothing sent. */
  'present',
]);
export type BundleFileOutcome = z.infer<typeof BundleFileOutcome>;

export const BundlePushResult = z.object({
  host: HostName,
  stackVersion: z.string(),
  /** Where the bundle now lies on the server, verified. */
  stagingDir: z.string(),
  files: z.array(
    z.object({
      path: z.string(),
      size: z.number().int().nonnegative(),
      sha256: z.string(),
      outcome: BundleFileOutcome,
      /** Where this push started sending (0 unless resumed). */
      resumedFrom: z.number().int().nonnegative(),
      bytesSent: z.number().int().nonnegative(),
    }),
  ),
  /** Bytes sent over SFTP by this push (resumed and present files count only what was actually sent). */
  bytesSent: z.number().int().nonnegative(),
  images: z.array(
    z.object({
      file: z.string(),
      imageId: z.string(),
      tags: z.array(z.string()),
      /** false: the engine already had this image under every tag, so nothing was loaded (its ID was checked all the same). */
      loaded: z.boolean(),
    }),
  ),
});
export type BundlePushResult = z.infer<typeof BundlePushResult>;

export const provisionBundlePush = task({
  name: 'provision.bundle.push',
  summary: 'Upload a bundle to a host over SFTP (resuming an interrupted upload), verify it there, and load its images',
  input: z.object({
    host: HostName,
    /** The bundle folder on the machine running the console. */
    path: z.string().min(1).max(4096),
    /** Default: ~/.copper/bundles of the login user. */
    stagingRoot: RemoteStagingRoot.optional(),
  }),
  output: BundlePushResult,
});

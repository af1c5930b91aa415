import { z } from 'zod';
import { command, planShape, query } from './define';
import { Fingerprint, HostName } from './common';

/** What a server presents, and how it compares with what the console pinned. */
export const HostKeyReport = z.object({
  host: HostName,
  presentedFingerprint: Fingerprint,
  keyType: z.string(),
  pinnedFingerprint: Fingerprint.nullable(),
  matches: z.boolean(),
});
export type HostKeyReport = z.infer<typeof HostKeyReport>;

export const sshProbe = query({
  name: 'ssh.probe',
  summary: 'Show the host key a server presents (SHA256, as ssh-keygen -lf prints it) and whether it matches the pin',
  input: z.object({ host: HostName }),
  output: HostKeyReport,
});

export const sshTrust = command({
  name: 'ssh.trust',
  summary: 'Pin the host key a server presents, after the operator compared its fingerprint',
  input: z.object({
    host: HostName,
    /** When given, pin only if the server presents exactly this key. */
    fingerprint: Fingerprint.optional(),
  }),
  plan: z.object({ ...planShape, presented: HostKeyReport }),
  output: z.object({ host: HostName, pinnedFingerprint: Fingerprint }),
});


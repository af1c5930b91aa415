import { z } from 'zod';
import { query, task } from './define';
import { HostName, SiteName, Timestamp } from './common';

/** The Copper components a host check looks for, on the host (native mode) or as containers (docker mode). */
export const ComponentName = z.enum(['postfix', 'dovecot', 'rspamd', 'clamd', 'slapd', 'redis', 'mariadb', 'webmail', 'docker']);
export type ComponentName = z.infer<typeof ComponentName>;

/** yes / no / unknown: odd or missing output is "unknown" with the raw text kept, never a guess and never a crash. */
export const TriState = z.enum(['yes', 'no', 'unknown']);
export type TriState = z.infer<typeof TriState>;

export const ComponentStatus = z.object({
  name: ComponentName,
  present: TriState,
  running: TriState,
  version: z.string().nullable(),
  /** Where it was found: a process, a binary path, or a container name. */
  detail: z.string(),
  /** Output the console could not interpret, kept verbatim for the operator (shown as text). */
  raw: z.string().nullable(),
});
export type ComponentStatus = z.infer<typeof ComponentStatus>;

export const DiskUsage = z.object({
  mount: z.string(),
  filesystem: z.string(),
  type: z.string(),
  sizeBytes: z.number(),
  usedBytes: z.number(),
  availableBytes: z.number(),
  usePercent: z.number(),
});
export type DiskUsage = z.infer<typeof DiskUsage>;

export const HostCheck = z.object({
  host: HostName,
  site: SiteName,
  mode: z.enum(['native', 'docker']),
  checkedAt: Timestamp,
  reachable: z.boolean(),
  latencyMs: z.number().nullable(),
  /** Why the host could not be checked (HOST_KEY_MISMATCH, AUTH_FAILED, …), when it could not. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  os: z.string().nullable(),
  kernel: z.string().nullable(),
  uptimeSeconds: z.number().nullable(),
  load: z.tuple([z.number(), z.number(), z.number()]).nullable(),
  memory: z.object({ totalBytes: z.number(), availableBytes: z.number() }).nullable(),
  disks: z.array(DiskUsage),
  components: z.array(ComponentStatus),
  /** Plain-language problems: a full disk, a stopped component, an unreachable host. */
  warnings: z.array(z.string()),
  /** Sections of output the console could not interpret, verbatim. */
  unparsed: z.array(z.object({ section: z.string(), raw: z.string() })),
});
export type HostCheck = z.infer<typeof HostCheck>;

export const fleetCheck = task({
  name: 'fleet.check',
  summary: 'Check one host: reachability, OS, load, disks, memory, and every Copper component',
  input: z.object({ host: HostName }),
  output: HostCheck,
});

export const fleetStatus = task({
  name: 'fleet.status',
  summary: 'Check every host (or those of one site) in parallel, with a concurrency limit',
  input: z.object({ site: SiteName.optional(), concurrency: z.number().int().min(1).max(32).default(4) }),
  output: z.array(HostCheck),
});

export const fleetLastSeen = query({
  name: 'fleet.last',
  summary: 'The last check of every host, without contacting any',
  input: z.object({}).strict(),
  output: z.array(HostCheck),
});


import { z } from 'zod';
import { command, planShape, query } from './define';
import { HostName, Timestamp } from './common';
import { ImageId, PublisherKeyId } from './provision';
import { Container } from './docker';

/*
 * Plan and apply (issue 6): the stack a bundle describes, compared with what runs on a host, and brought about there
 * step by step, verified from outside the containers and rolled back on failure. Generated secrets are named here,
 * never shown: their values live in the SecretStore only.
 */

/** Labels the console puts on every container it creates: how it finds its own containers again. */
export const PROVISION_LABELS = {
  stack: 'copper.provision.stack',
  service: 'copper.provision.service',
  version: 'copper.provision.version',
  /** SHA-256 of the service's desired configuration (image ID, command, environment with secret names, mounts…). */
  specHash: 'copper.provision.spec-hash',
  /** That configuration itself, canonical JSON: what a plan compares field by field to say what changed. */
  spec: 'copper.provision.spec',
  /** The image reference the bundle named (the container runs the image by ID). */
  image: 'copper.provision.image',
} as const;

/** What apply will do to one service. */
export const ServiceAction = z.enum([
  /** No container for it yet. */
  'create',
  /** Its container runs another image or configuration: a new one takes over, the old one is kept until success. */
  'replace',
  /** Its container has the desired configuration but is not running (or not healthy): started and waited for. */
  'start',
  /** Runs as desired: left alone. */
  'keep',
]);
export type ServiceAction = z.infer<typeof ServiceAction>;

export const ServicePlan = z.object({
  service: z.string(),
  container: z.string(),
  action: ServiceAction,
  /** Why, in the operator's words ("image sha256:… replaces sha256:…", "environment LDAP_PORT changed"). */
  reasons: z.array(z.string()),
  image: z.object({ reference: z.string(), id: ImageId }),
  currentImageId: z.string().nullable(),
  /** The stack version the running container was created from, if the console created it. */
  currentVersion: z.string().nullable(),
  dependsOn: z.array(z.string()),
  /** What is checked from outside once it runs: "smtp 127.0.0.1:25". */
  checks: z.array(z.string()),
});
export type ServicePlan = z.infer<typeof ServicePlan>;

export const DesiredBundle = z.object({
  /** `pushed`: the bundle last pushed to this host; `path`: a bundle folder or tar read on this machine. */
  source: z.enum(['pushed', 'path']),
  path: z.string().nullable(),
  stackName: z.string(),
  stackVersion: z.string(),
  publisherKeyId: PublisherKeyId,
  createdAt: Timestamp,
});

export const ProvisionPlan = z.object({
  ...planShape,
  host: HostName,
  bundle: DesiredBundle,
  /** The stack version running now (from the console's labels), null on a host never provisioned. */
  currentVersion: z.string().nullable(),
  /** In the order apply takes them: dependencies first. */
  services: z.array(ServicePlan),
  volumesToCreate: z.array(z.string()),
  /** Names of secrets generated into the SecretStore on apply (never values). */
  secretsToGenerate: z.array(z.string()),
  /** Images the host's engine lacks: apply refuses until the bundle is pushed. */
  missingImages: z.array(z.object({ reference: z.string(), id: ImageId })),
  /** Containers left by an apply that was interrupted; apply settles them. */
  leftovers: z.array(z.string()),
  /** Nothing to create, replace or start. */
  unchanged: z.boolean(),
});
export type ProvisionPlan = z.infer<typeof ProvisionPlan>;

export const OutsideCheck = z.object({
  service: z.string(),
  /** smtp: the 220 banner; imap: the "* OK" greeting; ldap-bind: a simple bind as the stack's admin; tcp: a connection. */
  kind: z.enum(['smtp', 'imap', 'ldap-bind', 'tcp']),
  address: z.string(),
  port: z.number().int(),
  ok: z.boolean(),
  /** What was seen (the banner line) or what went wrong; server text, shown as text. */
  detail: z.string(),
});
export type OutsideCheck = z.infer<typeof OutsideCheck>;

export const ProvisionRunOutcome = z.enum(['running', 'applied', 'unchanged', 'rolled-back', 'failed']);

export const ProvisionResult = z.object({
  host: HostName,
  runId: z.number().int(),
  stackVersion: z.string(),
  previousVersion: z.string().nullable(),
  outcome: z.enum(['applied', 'unchanged']),
  services: z.array(
    z.object({
      service: z.string(),
      container: z.string(),
      action: ServiceAction,
      containerId: z.string(),
      health: Container.shape.health,
    }),
  ),
  checks: z.array(OutsideCheck),
  durationMs: z.number().int().nonnegative(),
});
export type ProvisionResult = z.infer<typeof ProvisionResult>;

export const provisionApply = command({
  name: 'provision.apply',
  summary: 'Bring a host to the stack of a bundle: create or replace its containers step by step, wait for health, verify SMTP/IMAP/LDAP from outside, roll back on failure',
  input: z
    .object({
      host: HostName,
      /** A bundle folder or tar on this machine; omitted: the bundle last pushed to the host. */
      bundle: z.string().min(1).max(4096).optional(),
    })
    .strict(),
  plan: ProvisionPlan,
  output: ProvisionResult,
});

export const ProvisionRun = z.object({
  id: z.number().int(),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  actor: z.string(),
  stackVersion: z.string(),
  previousVersion: z.string().nullable(),
  outcome: ProvisionRunOutcome,
  /** Why it failed or was rolled back; null otherwise. */
  message: z.string().nullable(),
  /** Steps as they happened ("created copper-mail", "copper-mail healthy", "rolled back copper-mail"). */
  steps: z.array(z.object({ at: Timestamp, text: z.string() })),
});
export type ProvisionRun = z.infer<typeof ProvisionRun>;

export const ProvisionedContainer = z.object({
  service: z.string(),
  container: z.string(),
  id: z.string(),
  state: z.string(),
  health: Container.shape.health,
  restartCount: z.number().int().nullable(),
  imageId: z.string(),
  image: z.string(),
  /** The bundle (stack) version it was created from. */
  version: z.string(),
  /** Its configuration is the one the pushed bundle asks for. */
  matchesBundle: z.boolean().nullable(),
});
export type ProvisionedContainer = z.infer<typeof ProvisionedContainer>;

export const ProvisionStatus = z.object({
  host: HostName,
  /** The bundle last pushed to the host (what apply without a bundle brings about); null before the first push. */
  pushed: DesiredBundle.extend({ pushedAt: Timestamp }).nullable(),
  /** The stack version the last successful apply brought about (containers it left alone keep their own); null when none of the console's containers exist. */
  runningVersion: z.string().nullable(),
  containers: z.array(ProvisionedContainer),
  lastRun: ProvisionRun.nullable(),
  /** The last apply never finished (the console was stopped or killed): apply again to converge. */
  interrupted: z.boolean(),
});
export type ProvisionStatus = z.infer<typeof ProvisionStatus>;

export const provisionStatus = query({
  name: 'provision.status',
  summary: 'What the console provisioned on a host: its containers with state, health and bundle version, the pushed bundle and the last apply',
  input: z.object({ host: HostName }).strict(),
  output: ProvisionStatus,
});

export const provisionRuns = query({
  name: 'provision.runs',
  summary: 'The applies on a host, newest first, with their steps',
  input: z.object({ host: HostName, limit: z.number().int().min(1).max(200).default(20) }).strict(),
  output: z.object({ runs: z.array(ProvisionRun) }),
});

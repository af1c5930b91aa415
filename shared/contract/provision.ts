import { z } from 'zod';
import { command, planShape, query, task } from './define';
import { Port, Timestamp } from './common';

/*
 * Provisioning from signed offline bundles (issue 6). This file holds the public face of the capability: the stack
 * specification (what a Copper server runs), the bundle manifest (what arrived on removable media and its digests), the
 * trusted publisher keys, and the operations on them.
 */

/** `sha256:` and 64 lowercase hex digits: how Docker names an image ID (the digest of its config). */
export const ImageId = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'An image ID is sha256: followed by 64 lowercase hex digits, as `docker images --no-trunc` prints it.');
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'A SHA-256 is 64 lowercase hex digits.');

/** `name[:tag]` with an optional registry path; no digests (`@sha256:`): the expected ID is declared beside it. */
export const ImageReference = z
  .string()
  .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/, 'An image reference looks like copper/mail:1.0.0 (lowercase name, optional tag).');

const ServiceName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'A service name is 1–31 lowercase letters, digits or dashes, starting with a letter.');
const SecretName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'A secret name is lowercase letters, digits or dashes, starting with a letter.');
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'An environment variable name is letters, digits and underscores.');
const Version = z.string().regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, 'A version looks like 1.0.0 (semantic versioning).');

export const NetworkMode = z.enum(['host', 'none', 'bridge']);

/**
 * An environment value is either plain text, or a reference to a secret by name. Secret values never appear in a stack
 * file, a bundle, a plan or the audit trail: they are generated at provisioning time into the SecretStore.
 */
export const EnvValue = z.union([z.string(), z.object({ secret: SecretName }).strict()]);

/** Names that must carry a secret reference rather than a value, so a password typed into a stack file is refused. */
const SECRET_LOOKING_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY)/i;

export const StackVolume = z
  .object({
    /** A named Docker volume (kept across container replacement) or a host path bind-mounted. */
    type: z.enum(['volume', 'bind']),
    source: z.string().min(1).max(4096),
    target: z.string().regex(/^\/[^\0]*$/, 'A mount target is an absolute path inside the container.'),
    readOnly: z.boolean().default(false),
  })
  .strict();

export const StackPort = z
  .object({
    /** What it is, for checks and plans: "smtp", "imaps", "ldap". */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/),
    containerPort: Port,
    /** With host networking the container binds the host's port itself, so this must equal containerPort. */
    hostPort: Port,
    protocol: z.enum(['tcp', 'udp']).default('tcp'),
    /** Host address to publish on (bridge mode) or the address checked from outside. */
    hostIp: z.string().default('0.0.0.0'),
    /**
     * How provisioning verifies it from outside the containers once it runs: the SMTP banner, the IMAP greeting, a
     * simple LDAP bind as `dn` with a generated secret, or a bare TCP connection. Without it the port is not checked.
     */
    check: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.enum(['smtp', 'imap', 'tcp']) }).strict(),
        z.object({ kind: z.literal('ldap-bind'), dn: z.string().min(3).max(512), passwordSecret: SecretName }).strict(),
      ])
      .optional(),
  })
  .strict();

export const StackHealthCheck = z
  .object({
    /** Run inside the container as argv (Docker's CMD form), never through a shell string. */
    test: z.array(z.string()).min(1).refine((argv) => (argv[0] ?? '') !== '', 'The first element is the program to run.'),
    intervalSeconds: z.number().int().min(1).max(3600).default(30),
    timeoutSeconds: z.number().int().min(1).max(600).default(10),
    retries: z.number().int().min(1).max(100).default(3),
    startPeriodSeconds: z.number().int().min(0).max(3600).default(0),
  })
  .strict();

export const StackService = z
  .object({
    description: z.string().default(''),
    image: z
      .object({
        reference: ImageReference,
        /** The image ID it must load as; null in a template stack, filled in by the bundle that carries the image. */
        id: ImageId.nullable(),
      })
      .strict(),
    /**
     * Which Copper components it runs, in the console's names (postfix, dovecot, rspamd, clamd, slapd, redis, mariadb,
     * webmail; others such as nginx are shown but not matched); the `copper.components` label must say the same, since
     * docker-mode detection (fleet/docker-components.ts) reads that label.
     */
    components: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).min(1),
    command: z.array(z.string()).optional(),
    user: z.string().optional(),
    networkMode: NetworkMode.optional(),
    ports: z.array(StackPort).default([]),
    volumes: z.array(StackVolume).default([]),
    environment: z.record(EnvName, EnvValue).default({}),
    labels: z.record(z.string().min(1).max(255), z.string().max(4096)).default({}),
    healthcheck: StackHealthCheck.optional(),
    dependsOn: z.array(ServiceName).default([]),
    restart: z.enum(['no', 'on-failure', 'unless-stopped', 'always']).default('unless-stopped'),
  })
  .strict();
export type StackService = z.infer<typeof StackService>;

export const StackSecret = z
  .object({
    description: z.string(),
    /** How the console generates it: a random password of this many characters. */
    generate: z.object({ kind: z.literal('password'), length: z.number().int().min(16).max(128) }).strict(),
  })
  .strict();

export const STACK_FORMAT = 'copper-stack/1';
export const COMPONENTS_LABEL_NAME = 'copper.components';

/** The stack specification: a versioned, self-contained description of every service of a Copper server. */
export const StackSpec = z
  .object({
    format: z.literal(STACK_FORMAT),
    name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/),
    version: Version,
    description: z.string().default(''),
    /** The default for services that do not say; host networking works on every engine, the lab's included. */
    networkMode: NetworkMode.default('host'),
    secrets: z.record(SecretName, StackSecret).default({}),
    services: z.record(ServiceName, StackService).refine((services) => Object.keys(services).length > 0, 'A stack needs at least one service.'),
  })
  .strict()
  .superRefine((stack, ctx) => {
    for (const [name, service] of Object.entries(stack.services)) {
      const at = (...rest: Array<string | number>) => ['services', name, ...rest];
      const mode = service.networkMode ?? stack.networkMode;
      service.ports.forEach((port, i) => {
        if (mode === 'host' && port.hostPort !== port.containerPort) {
          ctx.addIssue({ code: 'custom', path: at('ports', i, 'hostPort'), message: `With host networking the host port must equal the container port (${port.containerPort}).` });
        }
      });
      for (const [env, value] of Object.entries(service.environment)) {
        if (typeof value === 'string' && SECRET_LOOKING_NAME.test(env)) {
          ctx.addIssue({ code: 'custom', path: at('environment', env), message: `${env} looks like a secret: reference one by name ({"secret": "…"}) instead of writing a value.` });
        }
        if (typeof value !== 'string' && !(value.secret in stack.secrets)) {
          ctx.addIssue({ code: 'custom', path: at('environment', env, 'secret'), message: `The secret "${value.secret}" is not declared under secrets.` });
        }
      }
      service.ports.forEach((port, i) => {
        if (port.check?.kind === 'ldap-bind' && !(port.check.passwordSecret in stack.secrets)) {
          ctx.addIssue({ code: 'custom', path: at('ports', i, 'check', 'passwordSecret'), message: `The secret "${port.check.passwordSecret}" is not declared under secrets.` });
        }
      });
      service.dependsOn.forEach((dependency, i) => {
        if (!(dependency in stack.services)) ctx.addIssue({ code: 'custom', path: at('dependsOn', i), message: `No service "${dependency}" in this stack.` });
        if (dependency === name) ctx.addIssue({ code: 'custom', path: at('dependsOn', i), message: 'A service cannot depend on itself.' });
      });
      const declared = service.labels[COMPONENTS_LABEL_NAME];
      if (declared !== service.components.join(',')) {
        ctx.addIssue({ code: 'custom', path: at('labels', COMPONENTS_LABEL_NAME), message: `Must be "${service.components.join(',')}" (the components, comma-separated): the console detects components by this label.` });
      }
    }
    const cycle = dependencyCycle(stack.services);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['services', cycle[0] ?? '', 'dependsOn'], message: `Dependencies form a cycle: ${cycle.join(' → ')}.` });
  });
export type StackSpec = z.infer<typeof StackSpec>;

/** The first dependency cycle found, as a path that returns to its start; null when the services can be ordered. */
export function dependencyCycle(services: Record<string, { dependsOn: string[] }>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...trail.slice(trail.indexOf(name)), name];
    state.set(name, 'visiting');
    for (const next of services[name]?.dependsOn ?? []) {
      if (!(next in services)) continue;
      const found = visit(next, [...trail, name]);
      if (found) return found;
    }
    state.set(name, 'done');
    return null;
  };
  for (const name of Object.keys(services)) {
    const found = visit(name, []);
    if (found) return found;
  }
  return null;
}

/**
 * A file name inside a bundle: relative, forward slashes, each part letters, digits, dots, dashes and underscores not
 * starting with a dot or dash, so never `..`, never absolute, never an option. This rule is what keeps a manifest from
 * pointing verification, an upload or a server-side command outside the bundle (the transfer applies the same rule).
 */
export const BundlePath = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/, 'A bundle file name is a relative path of letters, digits, dots, dashes and underscores, without ".." or a leading "/".');

export const BundleFile = z.object({ path: BundlePath, sha256: Sha256Hex, size: z.number().int().nonnegative() }).strict();
export type BundleFile = z.infer<typeof BundleFile>;

export const BundleImage = z
  .object({
    /** The `docker save` tar; listed under files with its SHA-256 and size. */
    file: BundlePath,
    /** The config digest `docker load` must produce; read back from the tar when verifying and again after loading. */
    imageId: ImageId,
    /** The references it was saved under (e.g. copper/mail:1.0.0); docker load tags it so again. */
    tags: z.array(ImageReference).min(1),
  })
  .strict();
export type BundleImage = z.infer<typeof BundleImage>;

export const BUNDLE_FORMAT = 'copper-bundle/1';
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';

/** A key ID: `SHA256:` and the unpadded base64 SHA-256 of the public key's DER (SPKI) encoding. */
export const PublisherKeyId = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'A publisher key ID is SHA256: followed by 43 base64 characters.');

/** manifest.json: every file of the bundle with its digest. Its exact bytes are what manifest.sig signs. */
export const BundleManifest = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    createdAt: Timestamp,
    /** Names the signing key, so that an untrusted key is reported as such rather than as a bad signature. */
    publisher: z.object({ keyId: PublisherKeyId, name: z.string().max(200).default('') }).strict(),
    stackName: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/),
    stackVersion: Version,
    /** The stack specification (StackSpec JSON), with every image ID filled in; also listed under files. */
    stackFile: BundlePath,
    /** Every file of the bundle but manifest.json and manifest.sig: image tars, the stack file, anything else. */
    files: z.array(BundleFile).min(1).max(10_000),
    images: z.array(BundleImage).max(1000),
  })
  .strict()
  .superRefine((manifest, ctx) => {
    const seen = new Set<string>();
    manifest.files.forEach((file, i) => {
      if (seen.has(file.path)) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: `${file.path} is listed twice.` });
      if (file.path === MANIFEST_FILE || file.path === SIGNATURE_FILE) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: `${file.path} cannot be listed as a file.` });
      seen.add(file.path);
    });
    if (!seen.has(manifest.stackFile)) ctx.addIssue({ code: 'custom', path: ['stackFile'], message: `${manifest.stackFile} is not among the files.` });
    manifest.images.forEach((image, i) => {
      if (!seen.has(image.file)) ctx.addIssue({ code: 'custom', path: ['images', i, 'file'], message: `${image.file} is not among the files.` });
    });
  });
export type BundleManifest = z.infer<typeof BundleManifest>;

export const PublisherKey = z.object({
  keyId: PublisherKeyId,
  name: z.string(),
  /** Shipped with the console (the release key) or added by an operator; only added keys can be removed. */
  origin: z.enum(['release', 'operator']),
  publicKeyPem: z.string(),
  addedAt: Timestamp.nullable(),
  addedBy: z.string().nullable(),
});
export type PublisherKey = z.infer<typeof PublisherKey>;

const PublicKeyPem = z
  .string()
  .trim()
  .max(4096)
  .regex(/^-----BEGIN PUBLIC KEY-----\s+[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----$/, 'Paste an Ed25519 public key in PEM form (-----BEGIN PUBLIC KEY-----…).');

export const provisionKeysList = query({
  name: 'provision.keys.list',
  summary: 'List the publisher keys whose bundles the console trusts',
  input: z.object({}).strict(),
  output: z.object({ keys: z.array(PublisherKey) }),
});

export const provisionKeysAdd = command({
  name: 'provision.keys.add',
  summary: 'Trust bundles signed by another publisher key (public key only)',
  input: z.object({ name: z.string().trim().min(1).max(200), publicKeyPem: PublicKeyPem }).strict(),
  plan: z.object({ ...planShape, keyId: PublisherKeyId }),
  output: z.object({ key: PublisherKey }),
});

export const provisionKeysRemove = command({
  name: 'provision.keys.remove',
  summary: 'Stop trusting bundles signed by an operator-added publisher key',
  input: z.object({ keyId: PublisherKeyId }).strict(),
  plan: z.object(planShape),
  output: z.object({ removed: PublisherKeyId }),
});

export const BundleVerdict = z.object({
  path: z.string(),
  manifest: BundleManifest,
  stack: StackSpec,
  publisher: PublisherKey,
  fileCount: z.number().int(),
  totalBytes: z.number().int(),
});
export type BundleVerdict = z.infer<typeof BundleVerdict>;

export const provisionBundleVerify = task({
  name: 'provision.bundle.verify',
  summary: 'Verify an offline bundle (directory or tar): signature, trusted publisher, every file and image digest',
  input: z.object({ path: z.string().min(1).max(4096) }).strict(),
  output: BundleVerdict,
});

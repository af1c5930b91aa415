import { z } from 'zod';
import { command, planShape, query, event } from './define';
import { DomainName, Fingerprint, HostName, Port, ResolverAddress, SiteName, Tag, Timestamp, Empty } from './common';

export const AuthMethod = z.enum(['key', 'agent', 'password']);
export type AuthMethod = z.infer<typeof AuthMethod>;
export const HostMode = z.enum(['native', 'docker']);
export type HostMode = z.infer<typeof HostMode>;
/** Which secrets the console holds for a host. The values themselves never leave the SecretStore. */
/** How root-only commands run: the login is root, through `sudo -n`, or not at all (a clear error names the command). */
export const Privilege = z.enum(['root', 'sudo', 'none']);
export type Privilege = z.infer<typeof Privilege>;
const DockerSocket = z
  .string()
  .regex(/^\/[A-Za-z0-9._/-]{1,200}$/, 'Enter the absolute path of the Docker socket, e.g. /var/run/docker.sock.');
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * The public names of a mail host: the FQDNs MX records point to and its TLS certificates must cover (e.g.
 * mx1.example.org). Distinct from the inventory name, which only the console uses.
 */
export const MailNames = z
  .array(DomainName)
  .max(16)
  .refine((names) => new Set(names).size === names.length, 'Each mail name may appear only once.');

export const StoredSecret = z.enum(['password', 'privateKey', 'keyPassphrase']);
export type StoredSecret = z.infer<typeof StoredSecret>;

export const SshEndpoint = z.object({
  user: z
    .string()
    .trim()
    .regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, 'Enter a login name such as root or copper.'),
  address: z
    .string()
    .trim()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:_-]+$/, 'Enter a host name or IP address.'),
  port: Port.default(22),
});
export type SshEndpoint = z.infer<typeof SshEndpoint>;

export const Site = z.object({
  name: SiteName,
  description: z.string(),
  resolver: ResolverAddress.nullable(),
  domains: z.array(DomainName),
  hostCount: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Site = z.infer<typeof Site>;

export const Host = z.object({
  name: HostName,
  site: SiteName,
  ssh: SshEndpoint,
  auth: AuthMethod,
  jumpHost: HostName.nullable(),
  pinnedFingerprint: Fingerprint.nullable(),
  mode: HostMode,
  privilege: Privilege,
  dockerSocket: DockerSocket,
  tags: z.array(Tag),
  notes: z.string(),
  mailNames: z.array(DomainName),
  storedSecrets: z.array(StoredSecret),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Host = z.infer<typeof Host>;

export const Domain = z.object({ name: DomainName, site: SiteName, createdAt: Timestamp });
export type Domain = z.infer<typeof Domain>;

const Description = z.string().max(2000);
const Notes = z.string().max(10000);

/** Fields that carry secrets in host inputs; listed in each command's secretFields so the audit trail redacts them. */
const hostSecretFields = ['password', 'privateKey', 'keyPassphrase'] as const;
const hostSecrets = {
  /** Password login. */
  password: z.string().min(1).max(1024).optional(),
  /** An OpenSSH private key, as text. */
  privateKey: z.string().min(1).max(64 * 1024).optional(),
  /** The passphrase of an encrypted private key. */
  keyPassphrase: z.string().min(1).max(1024).optional(),
};

export const HostCreateInput = z.object({
  name: HostName,
  site: SiteName,
  ssh: SshEndpoint,
  auth: AuthMethod,
  jumpHost: HostName.nullable().default(null),
  pinnedFingerprint: Fingerprint.nullable().default(null),
  mode: HostMode.default('native'),
  /** Default: root for a root login, none otherwise. */
  privilege: Privilege.optional(),
  dockerSocket: DockerSocket.default(DEFAULT_DOCKER_SOCKET),
  tags: z.array(Tag).max(32).default([]),
  notes: Notes.default(''),
  mailNames: MailNames.default([]),
  ...hostSecrets,
});
export type HostCreateInput = z.input<typeof HostCreateInput>;

export const HostUpdateInput = z.object({
  name: HostName,
  set: z
    .object({
      name: HostName,
      site: SiteName,
      ssh: SshEndpoint,
      auth: AuthMethod,
      jumpHost: HostName.nullable(),
      pinnedFingerprint: Fingerprint.nullable(),
      mode: HostMode,
      privilege: Privilege,
      dockerSocket: DockerSocket,
      tags: z.array(Tag).max(32),
      notes: Notes,
      mailNames: MailNames,
    })
    .partial(),
  ...hostSecrets,
});
export type HostUpdateInput = z.input<typeof HostUpdateInput>;

export const SiteCreateInput = z.object({
  name: SiteName,
  description: Description.default(''),
  resolver: ResolverAddress.nullable().default(null),
});
export const SiteUpdateInput = z.object({
  name: SiteName,
  set: z.object({ name: SiteName, description: Description, resolver: ResolverAddress.nullable() }).partial(),
});

export const Plan = z.object(planShape);

/** The portable inventory: everything but secrets, so a file can travel between workstations safely. */
export const InventoryDocument = z.object({
  format: z.literal('copper-inventory'),
  version: z.literal(1),
  exportedAt: Timestamp,
  sites: z.array(
    z.object({
      name: SiteName,
      description: Description.default(''),
      resolver: ResolverAddress.nullable().default(null),
      domains: z.array(DomainName).default([]),
    }),
  ),
  hosts: z.array(
    z.object({
      name: HostName,
      site: SiteName,
      ssh: SshEndpoint,
      auth: AuthMethod,
      jumpHost: HostName.nullable().default(null),
      pinnedFingerprint: Fingerprint.nullable().default(null),
      mode: HostMode.default('native'),
      privilege: Privilege.optional(),
      dockerSocket: DockerSocket.default(DEFAULT_DOCKER_SOCKET),
      tags: z.array(Tag).default([]),
      notes: Notes.default(''),
      mailNames: MailNames.default([]),
    }),
  ),
});
export type InventoryDocument = z.infer<typeof InventoryDocument>;

export const ImportPlan = z.object({
  ...planShape,
  counts: z.object({
    sitesCreated: z.number().int(),
    sitesUpdated: z.number().int(),
    hostsCreated: z.number().int(),
    hostsUpdated: z.number().int(),
    domainsCreated: z.number().int(),
    unchanged: z.number().int(),
  }),
  /** Hosts that will need a password or key entered before they can be reached: secrets never travel in the file. */
  secretsNeeded: z.array(HostName),
});

export const HostListInput = z.object({
  search: z.string().max(200).optional(),
  site: SiteName.optional(),
  tag: Tag.optional(),
});

export const inventorySitesList = query({
  name: 'inventory.sites.list',
  summary: 'List sites with their domains and host counts',
  input: z.object({ search: z.string().max(200).optional() }),
  output: z.array(Site),
});

export const inventorySitesCreate = command({
  name: 'inventory.sites.create',
  summary: 'Add a site',
  input: SiteCreateInput,
  plan: Plan,
  output: Site,
});

export const inventorySitesUpdate = command({
  name: 'inventory.sites.update',
  summary: 'Change a site’s name, description or resolver',
  input: SiteUpdateInput,
  plan: Plan,
  output: Site,
});

export const inventorySitesDelete = command({
  name: 'inventory.sites.delete',
  summary: 'Delete a site together with its hosts and domains',
  input: z.object({ name: SiteName }),
  plan: Plan,
  output: z.object({ deleted: z.object({ site: SiteName, hosts: z.array(HostName), domains: z.array(DomainName) }) }),
});

export const inventoryHostsList = query({
  name: 'inventory.hosts.list',
  summary: 'List hosts, optionally filtered by a search text, site or tag',
  input: HostListInput,
  output: z.array(Host),
});

export const inventoryHostsGet = query({
  name: 'inventory.hosts.get',
  summary: 'One host by name',
  input: z.object({ name: HostName }),
  output: Host,
});

export const inventoryHostsCreate = command({
  name: 'inventory.hosts.create',
  summary: 'Add a host to a site',
  input: HostCreateInput,
  plan: Plan,
  output: Host,
  secretFields: hostSecretFields,
});

export const inventoryHostsUpdate = command({
  name: 'inventory.hosts.update',
  summary: 'Change a host’s settings or credentials',
  input: HostUpdateInput,
  plan: Plan,
  output: Host,
  secretFields: hostSecretFields,
});

export const inventoryHostsDelete = command({
  name: 'inventory.hosts.delete',
  summary: 'Remove a host and the secrets the console holds for it',
  input: z.object({ name: HostName }),
  plan: Plan,
  output: z.object({ deleted: HostName }),
});

export const inventoryDomainsList = query({
  name: 'inventory.domains.list',
  summary: 'List mail domains, optionally of one site',
  input: z.object({ site: SiteName.optional() }),
  output: z.array(Domain),
});

export const inventoryDomainsCreate = command({
  name: 'inventory.domains.create',
  summary: 'Add a mail domain to a site',
  input: z.object({ name: DomainName, site: SiteName }),
  plan: Plan,
  output: Domain,
});

export const inventoryDomainsDelete = command({
  name: 'inventory.domains.delete',
  summary: 'Remove a mail domain from its site',
  input: z.object({ name: DomainName }),
  plan: Plan,
  output: z.object({ deleted: DomainName }),
});

export const inventoryExport = query({
  name: 'inventory.export',
  summary: 'The whole inventory as a portable document, without secrets',
  input: Empty,
  output: InventoryDocument,
});

export const inventoryImport = command({
  name: 'inventory.import',
  summary: 'Merge an exported inventory document: creates and updates, never deletes',
  input: z.object({ document: z.unknown() }),
  plan: ImportPlan,
  output: ImportPlan.shape.counts,
});

export const inventoryChanged = event({
  name: 'inventory.changed',
  summary: 'The inventory changed (any site, host or domain)',
  input: Empty,
  payload: z.object({ operation: z.string() }),
});

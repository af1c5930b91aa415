import { z } from 'zod';
import { command, planShape, query, task } from './define';
import { DomainName, HostName, SiteName, Timestamp } from './common';

/** The key types the console generates. RSA-2048 is what every receiver verifies; Ed25519 (RFC 8463) is newer. */
export const DkimAlgorithm = z.enum(['rsa2048', 'ed25519']);
export type DkimAlgorithm = z.infer<typeof DkimAlgorithm>;

/**
 * Where a key is in its life. prepared: generated, record not yet seen in DNS. published: the site's resolver served
 * the record byte for byte. active: Rspamd signs with it. retiring: no longer the main key, its record must stay for
 * the grace period. retired: removed from the servers, archived in the secret store; its record may be deleted.
 */
export const DkimKeyState = z.enum(['prepared', 'published', 'active', 'retiring', 'retired']);
export type DkimKeyState = z.infer<typeof DkimKeyState>;

/**
 * One DNS label: the console names selectors itself and keeps them to a single label so a key file name
 * (`SELECTOR.DOMAIN.key`) can never be read two ways.
 */
export const DkimSelector = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'A selector is one DNS label: letters, digits and hyphens, at most 63.');

/** `{yyyy}`, `{mm}`, `{dd}` are replaced by the date the key is prepared; the result must be a selector. */
export const SelectorPattern = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9{}-]+$/i, 'A pattern is letters, digits, hyphens and the placeholders {yyyy}, {mm}, {dd}.')
  .refine((p) => p.replace(/\{(yyyy|mm|dd)\}/g, '').indexOf('{') === -1 && p.replace(/\{(yyyy|mm|dd)\}/g, '').indexOf('}') === -1, 'Only {yyyy}, {mm} and {dd} may stand in braces.');

export const DkimPolicy = z.object({
  selectorPattern: SelectorPattern.default('cu-{yyyy}-{mm}'),
  algorithm: DkimAlgorithm.default('rsa2048'),
  /** A new key is due this many days after the active one started signing. */
  rotateEveryDays: z.number().int().min(1).max(3650).default(180),
  /** How long a retired selector's record stays resolvable, for mail signed with it still in transit or in queues. */
  graceDays: z.number().int().min(0).max(365).default(7),
  /** During the grace period, sign with both the new and the old selector. */
  overlap: z.boolean().default(false),
  /** The hosts whose Rspamd signs for the domain; empty: every host of the domain's site. */
  hosts: z.array(HostName).max(64).default([]),
});
export type DkimPolicy = z.infer<typeof DkimPolicy>;
export const DEFAULT_DKIM_POLICY: DkimPolicy = DkimPolicy.parse({});

const AbsolutePath = z
  .string()
  .trim()
  .regex(/^\/[A-Za-z0-9._/-]*$/, 'An absolute path of letters, digits, dots, hyphens, underscores and slashes.')
  .refine((p) => !p.split('/').includes('..'), 'A path may not contain "..".');
const UnixName = z.string().trim().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'A Unix user or group name.');

/** How Rspamd is told to read its configuration again. */
export const RspamdReload = z.discriminatedUnion('via', [
  z.object({ via: z.literal('systemctl'), unit: z.string().regex(/^[A-Za-z0-9@._-]{1,100}$/).default('rspamd') }),
  /** SIGHUP to the process in this PID file (hosts without systemd, like the lab). */
  z.object({ via: z.literal('pidfile'), pidFile: AbsolutePath }),
]);
export type RspamdReload = z.infer<typeof RspamdReload>;

/** Where a host's Rspamd reads its configuration and keys, as Debian's package lays it out unless changed. */
export const RspamdSettings = z.object({
  /** Rspamd's LOCAL_CONFDIR: the console writes local.d/dkim_signing.conf and local.d/copper-dkim/DOMAIN.conf there. */
  localConfDir: AbsolutePath.default('/etc/rspamd'),
  /** Where key files go: mode 0600, owned by Rspamd's user. */
  keyDir: AbsolutePath.default('/var/lib/rspamd/dkim'),
  user: UnixName.default('_rspamd'),
  group: UnixName.default('_rspamd'),
  reload: RspamdReload.default({ via: 'systemctl', unit: 'rspamd' }),
  /** Rspamd's normal worker, asked (with rspamc, on the host) to sign a test message after each change. */
  scanner: z.string().regex(/^[A-Za-z0-9.:[\]-]{1,100}$/).default('127.0.0.1:11333'),
});
export type RspamdSettings = z.infer<typeof RspamdSettings>;
export const DEFAULT_RSPAMD_SETTINGS: RspamdSettings = RspamdSettings.parse({});

/** A key as the operator sees it. The private key never leaves the core. */
export const DkimKey = z.object({
  selector: DkimSelector,
  algorithm: DkimAlgorithm,
  state: DkimKeyState,
  /** Owner name of the TXT record: SELECTOR._domainkey.DOMAIN. */
  recordName: z.string(),
  /** The TXT record's text, exactly: "v=DKIM1; k=rsa; p=…". */
  recordText: z.string(),
  createdAt: Timestamp,
  publishedAt: Timestamp.nullable(),
  activatedAt: Timestamp.nullable(),
  retiringSince: Timestamp.nullable(),
  retiredAt: Timestamp.nullable(),
});
export type DkimKey = z.infer<typeof DkimKey>;

/** What `copper dkim rotate` does next for a domain. */
export const DkimStep = z.enum(['prepare', 'verify', 'activate', 'retire', 'wait', 'resume']);
export type DkimStep = z.infer<typeof DkimStep>;

export const DkimRecordStatus = z.object({
  selector: DkimSelector,
  state: DkimKeyState,
  name: z.string(),
  status: z.enum(['ok', 'missing', 'mismatch', 'unchecked']),
  /** What the resolver served there (TXT texts as zone files write them). Render as text only. */
  found: z.array(z.string().max(70_000)).max(64),
  message: z.string(),
});
export type DkimRecordStatus = z.infer<typeof DkimRecordStatus>;

export const DkimDomainStatus = z.object({
  domain: DomainName,
  site: SiteName,
  policy: DkimPolicy,
  activeSelector: DkimSelector.nullable(),
  /** Days since the active key started signing. */
  activeKeyAgeDays: z.number().int().nullable(),
  nextRotationDue: Timestamp.nullable(),
  rotationOverdue: z.boolean(),
  /** The step `rotate` takes next, and in plain words what the operator must do. */
  nextStep: DkimStep,
  nextAction: z.string(),
  /** A step that was started and not finished (the console stopped midway); `rotate` finishes it. */
  interrupted: z.object({ step: z.enum(['activate', 'retire']), selector: DkimSelector, since: Timestamp }).nullable(),
  keys: z.array(DkimKey),
  /** Each live selector's record as the site's resolver serves it (unchecked when asked not to, or no resolver). */
  records: z.array(DkimRecordStatus),
  /** Why records could not be checked, e.g. the resolver is unreachable. */
  recordsError: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type DkimDomainStatus = z.infer<typeof DkimDomainStatus>;

export const dkimStatus = task({
  name: 'dkim.status',
  summary: 'DKIM per domain (or the fleet’s domains): active selector, key age, next rotation, records found vs expected',
  input: z.object({ domain: DomainName.optional(), site: SiteName.optional(), checkDns: z.boolean().default(true) }),
  output: z.object({ asOf: Timestamp, domains: z.array(DkimDomainStatus) }),
});

export const dkimRecord = query({
  name: 'dkim.record',
  summary: 'The DKIM TXT records the domain must publish (and the ones it may now delete), as text for the DNS team',
  input: z.object({ domain: DomainName }),
  output: z.object({
    domain: DomainName,
    records: z.array(z.object({ selector: DkimSelector, state: DkimKeyState, name: z.string(), text: z.string(), publish: z.boolean() })),
    /** BIND zone-file lines (TXT split into 255-byte strings). */
    zone: z.string(),
  }),
});

export const DkimRotatePlan = z.object({
  ...planShape,
  domain: DomainName,
  step: DkimStep,
  selector: DkimSelector.nullable(),
  /** What the operator must do after this step. */
  nextAction: z.string(),
});
export type DkimRotatePlan = z.infer<typeof DkimRotatePlan>;

export const dkimRotate = command({
  name: 'dkim.rotate',
  summary: 'Advance the domain’s DKIM rotation one safe step: prepare a key, verify its record, activate it, retire the old one',
  input: z.object({ domain: DomainName, algorithm: DkimAlgorithm.optional() }),
  plan: DkimRotatePlan,
  output: z.object({
    domain: DomainName,
    step: DkimStep,
    selector: DkimSelector.nullable(),
    /** true when the step completed; false when it found nothing to do or a check failed without changing anything. */
    advanced: z.boolean(),
    message: z.string(),
    nextAction: z.string(),
    /** The record to publish, for a prepared key. */
    record: z.object({ name: z.string(), text: z.string() }).nullable(),
    /** For a verify step that did not match: what the resolver served. */
    found: z.array(z.string()).max(64),
  }),
});

export const dkimPolicy = query({
  name: 'dkim.policy',
  summary: 'A domain’s DKIM rotation policy (the defaults unless changed)',
  input: z.object({ domain: DomainName }),
  output: z.object({ domain: DomainName, policy: DkimPolicy, isDefault: z.boolean() }),
});

export const dkimSetPolicy = command({
  name: 'dkim.setPolicy',
  summary: 'Change a domain’s DKIM rotation policy: selector pattern, algorithm, rotation interval, grace period, overlap, signing hosts',
  input: z.object({ domain: DomainName, policy: DkimPolicy.nullable() }),
  plan: z.object(planShape),
  output: z.object({ domain: DomainName, policy: DkimPolicy, isDefault: z.boolean() }),
});

export const dkimRspamd = query({
  name: 'dkim.rspamd',
  summary: 'Where a host’s Rspamd reads DKIM keys and configuration, and how it is reloaded',
  input: z.object({ host: HostName }),
  output: z.object({ host: HostName, settings: RspamdSettings, isDefault: z.boolean() }),
});

export const dkimSetRspamd = command({
  name: 'dkim.setRspamd',
  summary: 'Change where a host’s Rspamd reads DKIM keys and configuration, and how it is reloaded',
  input: z.object({ host: HostName, settings: RspamdSettings.nullable() }),
  plan: z.object(planShape),
  output: z.object({ host: HostName, settings: RspamdSettings, isDefault: z.boolean() }),
});

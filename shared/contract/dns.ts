import { z } from 'zod';
import { command, planShape, query, task } from './define';
import { DomainName, HostName, ResolverAddress, SiteName, Timestamp } from './common';

/** The records a mail domain needs, by purpose. */
export const DnsRecordKind = z.enum(['mx', 'spf', 'dkim', 'dmarc', 'mta-sts', 'tls-rpt', 'tlsa']);
export type DnsRecordKind = z.infer<typeof DnsRecordKind>;
/** How each kind is written for people, in messages and tables alike. */
export const DNS_RECORD_KIND_NAMES: Record<DnsRecordKind, string> = {
  mx: 'MX',
  spf: 'SPF',
  dkim: 'DKIM',
  dmarc: 'DMARC',
  'mta-sts': 'MTA-STS',
  'tls-rpt': 'TLS-RPT',
  tlsa: 'TLSA',
};
export const DnsRecordType = z.enum(['MX', 'TXT', 'TLSA']);
export type DnsRecordType = z.infer<typeof DnsRecordType>;

/**
 * A mailbox for DMARC and TLS-RPT reports. Deliberately narrow: no commas, semicolons, "!" or spaces, which would change
 * the meaning of the record the address is written into.
 */
export const ReportAddress = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._%+-]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'Enter a mailbox such as dmarc-reports@example.org.');

/** One SPF term (mechanism or modifier) such as `mx`, `ip4:10.0.0.5`, `include:_spf.example.org`; no spaces or quotes. */
export const SpfTerm = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9+\-~?:./=_%{}]{1,200}$/, 'An SPF term is one word such as mx, a, ip4:10.0.0.5 or include:example.org.');

export const DnsPolicy = z.object({
  /** Which hosts receive mail for the domain; each MX record points to the host's first mail name. */
  mx: z
    .array(z.object({ host: HostName, preference: z.number().int().min(0).max(65535) }))
    .max(16),
  spf: z.object({ terms: z.array(SpfTerm).max(20), all: z.enum(['-all', '~all', '?all']) }),
  dmarc: z.object({ policy: z.enum(['none', 'quarantine', 'reject']), rua: ReportAddress.nullable() }),
  /** null: no MTA-STS. The mode goes in the policy file; the record carries the id, which must change with the policy. */
  mtaSts: z
    .object({
      mode: z.enum(['enforce', 'testing', 'none']),
      id: z.string().regex(/^[A-Za-z0-9]{1,32}$/, 'The MTA-STS id is 1–32 letters and digits, e.g. 20261121T0830.'),
    })
    .nullable(),
  /** null: no TLS reporting. */
  tlsRpt: z.object({ rua: ReportAddress }).nullable(),
  /** Publish DANE TLSA records (3 1 1) for the certificates the MX hosts serve on port 25. */
  dane: z.boolean(),
});
export type DnsPolicy = z.infer<typeof DnsPolicy>;

/** A record the console expects in the domain's DNS, in presentation form (TXT as its text, without quotes). */
export const ExpectedRecord = z.object({
  kind: DnsRecordKind,
  /** Owner name, fully qualified, without the trailing dot. */
  name: z.string(),
  type: DnsRecordType,
  /** One value per record of the set, e.g. "10 mx1.example.org." or "v=spf1 mx -all" or "3 1 1 ab…". */
  values: z.array(z.string()),
  /** A short label for the operator: "DKIM selector cu-2026-11", "TLSA for mx1.example.org". */
  label: z.string(),
});
export type ExpectedRecord = z.infer<typeof ExpectedRecord>;

export const DnsCheckStatus = z.enum(['ok', 'missing', 'mismatch']);
export type DnsCheckStatus = z.infer<typeof DnsCheckStatus>;

/** Text from the DNS, as the console shows it: bytes outside printable ASCII as \DDD. Render as text only. */
const FoundValue = z.string().max(70_000);

export const DnsCheckItem = ExpectedRecord.extend({
  status: DnsCheckStatus,
  /** What the resolver answered at that name and type (for TXT: the records that look like this kind). */
  found: z.array(FoundValue).max(64),
  /** Found records that should not be there, e.g. a second SPF record. */
  extra: z.array(FoundValue).max(64),
  /** What is wrong and what to do, in plain words; empty when ok. */
  message: z.string(),
});
export type DnsCheckItem = z.infer<typeof DnsCheckItem>;

export const DnsCounts = z.object({ ok: z.number().int(), missing: z.number().int(), mismatch: z.number().int() });
export type DnsCounts = z.infer<typeof DnsCounts>;

export const DnsCheckResult = z.object({
  domain: DomainName,
  site: SiteName,
  /** The only resolver asked: the site's. */
  resolver: ResolverAddress,
  checkedAt: Timestamp,
  items: z.array(DnsCheckItem),
  counts: DnsCounts,
  /** Things the console could not judge, e.g. no mail names known for the MX hosts. */
  warnings: z.array(z.string()),
});
export type DnsCheckResult = z.infer<typeof DnsCheckResult>;

export const dnsCheck = task({
  name: 'dns.check',
  summary: 'Ask the site’s own resolver for every record the domain needs and compare found with expected',
  input: z.object({ domain: DomainName }),
  output: DnsCheckResult,
});

export const dnsZone = query({
  name: 'dns.zone',
  summary: 'The records the domain needs, as a BIND zone-file fragment for the DNS team',
  input: z.object({ domain: DomainName }),
  output: z.object({ domain: DomainName, records: z.array(ExpectedRecord), zone: z.string(), warnings: z.array(z.string()) }),
});

export const DomainDnsState = z.object({
  domain: DomainName,
  site: SiteName,
  resolver: ResolverAddress.nullable(),
  /** The last check, or null when the domain was never checked. */
  lastCheck: z.object({ checkedAt: Timestamp, counts: DnsCounts }).nullable(),
});
export type DomainDnsState = z.infer<typeof DomainDnsState>;

export const dnsDomains = query({
  name: 'dns.domains',
  summary: 'Every mail domain with its site’s resolver and the outcome of its last DNS check, without asking any resolver',
  input: z.object({ site: SiteName.optional() }),
  output: z.array(DomainDnsState),
});

export const dnsLast = query({
  name: 'dns.last',
  summary: 'The last DNS check of one domain, without asking the resolver again (null when never checked)',
  input: z.object({ domain: DomainName }),
  output: DnsCheckResult.nullable(),
});

const PolicyState = z.object({ domain: DomainName, policy: DnsPolicy, isDefault: z.boolean() });

export const dnsPolicy = query({
  name: 'dns.policy',
  summary: 'A domain’s DNS policy: MX hosts, SPF, DMARC, MTA-STS, TLS-RPT and DANE (derived from the site until changed)',
  input: z.object({ domain: DomainName }),
  output: PolicyState,
});

export const dnsSetPolicy = command({
  name: 'dns.setPolicy',
  summary: 'Change a domain’s DNS policy (null goes back to the defaults derived from the site’s hosts)',
  input: z.object({ domain: DomainName, policy: DnsPolicy.nullable() }),
  plan: z.object(planShape),
  output: PolicyState,
});

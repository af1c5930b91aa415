import type { DnsPolicy, Host, PlannedChange } from '../../../shared/contract';

/**
 * The policy a domain gets until the operator changes it, derived from its site:
 * - MX: every host of the site that has a mail name, preferences 10, 20, 30… in name order;
 * - SPF: only the MX hosts send (`v=spf1 mx -all`);
 * - DMARC: p=none with reports to postmaster — monitoring first; raise it once the reports show DKIM and SPF aligned;
 * - MTA-STS in testing mode, its id from the day the domain was added; TLS reports to postmaster;
 * - DANE on: TLSA records are expected as soon as the served certificates are known.
 */
export function defaultPolicy(domain: string, siteHosts: Host[], domainCreatedAt: string): DnsPolicy {
  const mailHosts = siteHosts.filter((h) => h.mailNames.length > 0).sort((a, b) => a.name.localeCompare(b.name));
  return {
    mx: mailHosts.map((h, i) => ({ host: h.name, preference: 10 * (i + 1) })),
    spf: { terms: ['mx'], all: '-all' },
    dmarc: { policy: 'none', rua: `postmaster@${domain}` },
    mtaSts: { mode: 'testing', id: mtaStsId(domainCreatedAt) },
    tlsRpt: { rua: `postmaster@${domain}` },
    dane: true,
  };
}

/** 2026-11-21T08:30:12.345Z → 20261121T083012: letters and digits only, as RFC 8461 requires of the id. */
export function mtaStsId(isoTime: string): string {
  return isoTime.replace(/\.\d+Z$|Z$/, '').replace(/[-:]/g, '').slice(0, 32);
}

/** The policy in the operator's words, one line per part, for plans and the audit trail. */
export function describePolicy(policy: DnsPolicy): Record<string, string> {
  return {
    MX: policy.mx.length ? policy.mx.map((m) => `${m.host} (${m.preference})`).join(', ') : 'none',
    SPF: `${['v=spf1', ...policy.spf.terms, policy.spf.all].join(' ')}`,
    DMARC: `p=${policy.dmarc.policy}${policy.dmarc.rua ? `, reports to ${policy.dmarc.rua}` : ', no reports'}`,
    'MTA-STS': policy.mtaSts ? `${policy.mtaSts.mode}, id ${policy.mtaSts.id}` : 'off',
    'TLS-RPT': policy.tlsRpt ? `reports to ${policy.tlsRpt.rua}` : 'off',
    DANE: policy.dane ? 'on' : 'off',
  };
}

/** What changes between two policies, part by part. */
export function policyChanges(domain: string, current: DnsPolicy, next: DnsPolicy): PlannedChange[] {
  const before = describePolicy(current);
  const after = describePolicy(next);
  return Object.keys(after)
    .filter((part) => before[part] !== after[part])
    .map((part) => ({ action: 'update' as const, target: `${part} policy of ${domain}`, detail: `${before[part]} → ${after[part]}` }));
}

/** One week, as RFC 8461 suggests for a policy in force; testing policies are usually shorter-lived. */
const MTA_STS_MAX_AGE = 604_800;

/**
 * The MTA-STS policy file the `_mta-sts` record announces (RFC 8461 §3.2): it carries the mode and the MX names, and is
 * served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt. The console shows it; serving it is the web team's part.
 */
export function mtaStsPolicyFile(policy: DnsPolicy, mxNames: string[]): string | null {
  if (!policy.mtaSts) return null;
  return ['version: STSv1', `mode: ${policy.mtaSts.mode}`, ...mxNames.map((name) => `mx: ${name}`), `max_age: ${MTA_STS_MAX_AGE}`].join('\n');
}

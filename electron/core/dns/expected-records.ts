import type { DnsPolicy, ExpectedRecord, Host } from '../../../shared/contract';
import type { DkimExpectation } from './record-sources';

export interface ExpectationFacts {
  domain: string;
  site: string;
  policy: DnsPolicy;
  /** The hosts of the domain's site. */
  hosts: Host[];
  dkim: DkimExpectation[];
  /** SPKI SHA-256 digests (hex) of the certificates each MX host serves, by host name. */
  servedKeys: Map<string, string[]>;
}

/** A DKIM selector is one or more DNS labels (RFC 6376 §3.1); anything else cannot be a name to ask for. */
const SELECTOR = /^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?)*$/i;

/**
 * Every record the domain needs, from its policy and what the console knows of its hosts, keys and certificates; and
 * what it could not work out (a warning each), so the operator can fill the gap.
 */
export function expectedRecords(facts: ExpectationFacts): { records: ExpectedRecord[]; warnings: string[] } {
  const { domain, policy } = facts;
  const records: ExpectedRecord[] = [];
  const warnings: string[] = [];

  const mxTargets: Array<{ host: Host; mailName: string; preference: number }> = [];
  for (const entry of [...policy.mx].sort((a, b) => a.preference - b.preference)) {
    const host = facts.hosts.find((h) => h.name.toLowerCase() === entry.host.toLowerCase());
    if (!host) {
      warnings.push(`The DNS policy of ${domain} names ${entry.host} as an MX host, but site ${facts.site} has no such host. Change the policy.`);
      continue;
    }
    const mailName = host.mailNames[0];
    if (mailName === undefined) {
      warnings.push(`Host ${host.name} is an MX host of ${domain} but has no mail name, so the console cannot say where the MX record should point. Add one: copper host edit ${host.name} --mail-name mx.${domain}`);
      continue;
    }
    mxTargets.push({ host, mailName, preference: entry.preference });
  }
  if (mxTargets.length) {
    records.push({ kind: 'mx', name: domain, type: 'MX', values: mxTargets.map((t) => `${t.preference} ${t.mailName}.`), label: 'MX (where mail for the domain goes)' });
  } else if (!policy.mx.length) {
    warnings.push(`No MX host is known for ${domain}: give the site’s mail hosts a mail name (copper host edit HOST --mail-name FQDN) or set the MX hosts in the domain’s DNS policy.`);
  }

  records.push({ kind: 'spf', name: domain, type: 'TXT', values: [['v=spf1', ...policy.spf.terms, policy.spf.all].join(' ')], label: 'SPF (who may send)' });

  for (const dkim of facts.dkim) {
    if (!SELECTOR.test(dkim.selector)) {
      warnings.push(`The DKIM selector "${dkim.selector}" is not a valid DNS label, so its record cannot be checked.`);
      continue;
    }
    records.push({ kind: 'dkim', name: `${dkim.selector.toLowerCase()}._domainkey.${domain}`, type: 'TXT', values: [dkim.text], label: `DKIM selector ${dkim.selector}` });
  }

  const dmarc = [`v=DMARC1`, `p=${policy.dmarc.policy}`, ...(policy.dmarc.rua ? [`rua=mailto:${policy.dmarc.rua}`] : [])].join('; ');
  records.push({ kind: 'dmarc', name: `_dmarc.${domain}`, type: 'TXT', values: [dmarc], label: 'DMARC (what receivers do with failures)' });

  if (policy.mtaSts) {
    records.push({ kind: 'mta-sts', name: `_mta-sts.${domain}`, type: 'TXT', values: [`v=STSv1; id=${policy.mtaSts.id}`], label: `MTA-STS (${policy.mtaSts.mode} mode)` });
  }
  if (policy.tlsRpt) {
    records.push({ kind: 'tls-rpt', name: `_smtp._tls.${domain}`, type: 'TXT', values: [`v=TLSRPTv1; rua=mailto:${policy.tlsRpt.rua}`], label: 'TLS-RPT (TLS failure reports)' });
  }

  if (policy.dane) {
    const seen = new Set<string>();
    for (const target of mxTargets) {
      if (seen.has(target.mailName)) continue;
      seen.add(target.mailName);
      const digests = [...new Set(facts.servedKeys.get(target.host.name) ?? [])];
      if (!digests.length) {
        warnings.push(`DANE is on, but the console knows no certificate that ${target.host.name} serves, so the TLSA record for ${target.mailName} is not checked.`);
        continue;
      }
      records.push({ kind: 'tlsa', name: `_25._tcp.${target.mailName}`, type: 'TLSA', values: digests.map((d) => `3 1 1 ${d}`), label: `TLSA (DANE) for ${target.mailName}` });
    }
  }
  return { records, warnings };
}

import {
  CopperError,
  DnsCheckResult,
  DnsPolicy,
  type BasicPlan,
  type DnsCheckItem,
  type DomainDnsState,
  type ExpectedRecord,
  type Progress,
} from '../../../shared/contract';
import type { Clock } from '../app/clock';
import type { Db } from '../db/database';
import { notFound, plan, type InventoryService } from '../inventory/inventory.service';
import { ResolverClient, type ResolverClientOptions } from './dns-client';
import { defaultPolicy, mtaStsPolicyFile, policyChanges } from './dns-policy';
import { expectedRecords } from './expected-records';
import { compareRecord } from './record-compare';
import { spkiSha256, type DkimRecordSource, type ServedCertificateSource } from './record-sources';
import { parseResolverAddress } from './resolver-address';
import { renderZone } from './zone-file';

export interface DnsSources {
  dkim: DkimRecordSource;
  certificates: ServedCertificateSource;
}

interface DomainFacts {
  id: number;
  name: string;
  site: string;
  resolver: string | null;
  createdAt: string;
}

/** A domain's mail DNS: what it should publish, and what the site's own resolver says it does. */
export class DnsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
    private readonly sources: DnsSources,
    private readonly resolverOptions: Partial<ResolverClientOptions> = {},
  ) {}

  // ── Policy ─────────────────────────────────────────────────────────────────

  policy(domainName: string): { domain: string; policy: DnsPolicy; isDefault: boolean } {
    const domain = this.domain(domainName);
    const stored = this.db.prepare('SELECT policy FROM dns_policies WHERE domain_id = ?').get(domain.id) as { policy: string } | undefined;
    const parsed = stored ? DnsPolicy.safeParse(JSON.parse(stored.policy)) : undefined;
    if (parsed?.success) return { domain: domain.name, policy: parsed.data, isDefault: false };
    return { domain: domain.name, policy: defaultPolicy(domain.name, this.inventory.listHosts({ site: domain.site }), domain.createdAt), isDefault: true };
  }

  planSetPolicy(domainName: string, next: DnsPolicy | null): BasicPlan {
    const current = this.policy(domainName);
    const domain = this.domain(domainName);
    const wanted = next ?? defaultPolicy(domain.name, this.inventory.listHosts({ site: domain.site }), domain.createdAt);
    if (next) this.validate(domain, next);
    const changes = policyChanges(domain.name, current.policy, wanted);
    const warnings = changes.length ? ['Only the console’s expectation changes: publish the new records (copper dns zone) and check them (copper dns check).'] : [];
    if (next === null && !current.isDefault) changes.push({ action: 'delete', target: `stored DNS policy of ${domain.name}`, detail: 'back to the defaults derived from the site' });
    if (!changes.length) warnings.push('The policy is already this: nothing changes.');
    return plan(next === null ? `Restore the default DNS policy of ${domain.name}` : `Change the DNS policy of ${domain.name}`, changes, warnings);
  }

  setPolicy(domainName: string, next: DnsPolicy | null): { domain: string; policy: DnsPolicy; isDefault: boolean } {
    const domain = this.domain(domainName);
    if (next === null) this.db.prepare('DELETE FROM dns_policies WHERE domain_id = ?').run(domain.id);
    else {
      this.validate(domain, next);
      this.db
        .prepare('INSERT INTO dns_policies (domain_id, policy, updated_at) VALUES (?, ?, ?) ON CONFLICT(domain_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at')
        .run(domain.id, JSON.stringify(next), this.clock.now().toISOString());
    }
    return this.policy(domain.name);
  }

  private validate(domain: DomainFacts, policy: DnsPolicy): void {
    const hosts = this.inventory.listHosts({ site: domain.site });
    const seen = new Set<string>();
    for (const entry of policy.mx) {
      const key = entry.host.toLowerCase();
      if (seen.has(key)) throw new CopperError('INVALID_INPUT', `${entry.host} is listed twice as an MX host of ${domain.name}. List each host once.`);
      seen.add(key);
      if (!hosts.some((h) => h.name.toLowerCase() === key)) {
        throw new CopperError('INVALID_INPUT', `${entry.host} cannot be an MX host of ${domain.name}: it is not a host of site ${domain.site}.`, { host: entry.host });
      }
    }
  }

  // ── Expected records ───────────────────────────────────────────────────────

  async expected(domainName: string): Promise<{ domain: DomainFacts; records: ExpectedRecord[]; warnings: string[] }> {
    const domain = this.domain(domainName);
    const { policy } = this.policy(domain.name);
    const hosts = this.inventory.listHosts({ site: domain.site });
    const servedKeys = new Map<string, string[]>();
    const warnings: string[] = [];
    if (policy.dane) {
      for (const entry of policy.mx) {
        const host = hosts.find((h) => h.name.toLowerCase() === entry.host.toLowerCase());
        if (!host) continue;
        const digests: string[] = [];
        for (const pem of await this.sources.certificates.served(host)) {
          try {
            digests.push(spkiSha256(pem));
          } catch {
            warnings.push(`A certificate recorded for ${host.name} cannot be read, so it is left out of the TLSA record.`);
          }
        }
        servedKeys.set(host.name, digests);
      }
    }
    const dkim = await this.sources.dkim.expected(domain.name);
    const computed = expectedRecords({ domain: domain.name, site: domain.site, policy, hosts, dkim, servedKeys });
    return { domain, records: computed.records, warnings: [...computed.warnings, ...warnings] };
  }

  async zone(domainName: string): Promise<{ domain: string; records: ExpectedRecord[]; zone: string; warnings: string[] }> {
    const { domain, records, warnings } = await this.expected(domainName);
    const mxNames = (records.find((r) => r.kind === 'mx')?.values ?? []).map((value) => value.split(' ')[1]?.replace(/\.$/, '') ?? '');
    const policyFile = mtaStsPolicyFile(this.policy(domain.name).policy, mxNames);
    const notes = policyFile
      ? [`The MTA-STS policy the _mta-sts record announces, to serve at https://mta-sts.${domain.name}/.well-known/mta-sts.txt:`, ...policyFile.split('\n').map((line) => `  ${line}`)]
      : [];
    const zone = renderZone(domain.name, records, { site: domain.site, generatedAt: this.clock.now().toISOString(), warnings, notes });
    return { domain: domain.name, records, zone, warnings };
  }

  // ── Checking ───────────────────────────────────────────────────────────────

  async check(domainName: string, signal?: AbortSignal, progress?: (p: Progress) => void): Promise<DnsCheckResult> {
    const domain = this.domain(domainName);
    const resolver = this.resolverOf(domain);
    const { records, warnings } = await this.expected(domain.name);
    const items = await this.checkRecords(domain.name, records, signal, progress);
    const counts = { ok: 0, missing: 0, mismatch: 0 };
    for (const item of items) counts[item.status]++;
    const result = DnsCheckResult.parse({
      domain: domain.name,
      site: domain.site,
      resolver,
      checkedAt: this.clock.now().toISOString(),
      items,
      counts,
      warnings,
    });
    this.db
      .prepare('INSERT INTO dns_last_checks (domain_id, checked_at, result) VALUES (?, ?, ?) ON CONFLICT(domain_id) DO UPDATE SET checked_at = excluded.checked_at, result = excluded.result')
      .run(domain.id, result.checkedAt, JSON.stringify(result));
    return result;
  }

  /**
   * Asks the domain's site resolver for the given records and compares: the building block of the check, and what the
   * DKIM rotation uses to see a new selector's record, byte for byte, before it lets Rspamd sign with it.
   */
  async checkRecords(domainName: string, records: ExpectedRecord[], signal?: AbortSignal, progress?: (p: Progress) => void): Promise<DnsCheckItem[]> {
    const domain = this.domain(domainName);
    const resolver = this.resolverOf(domain);
    const client = new ResolverClient(parseResolverAddress(resolver), this.resolverOptions);
    const items: DnsCheckItem[] = [];
    for (const [index, record] of records.entries()) {
      if (signal?.aborted) throw new CopperError('CANCELLED', `The DNS check of ${domain.name} was cancelled.`);
      progress?.({ step: 'query', done: index, total: records.length, message: `Asking ${resolver} for ${record.name} ${record.type}` });
      const lookup = await client.lookup(record.name, record.type, signal);
      items.push(compareRecord(record, lookup.records));
    }
    progress?.({ step: 'query', done: records.length, total: records.length, message: `Checked ${records.length} record sets of ${domain.name}` });
    return items;
  }

  private resolverOf(domain: DomainFacts): string {
    if (domain.resolver) return domain.resolver;
    throw new CopperError(
      'DNS_RESOLVER_MISSING',
      `Site ${domain.site} has no DNS resolver set, and the console never asks the system’s or a public resolver. Set the site’s internal resolver: copper site edit ${domain.site} --resolver IP[:PORT]`,
      { site: domain.site, domain: domain.name },
    );
  }

  last(domainName: string): DnsCheckResult | null {
    const domain = this.domain(domainName);
    const row = this.db.prepare('SELECT result FROM dns_last_checks WHERE domain_id = ?').get(domain.id) as { result: string } | undefined;
    if (!row) return null;
    const parsed = DnsCheckResult.safeParse(JSON.parse(row.result));
    return parsed.success ? parsed.data : null;
  }

  /** Every domain (of one site) with its last check, from the database only. */
  domains(site?: string): DomainDnsState[] {
    const resolvers = new Map(this.inventory.listSites().map((s) => [s.name, s.resolver]));
    return this.inventory.listDomains(site).map((d) => {
      const last = this.last(d.name);
      return {
        domain: d.name,
        site: d.site,
        resolver: resolvers.get(d.site) ?? null,
        lastCheck: last ? { checkedAt: last.checkedAt, counts: last.counts } : null,
      };
    });
  }

  /** The site and host a DNS operation concerns, for the audit record. */
  scopeOfDomain(domainName: string): { site: string | null; host: string | null } {
    return { site: this.inventory.domainRow(domainName)?.site_name ?? null, host: null };
  }

  private domain(name: string): DomainFacts {
    const row = this.inventory.domainRow(name);
    if (!row) throw notFound('domain', name);
    const site = this.inventory.getSite(row.site_name);
    return { id: row.id, name: row.name, site: site.name, resolver: site.resolver, createdAt: row.created_at };
  }
}

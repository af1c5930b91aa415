import { z } from 'zod';
import { CopperError, InventoryDocument, type ImportPlan, type PlannedChange } from '../../../shared/contract';
import type { Db } from '../db/database';

import { describeEndpoint, toHost } from './inventory-rows';
import { defaultPrivilege, type InventoryService } from './inventory.service';

type ImportPlanValue = z.infer<typeof ImportPlan>;
type DocHost = InventoryDocument['hosts'][number];

/** Export and import of the whole inventory as a portable JSON document. Secrets never travel in it. */
export class InventoryTransfer {
  constructor(
    private readonly db: Db,
    private readonly inventory: InventoryService,
  ) {}

  exportDocument(): InventoryDocument {
    return {
      format: 'copper-inventory',
      version: 1,
      exportedAt: this.inventory.now(),
      sites: this.inventory.listSites().map((s) => ({
        name: s.name,
        description: s.description,
        resolver: s.resolver,
        domains: s.domains,
      })),
      hosts: this.inventory.listHosts().map((h) => ({
        name: h.name,
        site: h.site,
        ssh: h.ssh,
        auth: h.auth,
        jumpHost: h.jumpHost,
        pinnedFingerprint: h.pinnedFingerprint,
        mode: h.mode,
        privilege: h.privilege,
        dockerSocket: h.dockerSocket,
        tags: h.tags,
        notes: h.notes,
        mailNames: h.mailNames,
      })),
    };
  }

  /** Validates a document and reports exactly what an import would do. Throws IMPORT_INVALID listing every problem. */
  planImport(raw: unknown): ImportPlanValue {
    const doc = parseDocument(raw);
    const problems: string[] = [];
    const changes: PlannedChange[] = [];
    const counts = { sitesCreated: 0, sitesUpdated: 0, hostsCreated: 0, hostsUpdated: 0, domainsCreated: 0, unchanged: 0 };

    duplicates(doc.sites.map((s) => s.name)).forEach((n) => problems.push(`Site ${n} appears more than once.`));
    duplicates(doc.hosts.map((h) => h.name)).forEach((n) => problems.push(`Host ${n} appears more than once.`));
    duplicates(doc.sites.flatMap((s) => s.domains)).forEach((n) => problems.push(`Domain ${n} is listed under more than one site.`));

    const docSites = new Set(doc.sites.map((s) => s.name.toLowerCase()));
    const docHosts = new Set(doc.hosts.map((h) => h.name.toLowerCase()));

    for (const site of doc.sites) {
      const row = this.inventory.siteRow(site.name);
      if (!row) {
        counts.sitesCreated++;
        changes.push({ action: 'create', target: `site ${site.name}`, detail: site.resolver ? `resolver ${site.resolver}` : '' });
      } else if (row.description !== site.description || row.resolver !== site.resolver) {
        counts.sitesUpdated++;
        changes.push({ action: 'update', target: `site ${site.name}`, detail: 'description or resolver' });
      } else counts.unchanged++;
      for (const domain of site.domains) {
        const existing = this.inventory.domainRow(domain);
        if (!existing) {
          counts.domainsCreated++;
          changes.push({ action: 'create', target: `domain ${domain}`, detail: `site ${site.name}` });
        } else if (existing.site_name.toLowerCase() !== site.name.toLowerCase()) {
          problems.push(`Domain ${domain} belongs to site ${existing.site_name} here, not ${site.name}. Move or remove it first.`);
        } else counts.unchanged++;
      }
    }

    const secretsNeeded: string[] = [];
    for (const host of doc.hosts) {
      if (!docSites.has(host.site.toLowerCase()) && !this.inventory.siteRow(host.site)) {
        problems.push(`Host ${host.name} names site ${host.site}, which is neither in the file nor in this inventory.`);
      }
      if (host.jumpHost !== null) {
        if (host.jumpHost.toLowerCase() === host.name.toLowerCase()) problems.push(`Host ${host.name} names itself as its jump host.`);
        else if (!docHosts.has(host.jumpHost.toLowerCase()) && !this.inventory.hostRow(host.jumpHost)) {
          problems.push(`Host ${host.name} jumps through ${host.jumpHost}, which is neither in the file nor in this inventory.`);
        }
      }
      const row = this.inventory.hostRow(host.name);
      if (!row) {
        counts.hostsCreated++;
        changes.push({ action: 'create', target: `host ${host.name}`, detail: `${describeEndpoint(host)} in site ${host.site}` });
        if (host.auth !== 'agent') secretsNeeded.push(host.name);
      } else {
        const current = toHost(row);
        const differs = hostFingerprint(current) !== hostFingerprint(host);
        if (differs) {
          counts.hostsUpdated++;
          changes.push({ action: 'update', target: `host ${host.name}`, detail: describeEndpoint(host) });
          if (current.pinnedFingerprint && current.pinnedFingerprint !== host.pinnedFingerprint) {
            problems.push(
              `Host ${host.name} is pinned to ${current.pinnedFingerprint} here but the file says ${host.pinnedFingerprint ?? 'no key'}. Re-pin it with host trust instead of importing a different key.`,
            );
          }
        } else counts.unchanged++;
      }
    }

    if (problems.length) {
      throw new CopperError('IMPORT_INVALID', `The inventory file cannot be imported: ${problems.join(' ')}`, { problems });
    }
    const warnings = secretsNeeded.length
      ? [`Secrets never travel in inventory files: enter the password or key for ${secretsNeeded.join(', ')} after the import.`]
      : [];
    const total = counts.sitesCreated + counts.sitesUpdated + counts.hostsCreated + counts.hostsUpdated + counts.domainsCreated;
    return {
      summary: total ? `Import ${total} change${total === 1 ? '' : 's'} (${counts.unchanged} unchanged)` : 'The inventory already matches the file',
      changes,
      warnings,
      destructive: false,
      counts,
      secretsNeeded,
    };
  }

  /** Applies a document in one transaction: either all of it lands or none of it. */
  applyImport(raw: unknown): ImportPlanValue['counts'] {
    const planned = this.planImport(raw);
    const doc = parseDocument(raw);
    const now = this.inventory.now();
    this.db.transaction(() => {
      for (const site of doc.sites) {
        this.db
          .prepare(
            `INSERT INTO sites (name, description, resolver, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(name) DO UPDATE SET description = excluded.description, resolver = excluded.resolver,
               updated_at = excluded.updated_at WHERE description IS NOT excluded.description OR resolver IS NOT excluded.resolver`,
          )
          .run(site.name, site.description, site.resolver, now, now);
        const siteId = this.siteId(site.name);
        for (const domain of site.domains) {
          this.db.prepare('INSERT INTO domains (name, site_id, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING').run(domain, siteId, now);
        }
      }
      for (const host of doc.hosts) {
        const row = this.inventory.hostRow(host.name);
        if (row && hostFingerprint(toHost(row)) === hostFingerprint(host)) continue;
        const values = [
          this.siteId(host.site),
          host.ssh.user,
          host.ssh.address,
          host.ssh.port,
          host.auth,
          host.pinnedFingerprint,
          host.mode,
          defaultPrivilege(host),
          host.dockerSocket,
          JSON.stringify(host.tags),
          host.notes,
          JSON.stringify(host.mailNames),
          now,
        ];
        if (row) {
          this.db
            .prepare(
              `UPDATE hosts SET site_id = ?, ssh_user = ?, address = ?, port = ?, auth_method = ?, pinned_fingerprint = ?, mode = ?,
                 privilege = ?, docker_socket = ?, tags = ?, notes = ?, mail_names = ?, updated_at = ? WHERE id = ?`,
            )
            .run(...values, row.id);
        } else {
          this.db
            .prepare(
              `INSERT INTO hosts (site_id, ssh_user, address, port, auth_method, pinned_fingerprint, mode, privilege, docker_socket, tags, notes,
                 mail_names, updated_at, name, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(...values, host.name, now);
        }
      }
      // Jump hosts last, once every host of the file exists.
      for (const host of doc.hosts) {
        const jumpId = host.jumpHost === null ? null : (this.inventory.hostRow(host.jumpHost)?.id ?? null);
        this.db.prepare('UPDATE hosts SET jump_host_id = ? WHERE name = ?').run(jumpId, host.name);
      }
    })();
    return planned.counts;
  }

  private siteId(name: string): number {
    const row = this.inventory.siteRow(name);
    if (!row) throw new CopperError('NOT_FOUND', `Site ${name} vanished during the import.`);
    return row.id;
  }
}

function parseDocument(raw: unknown): InventoryDocument {
  const parsed = InventoryDocument.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`);
  throw new CopperError(
    'IMPORT_INVALID',
    `The file is not a valid Copper inventory (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? '; …' : ''}`,
    { problems },
  );
}

function duplicates(names: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const name of names) {
    const key = name.toLowerCase();
    if (seen.has(key)) twice.add(name);
    seen.add(key);
  }
  return [...twice];
}

/** What an import compares: the fields a document carries (not timestamps, not secrets). */
function hostFingerprint(host: Omit<DocHost, never> | ReturnType<typeof toHost>): string {
  return JSON.stringify([
    host.site.toLowerCase(),
    host.ssh.user,
    host.ssh.address,
    host.ssh.port,
    host.auth,
    (host.jumpHost ?? '').toLowerCase(),
    host.pinnedFingerprint,
    host.mode,
    defaultPrivilege(host),
    host.dockerSocket,
    host.tags,
    host.notes,
    host.mailNames,
  ]);
}

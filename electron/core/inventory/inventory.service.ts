import { z } from 'zod';
import {
  CopperError,
  HostCreateInput,
  HostUpdateInput,
  SiteCreateInput,
  SiteUpdateInput,
  type BasicPlan,
  type Domain,
  type Host,
  type PlannedChange,
  type Site,
  type StoredSecret,
} from '../../../shared/contract';
import type { Clock } from '../app/clock';
import type { Db } from '../db/database';
import { hostSecretRef, type SecretStore } from '../secrets/secret-store';
import {
  DOMAIN_SELECT,
  HOST_SELECT,
  describeEndpoint,
  toDomain,
  toHost,
  toSite,
  type DomainRow,
  type HostRow,
  type SiteRow,
} from './inventory-rows';

type SiteCreate = z.output<typeof SiteCreateInput>;
type SiteUpdate = z.output<typeof SiteUpdateInput>;
type HostCreate = z.output<typeof HostCreateInput>;
type HostUpdate = z.output<typeof HostUpdateInput>;

const SECRET_KINDS: readonly StoredSecret[] = ['password', 'privateKey', 'keyPassphrase'];
const secretLabel: Record<StoredSecret, string> = {
  password: 'login password',
  privateKey: 'private key',
  keyPassphrase: 'key passphrase',
};

/** Sites, hosts and mail domains: the console's inventory. Every change comes as a plan first, then an apply. */
export class InventoryService {
  constructor(
    private readonly db: Db,
    private readonly secrets: SecretStore,
    private readonly clock: Clock,
  ) {}

  // ── Sites ──────────────────────────────────────────────────────────────────

  listSites(search?: string): Site[] {
    const rows = this.db.prepare('SELECT * FROM sites ORDER BY name COLLATE NOCASE').all() as SiteRow[];
    const domains = this.db.prepare(`${DOMAIN_SELECT} ORDER BY d.name`).all() as DomainRow[];
    const counts = this.db.prepare('SELECT site_id, count(*) AS n FROM hosts GROUP BY site_id').all() as Array<{
      site_id: number;
      n: number;
    }>;
    const sites = rows.map((row) =>
      toSite(
        row,
        domains.filter((d) => d.site_id === row.id).map((d) => d.name),
        counts.find((c) => c.site_id === row.id)?.n ?? 0,
      ),
    );
    if (!search?.trim()) return sites;
    const needle = search.trim().toLowerCase();
    return sites.filter((site) =>
      [site.name, site.description, site.resolver ?? '', ...site.domains].some((field) => field.toLowerCase().includes(needle)),
    );
  }

  getSite(name: string): Site {
    const site = this.listSites().find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!site) throw notFound('site', name);
    return site;
  }

  planSiteCreate(input: SiteCreate): BasicPlan {
    if (this.siteRow(input.name)) throw exists('site', input.name);
    return plan(`Add site ${input.name}`, [
      { action: 'create', target: `site ${input.name}`, detail: input.resolver ? `resolver ${input.resolver}` : 'no internal resolver yet' },
    ]);
  }

  createSite(input: SiteCreate): Site {
    this.planSiteCreate(input);
    const now = this.now();
    this.db
      .prepare('INSERT INTO sites (name, description, resolver, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(input.name, input.description, input.resolver, now, now);
    return this.getSite(input.name);
  }

  planSiteUpdate(input: SiteUpdate): BasicPlan {
    const site = this.requireSiteRow(input.name);
    const changes: PlannedChange[] = [];
    const { set } = input;
    if (set.name !== undefined && set.name !== site.name) {
      const other = this.siteRow(set.name);
      if (other && other.id !== site.id) throw exists('site', set.name);
      changes.push({ action: 'update', target: `site ${site.name}`, detail: `name ${site.name} → ${set.name}` });
    }
    if (set.description !== undefined && set.description !== site.description) {
      changes.push({ action: 'update', target: `site ${site.name}`, detail: 'description' });
    }
    if (set.resolver !== undefined && set.resolver !== site.resolver) {
      changes.push({
        action: 'update',
        target: `site ${site.name}`,
        detail: `resolver ${site.resolver ?? 'none'} → ${set.resolver ?? 'none'}`,
      });
    }
    return plan(changes.length ? `Change site ${site.name}` : `Nothing to change on site ${site.name}`, changes);
  }

  updateSite(input: SiteUpdate): Site {
    this.planSiteUpdate(input);
    const site = this.requireSiteRow(input.name);
    const next = { ...site, ...stripUndefined(input.set) };
    this.db
      .prepare('UPDATE sites SET name = ?, description = ?, resolver = ?, updated_at = ? WHERE id = ?')
      .run(next.name, next.description, next.resolver, this.now(), site.id);
    return this.getSite(next.name);
  }

  planSiteDelete(name: string): BasicPlan {
    const site = this.requireSiteRow(name);
    const hosts = this.hostRowsOfSite(site.id);
    const domains = this.db.prepare('SELECT name FROM domains WHERE site_id = ? ORDER BY name').all(site.id) as Array<{ name: string }>;
    const hostIds = new Set(hosts.map((h) => h.id));
    const outsiders = (this.db.prepare(HOST_SELECT).all() as HostRow[]).filter(
      (h) => !hostIds.has(h.id) && h.jump_host_id !== null && hostIds.has(h.jump_host_id),
    );
    if (outsiders.length) {
      throw new CopperError(
        'IN_USE',
        `Site ${site.name} cannot be deleted: ${outsiders.map((h) => `${h.name} (site ${h.site_name}) jumps through ${h.jump_host_name}`).join('; ')}. Change their jump host first.`,
        { dependents: outsiders.map((h) => h.name) },
      );
    }
    const changes: PlannedChange[] = [
      { action: 'delete', target: `site ${site.name}`, detail: site.description },
      ...hosts.map((h): PlannedChange => ({
        action: 'delete',
        target: `host ${h.name}`,
        detail: `${describeEndpoint(toHost(h))}${secretNote(toHost(h))}`,
      })),
      ...domains.map((d): PlannedChange => ({ action: 'delete', target: `domain ${d.name}`, detail: '' })),
    ];
    const warnings = hosts.length
      ? [`${hosts.length} host${hosts.length === 1 ? '' : 's'} and the secrets the console holds for them go with the site. Nothing is changed on the servers themselves.`]
      : [];
    return plan(`Delete site ${site.name}`, changes, warnings, true);
  }

  async deleteSite(name: string): Promise<{ site: string; hosts: string[]; domains: string[] }> {
    this.planSiteDelete(name);
    const site = this.requireSiteRow(name);
    const hosts = this.hostRowsOfSite(site.id);
    // Secrets first: if the store refuses (locked vault), nothing has changed yet.
    for (const host of hosts) await this.forgetSecrets(host.id);
    const domains = (this.db.prepare('SELECT name FROM domains WHERE site_id = ? ORDER BY name').all(site.id) as Array<{ name: string }>).map(
      (d) => d.name,
    );
    this.db.transaction(() => {
      this.db.prepare('UPDATE hosts SET jump_host_id = NULL WHERE site_id = ?').run(site.id);
      this.db.prepare('DELETE FROM hosts WHERE site_id = ?').run(site.id);
      this.db.prepare('DELETE FROM domains WHERE site_id = ?').run(site.id);
      this.db.prepare('DELETE FROM sites WHERE id = ?').run(site.id);
    })();
    return { site: site.name, hosts: hosts.map((h) => h.name), domains };
  }

  // ── Hosts ──────────────────────────────────────────────────────────────────

  listHosts(filter: { search?: string | undefined; site?: string | undefined; tag?: string | undefined } = {}): Host[] {
    let hosts = (this.db.prepare(`${HOST_SELECT} ORDER BY h.name COLLATE NOCASE`).all() as HostRow[]).map(toHost);
    if (filter.site) hosts = hosts.filter((h) => h.site.toLowerCase() === filter.site?.toLowerCase());
    if (filter.tag) hosts = hosts.filter((h) => h.tags.includes(filter.tag ?? ''));
    const needle = filter.search?.trim().toLowerCase();
    if (needle) {
      hosts = hosts.filter((h) =>
        [h.name, h.site, h.ssh.address, h.ssh.user, h.notes, h.mode, ...h.tags, ...h.mailNames].some((f) => f.toLowerCase().includes(needle)),
      );
    }
    return hosts;
  }

  getHost(name: string): Host {
    return toHost(this.requireHostRow(name));
  }

  planHostCreate(input: HostCreate): BasicPlan {
    if (this.hostRow(input.name)) throw exists('host', input.name);
    this.requireSiteRow(input.site);
    if (input.jumpHost !== null) {
      if (input.jumpHost.toLowerCase() === input.name.toLowerCase()) throw invalid('A host cannot be its own jump host.');
      this.requireHostRow(input.jumpHost);
    }
    const changes: PlannedChange[] = [
      {
        action: 'create',
        target: `host ${input.name}`,
        detail: `${describeEndpoint({ ...input, privilege: defaultPrivilege(input) })} in site ${input.site}${input.jumpHost ? `, through ${input.jumpHost}` : ''}${input.mailNames.length ? `, mail names ${input.mailNames.join(', ')}` : ''}`,
      },
      ...providedSecrets(input).map((kind): PlannedChange => ({
        action: 'create',
        target: `${secretLabel[kind]} of ${input.name}`,
        detail: `kept in the ${this.secrets.status().kind === 'vault' ? 'passphrase vault' : 'operating system keychain'}`,
      })),
    ];
    return plan(`Add host ${input.name} to site ${input.site}`, changes, credentialWarnings(input.name, input.auth, providedSecrets(input)));
  }

  async createHost(input: HostCreate): Promise<Host> {
    this.planHostCreate(input);
    const site = this.requireSiteRow(input.site);
    const jump = input.jumpHost === null ? null : this.requireHostRow(input.jumpHost);
    const now = this.now();
    const { lastInsertRowid } = this.db
      .prepare(
        `INSERT INTO hosts (name, site_id, ssh_user, address, port, auth_method, jump_host_id, pinned_fingerprint, mode,
           privilege, docker_socket, tags, notes, mail_names, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        input.name,
        site.id,
        input.ssh.user,
        input.ssh.address,
        input.ssh.port,
        input.auth,
        jump?.id ?? null,
        input.pinnedFingerprint,
        input.mode,
        defaultPrivilege(input),
        input.dockerSocket,
        JSON.stringify(input.tags),
        input.notes,
        JSON.stringify(input.mailNames),
        now,
        now,
      );
    const id = Number(lastInsertRowid);
    try {
      await this.storeSecrets(id, input, []);
    } catch (error) {
      // The secret store refused (locked, wrong passphrase): undo the row so no host exists without its credentials.
      await this.forgetSecrets(id).catch(() => undefined);
      this.db.prepare('DELETE FROM hosts WHERE id = ?').run(id);
      throw error;
    }
    return this.getHost(input.name);
  }

  planHostUpdate(input: HostUpdate): BasicPlan {
    const row = this.requireHostRow(input.name);
    const host = toHost(row);
    const { set } = input;
    const target = `host ${host.name}`;
    const changes: PlannedChange[] = [];
    const change = (detail: string) => changes.push({ action: 'update', target, detail });
    if (set.name !== undefined && set.name !== host.name) {
      const other = this.hostRow(set.name);
      if (other && other.id !== row.id) throw exists('host', set.name);
      change(`name ${host.name} → ${set.name}`);
    }
    if (set.site !== undefined && set.site.toLowerCase() !== host.site.toLowerCase()) {
      this.requireSiteRow(set.site);
      change(`site ${host.site} → ${set.site}`);
    }
    if (set.ssh !== undefined && describeEndpoint({ ...host, ssh: set.ssh }) !== describeEndpoint(host)) {
      change(`SSH ${host.ssh.user}@${host.ssh.address}:${host.ssh.port} → ${set.ssh.user}@${set.ssh.address}:${set.ssh.port}`);
    }
    if (set.auth !== undefined && set.auth !== host.auth) change(`login ${host.auth} → ${set.auth}`);
    if (set.jumpHost !== undefined && (set.jumpHost ?? '').toLowerCase() !== (host.jumpHost ?? '').toLowerCase()) {
      if (set.jumpHost !== null) {
        const jump = this.requireHostRow(set.jumpHost);
        if (this.jumpChainReaches(jump.id, row.id)) {
          throw invalid(`${set.jumpHost} cannot be the jump host of ${host.name}: that would make a loop of jump hosts.`);
        }
      }
      change(`jump host ${host.jumpHost ?? 'none'} → ${set.jumpHost ?? 'none'}`);
    }
    if (set.pinnedFingerprint !== undefined && set.pinnedFingerprint !== host.pinnedFingerprint) {
      change(`pinned host key ${host.pinnedFingerprint ?? 'none'} → ${set.pinnedFingerprint ?? 'none'}`);
    }
    if (set.mode !== undefined && set.mode !== host.mode) change(`mode ${host.mode} → ${set.mode}`);
    if (set.privilege !== undefined && set.privilege !== host.privilege) change(`root commands ${host.privilege} → ${set.privilege}`);
    if (set.dockerSocket !== undefined && set.dockerSocket !== host.dockerSocket) {
      change(`Docker socket ${host.dockerSocket} → ${set.dockerSocket}`);
    }
    if (set.tags !== undefined && JSON.stringify(set.tags) !== JSON.stringify(host.tags)) {
      change(`tags [${host.tags.join(', ')}] → [${set.tags.join(', ')}]`);
    }
    if (set.notes !== undefined && set.notes !== host.notes) change('notes');
    if (set.mailNames !== undefined && JSON.stringify(set.mailNames) !== JSON.stringify(host.mailNames)) {
      change(`mail names [${host.mailNames.join(', ')}] → [${set.mailNames.join(', ')}]`);
    }
    for (const kind of providedSecrets(input)) {
      changes.push({
        action: host.storedSecrets.includes(kind) ? 'update' : 'create',
        target: `${secretLabel[kind]} of ${host.name}`,
        detail: 'replaced in the secret store',
      });
    }
    const auth = set.auth ?? host.auth;
    const secrets = [...new Set([...host.storedSecrets, ...providedSecrets(input)])];
    return plan(
      changes.length ? `Change host ${host.name}` : `Nothing to change on host ${host.name}`,
      changes,
      credentialWarnings(set.name ?? host.name, auth, secrets),
    );
  }

  async updateHost(input: HostUpdate): Promise<Host> {
    this.planHostUpdate(input);
    const row = this.requireHostRow(input.name);
    const host = toHost(row);
    const set = stripUndefined(input.set);
    const siteId = set.site !== undefined ? this.requireSiteRow(set.site).id : row.site_id;
    const jumpId =
      set.jumpHost === undefined ? row.jump_host_id : set.jumpHost === null ? null : this.requireHostRow(set.jumpHost).id;
    const ssh = set.ssh ?? host.ssh;
    await this.storeSecrets(row.id, input, host.storedSecrets);
    this.db
      .prepare(
        `UPDATE hosts SET name = ?, site_id = ?, ssh_user = ?, address = ?, port = ?, auth_method = ?, jump_host_id = ?,
           pinned_fingerprint = ?, mode = ?, privilege = ?, docker_socket = ?, tags = ?, notes = ?, mail_names = ?, updated_at = ?
         WHERE id = ?`,
      )
      .run(
        set.name ?? host.name,
        siteId,
        ssh.user,
        ssh.address,
        ssh.port,
        set.auth ?? host.auth,
        jumpId,
        set.pinnedFingerprint === undefined ? host.pinnedFingerprint : set.pinnedFingerprint,
        set.mode ?? host.mode,
        set.privilege ?? host.privilege,
        set.dockerSocket ?? host.dockerSocket,
        JSON.stringify(set.tags ?? host.tags),
        set.notes ?? host.notes,
        JSON.stringify(set.mailNames ?? host.mailNames),
        this.now(),
        row.id,
      );
    return this.getHost(set.name ?? host.name);
  }

  planHostDelete(name: string): BasicPlan {
    const row = this.requireHostRow(name);
    const dependents = (this.db.prepare(`${HOST_SELECT} WHERE h.jump_host_id = ?`).all(row.id) as HostRow[]).map((h) => h.name);
    if (dependents.length) {
      throw new CopperError(
        'IN_USE',
        `Host ${row.name} cannot be removed: ${dependents.join(', ')} ${dependents.length === 1 ? 'reaches' : 'reach'} the network through it. Change their jump host first.`,
        { dependents },
      );
    }
    const host = toHost(row);
    return plan(
      `Remove host ${host.name} from site ${host.site}`,
      [{ action: 'delete', target: `host ${host.name}`, detail: `${describeEndpoint(host)}${secretNote(host)}` }],
      ['The server itself is not touched: only the console forgets it.'],
      true,
    );
  }

  /**
   * Other capabilities keep secrets of a host under their own names (TLS keys, DKIM keys): each registers here to erase
   * them when the host is removed, since the database rows cascade away but the SecretStore does not.
   */
  onHostDelete(forget: (hostName: string) => Promise<unknown>): void {
    this.hostDeleteHooks.push(forget);
  }
  private readonly hostDeleteHooks: Array<(hostName: string) => Promise<unknown>> = [];

  async deleteHost(name: string): Promise<string> {
    this.planHostDelete(name);
    const row = this.requireHostRow(name);
    for (const forget of this.hostDeleteHooks) await forget(row.name);
    await this.forgetSecrets(row.id);
    this.db.prepare('DELETE FROM hosts WHERE id = ?').run(row.id);
    return row.name;
  }

  /** Pins (or re-pins) a host's SSH key. Only the ssh.trust command calls this, after the operator confirmed. */
  pinHostKey(name: string, fingerprint: string): Host {
    const row = this.requireHostRow(name);
    this.db.prepare('UPDATE hosts SET pinned_fingerprint = ?, updated_at = ? WHERE id = ?').run(fingerprint, this.now(), row.id);
    return this.getHost(row.name);
  }

  /** The site and host names an operation concerns, for the audit record. */
  scopeOfHost(name: string): { site: string | null; host: string | null } {
    const row = this.hostRow(name);
    return { site: row?.site_name ?? null, host: row?.name ?? name };
  }

  // ── Domains ────────────────────────────────────────────────────────────────

  listDomains(site?: string): Domain[] {
    const rows = this.db.prepare(`${DOMAIN_SELECT} ORDER BY d.name`).all() as DomainRow[];
    return rows.filter((r) => !site || r.site_name.toLowerCase() === site.toLowerCase()).map(toDomain);
  }

  planDomainCreate(input: { name: string; site: string }): BasicPlan {
    const existing = this.domainRow(input.name);
    if (existing) throw exists('domain', input.name, `it belongs to site ${existing.site_name}`);
    this.requireSiteRow(input.site);
    return plan(`Add mail domain ${input.name} to site ${input.site}`, [
      { action: 'create', target: `domain ${input.name}`, detail: `site ${input.site}` },
    ]);
  }

  createDomain(input: { name: string; site: string }): Domain {
    this.planDomainCreate(input);
    const site = this.requireSiteRow(input.site);
    this.db.prepare('INSERT INTO domains (name, site_id, created_at) VALUES (?, ?, ?)').run(input.name, site.id, this.now());
    return toDomain(this.requireDomainRow(input.name));
  }

  planDomainDelete(name: string): BasicPlan {
    const row = this.requireDomainRow(name);
    return plan(
      `Remove mail domain ${row.name} from site ${row.site_name}`,
      [{ action: 'delete', target: `domain ${row.name}`, detail: `site ${row.site_name}` }],
      ['Only the console forgets the domain; no server or DNS record is changed.'],
      true,
    );
  }

  deleteDomain(name: string): string {
    const row = this.requireDomainRow(name);
    this.db.prepare('DELETE FROM domains WHERE id = ?').run(row.id);
    return row.name;
  }

  // ── Helpers shared with the import ─────────────────────────────────────────

  siteRow(name: string): SiteRow | undefined {
    return this.db.prepare('SELECT * FROM sites WHERE name = ?').get(name) as SiteRow | undefined;
  }

  hostRow(name: string): HostRow | undefined {
    return this.db.prepare(`${HOST_SELECT} WHERE h.name = ?`).get(name) as HostRow | undefined;
  }

  domainRow(name: string): DomainRow | undefined {
    return this.db.prepare(`${DOMAIN_SELECT} WHERE d.name = ?`).get(name) as DomainRow | undefined;
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  private requireSiteRow(name: string): SiteRow {
    const row = this.siteRow(name);
    if (!row) throw notFound('site', name);
    return row;
  }

  private requireHostRow(name: string): HostRow {
    const row = this.hostRow(name);
    if (!row) throw notFound('host', name);
    return row;
  }

  private requireDomainRow(name: string): DomainRow {
    const row = this.domainRow(name);
    if (!row) throw notFound('domain', name);
    return row;
  }

  private hostRowsOfSite(siteId: number): HostRow[] {
    return this.db.prepare(`${HOST_SELECT} WHERE h.site_id = ? ORDER BY h.name`).all(siteId) as HostRow[];
  }

  /** True when following jump hosts from `startId` arrives at `targetId` (which would make a loop). */
  private jumpChainReaches(startId: number, targetId: number): boolean {
    const seen = new Set<number>();
    let current: number | null = startId;
    while (current !== null && !seen.has(current)) {
      if (current === targetId) return true;
      seen.add(current);
      const next = this.db.prepare('SELECT jump_host_id FROM hosts WHERE id = ?').get(current) as { jump_host_id: number | null } | undefined;
      current = next?.jump_host_id ?? null;
    }
    return false;
  }

  private async storeSecrets(
    hostId: number,
    input: Partial<Record<StoredSecret, string | undefined>>,
    already: StoredSecret[],
  ): Promise<void> {
    const provided = providedSecrets(input);
    if (!provided.length) return;
    for (const kind of provided) await this.secrets.set(hostSecretRef(hostId, kind), input[kind] ?? '');
    const stored = SECRET_KINDS.filter((k) => already.includes(k) || provided.includes(k));
    this.db.prepare('UPDATE hosts SET stored_secrets = ? WHERE id = ?').run(JSON.stringify(stored), hostId);
  }

  private async forgetSecrets(hostId: number): Promise<void> {
    const row = this.db.prepare('SELECT stored_secrets FROM hosts WHERE id = ?').get(hostId) as { stored_secrets: string } | undefined;
    const stored = row ? (JSON.parse(row.stored_secrets) as StoredSecret[]) : [];
    for (const kind of stored) await this.secrets.delete(hostSecretRef(hostId, kind));
  }
}

/** A root login can run root commands; any other login cannot, until the operator says it may use sudo. */
export function defaultPrivilege(input: { privilege?: Host['privilege'] | undefined; ssh: { user: string } }): Host['privilege'] {
  return input.privilege ?? (input.ssh.user === 'root' ? 'root' : 'none');
}

export function plan(summary: string, changes: PlannedChange[], warnings: string[] = [], destructive = false): BasicPlan {
  return { summary, changes, warnings, destructive };
}

function providedSecrets(input: Partial<Record<StoredSecret, string | undefined>>): StoredSecret[] {
  return SECRET_KINDS.filter((kind) => typeof input[kind] === 'string' && (input[kind] ?? '').length > 0);
}

function credentialWarnings(name: string, auth: Host['auth'], secrets: StoredSecret[]): string[] {
  if (auth === 'password' && !secrets.includes('password')) {
    return [`No password is stored for ${name}: the console cannot log in until you enter one.`];
  }
  if (auth === 'key' && !secrets.includes('privateKey')) {
    return [`No private key is stored for ${name}: the console cannot log in until you add one.`];
  }
  return [];
}

function secretNote(host: Host): string {
  return host.storedSecrets.length ? `; its ${host.storedSecrets.map((s) => secretLabel[s]).join(' and ')} will be erased` : '';
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

export function notFound(kind: string, name: string): CopperError {
  return new CopperError('NOT_FOUND', `There is no ${kind} named ${name}. Check the name with the ${kind} list.`, { kind, name });
}

function exists(kind: string, name: string, why?: string): CopperError {
  return new CopperError(
    'ALREADY_EXISTS',
    `A ${kind} named ${name} already exists${why ? ` (${why})` : ''}. Choose another name or edit the existing ${kind}.`,
    { kind, name },
  );
}

function invalid(message: string): CopperError {
  return new CopperError('INVALID_INPUT', message);
}

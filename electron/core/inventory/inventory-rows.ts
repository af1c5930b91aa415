import type { Domain, Host, Site, StoredSecret } from '../../../shared/contract';

/** Row shapes as SQLite returns them, and their mapping to the contract's types. */
export interface SiteRow {
  id: number;
  name: string;
  description: string;
  resolver: string | null;
  created_at: string;
  updated_at: string;
}

export interface HostRow {
  id: number;
  name: string;
  site_id: number;
  site_name: string;
  ssh_user: string;
  address: string;
  port: number;
  auth_method: Host['auth'];
  jump_host_id: number | null;
  jump_host_name: string | null;
  pinned_fingerprint: string | null;
  mode: Host['mode'];
  privilege: Host['privilege'];
  docker_socket: string;
  tags: string;
  notes: string;
  /** JSON array of the host's public mail names (migration 0004). */
  mail_names: string;
  stored_secrets: string;
  created_at: string;
  updated_at: string;
}

export interface DomainRow {
  id: number;
  name: string;
  site_id: number;
  site_name: string;
  created_at: string;
}

export const HOST_SELECT = `
  SELECT h.*, s.name AS site_name, j.name AS jump_host_name
  FROM hosts h JOIN sites s ON s.id = h.site_id LEFT JOIN hosts j ON j.id = h.jump_host_id`;

export const DOMAIN_SELECT = 'SELECT d.*, s.name AS site_name FROM domains d JOIN sites s ON s.id = d.site_id';

export function toSite(row: SiteRow, domains: string[], hostCount: number): Site {
  return {
    name: row.name,
    description: row.description,
    resolver: row.resolver,
    domains,
    hostCount,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toHost(row: HostRow): Host {
  return {
    name: row.name,
    site: row.site_name,
    ssh: { user: row.ssh_user, address: row.address, port: row.port },
    auth: row.auth_method,
    jumpHost: row.jump_host_name,
    pinnedFingerprint: row.pinned_fingerprint,
    mode: row.mode,
    privilege: row.privilege,
    dockerSocket: row.docker_socket,
    tags: JSON.parse(row.tags) as string[],
    notes: row.notes,
    mailNames: JSON.parse(row.mail_names) as string[],
    storedSecrets: JSON.parse(row.stored_secrets) as StoredSecret[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toDomain(row: DomainRow): Domain {
  return { name: row.name, site: row.site_name, createdAt: row.created_at };
}

export function describeEndpoint(host: Pick<Host, 'ssh' | 'auth' | 'mode'> & { privilege?: Host['privilege'] | undefined }): string {
  const root = host.privilege === 'sudo' ? ', root through sudo' : host.privilege === 'none' ? ', no root commands' : '';
  return `${host.ssh.user}@${host.ssh.address}:${host.ssh.port}, ${host.auth} login, ${host.mode} mode${root}`;
}

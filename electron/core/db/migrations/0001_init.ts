/** The first schema: inventory (sites, hosts, domains) and the hash-chained audit trail. Never edit a shipped migration. */
export const sql = `
CREATE TABLE sites (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  description TEXT NOT NULL DEFAULT '',
  resolver TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE hosts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  ssh_user TEXT NOT NULL,
  address TEXT NOT NULL,
  port INTEGER NOT NULL DEFAULT 22,
  auth_method TEXT NOT NULL CHECK (auth_method IN ('key', 'agent', 'password')),
  jump_host_id INTEGER REFERENCES hosts(id),
  pinned_fingerprint TEXT,
  mode TEXT NOT NULL CHECK (mode IN ('native', 'docker')),
  tags TEXT NOT NULL DEFAULT '[]',
  notes TEXT NOT NULL DEFAULT '',
  -- Names of the secrets held in the SecretStore for this host (never the secrets themselves).
  stored_secrets TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX hosts_site ON hosts(site_id);

CREATE TABLE domains (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  created_at TEXT NOT NULL
);
CREATE INDEX domains_site ON domains(site_id);

CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  site TEXT,
  host TEXT,
  operation TEXT NOT NULL,
  input TEXT NOT NULL,
  plan TEXT NOT NULL,
  outcome TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);

-- The newest record's seq and hash, written in the same transaction as each append, so that removing the last
-- records of the chain is detected too.
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
`;

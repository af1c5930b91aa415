/**
 * DKIM: each domain's rotation policy, each host's Rspamd layout, every key the console generated (the private key is
 * only referenced: it lives in the secret store), and the step of a rotation that was started and not finished, so a
 * console stopped midway resumes it. Never edit a shipped migration.
 */
export const sql = `
CREATE TABLE dkim_policies (
  domain_id INTEGER PRIMARY KEY REFERENCES domains(id) ON DELETE CASCADE,
  policy TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE dkim_rspamd_settings (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  settings TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE dkim_keys (
  id INTEGER PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  selector TEXT NOT NULL,
  algorithm TEXT NOT NULL CHECK (algorithm IN ('rsa2048', 'ed25519')),
  record_text TEXT NOT NULL,
  secret_ref TEXT NOT NULL,
  archive_ref TEXT,
  state TEXT NOT NULL CHECK (state IN ('prepared', 'published', 'active', 'retiring', 'retired')),
  created_at TEXT NOT NULL,
  published_at TEXT,
  activated_at TEXT,
  retiring_since TEXT,
  retired_at TEXT,
  UNIQUE (domain_id, selector)
);
CREATE INDEX dkim_keys_domain_state ON dkim_keys(domain_id, state);

CREATE TABLE dkim_pending (
  domain_id INTEGER PRIMARY KEY REFERENCES domains(id) ON DELETE CASCADE,
  step TEXT NOT NULL CHECK (step IN ('activate', 'retire')),
  key_id INTEGER NOT NULL REFERENCES dkim_keys(id) ON DELETE CASCADE,
  started_at TEXT NOT NULL
);
`;

/**
 * TLS deployments: which certificate went to which host, when, and how it ended; and per host where its services read
 * their configuration and which ports the console checks. `restore` keeps what a rollback needs (the Postfix settings
 * and include files as they were, what each port served before) and never key material: the previous key stays on the
 * server, in its backup file. Never edit a shipped migration.
 */
export const sql = `
CREATE TABLE tls_deployments (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  certificate_id TEXT REFERENCES tls_certificates(id) ON DELETE SET NULL,
  fingerprint_sha256 TEXT NOT NULL,
  names TEXT NOT NULL,
  not_after TEXT NOT NULL,
  previous_fingerprint_sha256 TEXT,
  -- writing: begun, not finished (interrupted when no deployment is running); then verified, rolled-back or
  -- rollback-failed; superseded: interrupted, and a later deployment took over from its backup.
  state TEXT NOT NULL CHECK (state IN ('writing', 'verified', 'rolled-back', 'rollback-failed', 'superseded')),
  -- How far it got: started, backed-up (the .previous files hold what was served), written, reloaded, checked. A
  -- deployment interrupted before backed-up left the served files untouched, so the next one backs them up afresh.
  step TEXT NOT NULL DEFAULT 'started' CHECK (step IN ('started', 'backed-up', 'written', 'reloaded', 'checked')),
  restore TEXT NOT NULL,
  checks TEXT NOT NULL DEFAULT '[]',
  problem TEXT,
  actor TEXT NOT NULL,
  -- The console process running it: a 'writing' deployment whose process is gone was interrupted.
  owner_pid INTEGER,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX tls_deployments_host ON tls_deployments(host_id, id);

CREATE TABLE tls_host_settings (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  settings TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;

/**
 * Provisioning: the bundle last pushed to each host (what `provision apply HOST` brings about), and every apply with
 * its steps, so an apply the console did not live to finish is seen as interrupted. No secret is ever stored here.
 * Never edit a shipped migration.
 */
export const sql = `
CREATE TABLE provision_pushed (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  pushed_at TEXT NOT NULL,
  path TEXT NOT NULL,
  staging_dir TEXT NOT NULL,
  publisher_key_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  stack_json TEXT NOT NULL
);
CREATE TABLE provision_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  actor TEXT NOT NULL,
  -- The console process that runs it: a run still marked running whose process is gone was cut off.
  pid INTEGER NOT NULL,
  stack_version TEXT NOT NULL,
  previous_version TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'applied', 'unchanged', 'rolled-back', 'failed')),
  message TEXT,
  steps TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX provision_runs_host ON provision_runs(host_id, id);
`;

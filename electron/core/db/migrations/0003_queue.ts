/**
 * Mail queues: per-host alert thresholds, the last summary of each host (badges without contacting it) and a short
 * history of queue sizes (growth per minute). Never edit a shipped migration.
 */
export const sql = `
CREATE TABLE queue_thresholds (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  thresholds TEXT NOT NULL
);

CREATE TABLE queue_last (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  as_of TEXT NOT NULL,
  summary TEXT NOT NULL
);

CREATE TABLE queue_samples (
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  taken_at TEXT NOT NULL,
  messages INTEGER NOT NULL
);
CREATE INDEX queue_samples_host_time ON queue_samples(host_id, taken_at);
`;

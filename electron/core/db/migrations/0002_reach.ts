/**
 * Reaching servers: how root-only commands run on a host, where its Docker socket is, and the last check of each host
 * (for the fleet overview's last-seen times). Never edit a shipped migration.
 */
export const sql = `
ALTER TABLE hosts ADD COLUMN privilege TEXT NOT NULL DEFAULT 'none' CHECK (privilege IN ('root', 'sudo', 'none'));
UPDATE hosts SET privilege = 'root' WHERE ssh_user = 'root';
ALTER TABLE hosts ADD COLUMN docker_socket TEXT NOT NULL DEFAULT '/var/run/docker.sock';

CREATE TABLE host_checks (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  checked_at TEXT NOT NULL,
  result TEXT NOT NULL
);
`;

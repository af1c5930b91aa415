/**
 * Publisher keys the operator trusts for offline bundles, besides the release key shipped in resources/keys. Public
 * keys only: a private key never enters the console. Never edit a shipped migration.
 */
export const sql = `
CREATE TABLE provision_publisher_keys (
  key_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  public_key_pem TEXT NOT NULL,
  added_at TEXT NOT NULL,
  added_by TEXT NOT NULL
);
`;

/**
 * TLS certificates: the authorities the console runs or trusts, and each host's certificates and pending requests.
 * Certificates and requests are public and live here; private keys never do: `key_ref` only names the secret in the
 * SecretStore. Never edit a shipped migration.
 */
export const sql = `
CREATE TABLE tls_authorities (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  -- NULL: trusted for (or issuing to) every site.
  site_id INTEGER REFERENCES sites(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('internal', 'external')),
  certificate_pem TEXT NOT NULL,
  fingerprint_sha256 TEXT NOT NULL,
  -- The SecretStore reference of an internal CA's key; NULL for an external CA, whose key the console never holds.
  key_ref TEXT,
  permitted_domains TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL
);

CREATE TABLE tls_certificates (
  id TEXT PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  source TEXT NOT NULL CHECK (source IN ('request', 'import', 'internal-ca')),
  -- awaiting-certificate, ready; deployment adds its own states.
  state TEXT NOT NULL,
  names TEXT NOT NULL,
  key_ref TEXT,
  spki_sha256 TEXT NOT NULL,
  csr_pem TEXT,
  chain_pem TEXT,
  fingerprint_sha256 TEXT,
  not_after TEXT,
  authority_id INTEGER REFERENCES tls_authorities(id) ON DELETE SET NULL,
  findings TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX tls_certificates_host ON tls_certificates(host_id, state);
CREATE INDEX tls_certificates_spki ON tls_certificates(spki_sha256);
`;

/**
 * DNS: the public mail names of each host (the names MX records point to and TLS certificates must cover), each mail
 * domain's DNS policy (MX hosts, SPF, DMARC, MTA-STS, TLS-RPT, DANE) and the last check of its records, for the
 * domains overview. Never edit a shipped migration.
 */
export const sql = `
ALTER TABLE hosts ADD COLUMN mail_names TEXT NOT NULL DEFAULT '[]';

CREATE TABLE dns_policies (
  domain_id INTEGER PRIMARY KEY REFERENCES domains(id) ON DELETE CASCADE,
  policy TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE dns_last_checks (
  domain_id INTEGER PRIMARY KEY REFERENCES domains(id) ON DELETE CASCADE,
  checked_at TEXT NOT NULL,
  result TEXT NOT NULL
);
`;

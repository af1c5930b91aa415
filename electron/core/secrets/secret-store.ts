import type { SecretStoreStatus } from '../../../shared/contract';

/**
 * Where every secret lives: SSH passwords and key passphrases, private keys, LDAP bind and service passwords.
 * Implementations: the passphrase vault file (CLI, browser shell) and the OS keychain via Electron's safeStorage
 * (desktop). Nothing else in the console may write a secret anywhere: not SQLite, not logs, not the audit trail.
 */
export interface SecretStore {
  status(): SecretStoreStatus;
  get(ref: string): Promise<string | undefined>;
  set(ref: string, value: string): Promise<void>;
  delete(ref: string): Promise<void>;
}

/** Secret references name what a secret belongs to, e.g. `host/42/password`. Ids, not names, so renames keep them. */
export const hostSecretRef = (hostId: number, kind: string): string => `host/${hostId}/${kind}`;

import { DkimPolicy, RspamdSettings, DEFAULT_DKIM_POLICY, DEFAULT_RSPAMD_SETTINGS, type DkimAlgorithm, type DkimKey, type DkimKeyState } from '../../../shared/contract';
import type { Db } from '../db/database';

export interface KeyRow {
  id: number;
  domain_id: number;
  selector: string;
  algorithm: DkimAlgorithm;
  record_text: string;
  secret_ref: string;
  archive_ref: string | null;
  state: DkimKeyState;
  created_at: string;
  published_at: string | null;
  activated_at: string | null;
  retiring_since: string | null;
  retired_at: string | null;
}

export interface PendingRow {
  domain_id: number;
  step: 'activate' | 'retire';
  key_id: number;
  started_at: string;
}

/** The DKIM tables. Every write is one statement or one transaction, so the database is never half-way between states. */
export class DkimStore {
  constructor(private readonly db: Db) {}

  keys(domainId: number): KeyRow[] {
    return this.db.prepare('SELECT * FROM dkim_keys WHERE domain_id = ? ORDER BY id').all(domainId) as KeyRow[];
  }

  key(id: number): KeyRow | undefined {
    return this.db.prepare('SELECT * FROM dkim_keys WHERE id = ?').get(id) as KeyRow | undefined;
  }

  insertPrepared(row: { domainId: number; selector: string; algorithm: DkimAlgorithm; recordText: string; secretRef: string; createdAt: string }): void {
    this.db
      .prepare("INSERT INTO dkim_keys (domain_id, selector, algorithm, record_text, secret_ref, state, created_at) VALUES (?, ?, ?, ?, ?, 'prepared', ?)")
      .run(row.domainId, row.selector, row.algorithm, row.recordText, row.secretRef, row.createdAt);
  }

  markPublished(id: number, at: string): void {
    this.db.prepare("UPDATE dkim_keys SET state = 'published', published_at = ? WHERE id = ? AND state = 'prepared'").run(at, id);
  }

  /** A published key whose record is gone again goes back to prepared: it must be verified before anything signs with it. */
  markUnpublished(id: number): void {
    this.db.prepare("UPDATE dkim_keys SET state = 'prepared', published_at = NULL WHERE id = ? AND state = 'published'").run(id);
  }

  pending(domainId: number): PendingRow | undefined {
    return this.db.prepare('SELECT * FROM dkim_pending WHERE domain_id = ?').get(domainId) as PendingRow | undefined;
  }

  /** Written before the first remote change of a step, so a console stopped midway knows to finish it. */
  beginPending(domainId: number, step: PendingRow['step'], keyId: number, at: string): void {
    this.db
      .prepare('INSERT INTO dkim_pending (domain_id, step, key_id, started_at) VALUES (?, ?, ?, ?) ON CONFLICT(domain_id) DO NOTHING')
      .run(domainId, step, keyId, at);
  }

  clearPending(domainId: number): void {
    this.db.prepare('DELETE FROM dkim_pending WHERE domain_id = ?').run(domainId);
  }

  /** The new key signs, the previous one (if any) starts its grace period, the step is done: one transaction. */
  commitActivation(domainId: number, keyId: number, at: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE dkim_keys SET state = 'retiring', retiring_since = ? WHERE domain_id = ? AND state = 'active'").run(at, domainId);
      this.db.prepare("UPDATE dkim_keys SET state = 'active', activated_at = ? WHERE id = ?").run(at, keyId);
      this.db.prepare('DELETE FROM dkim_pending WHERE domain_id = ?').run(domainId);
    })();
  }

  setArchive(id: number, ref: string): void {
    this.db.prepare('UPDATE dkim_keys SET archive_ref = ? WHERE id = ?').run(ref, id);
  }

  commitRetirement(domainId: number, keyId: number, at: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE dkim_keys SET state = 'retired', retired_at = ? WHERE id = ?").run(at, keyId);
      this.db.prepare('DELETE FROM dkim_pending WHERE domain_id = ?').run(domainId);
    })();
  }

  policy(domainId: number): { policy: DkimPolicy; isDefault: boolean } {
    const row = this.db.prepare('SELECT policy FROM dkim_policies WHERE domain_id = ?').get(domainId) as { policy: string } | undefined;
    const parsed = row ? DkimPolicy.safeParse(JSON.parse(row.policy)) : undefined;
    return parsed?.success ? { policy: parsed.data, isDefault: false } : { policy: DEFAULT_DKIM_POLICY, isDefault: true };
  }

  setPolicy(domainId: number, policy: DkimPolicy | null, at: string): void {
    if (policy === null) this.db.prepare('DELETE FROM dkim_policies WHERE domain_id = ?').run(domainId);
    else {
      this.db
        .prepare('INSERT INTO dkim_policies (domain_id, policy, updated_at) VALUES (?, ?, ?) ON CONFLICT(domain_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at')
        .run(domainId, JSON.stringify(policy), at);
    }
  }

  rspamd(hostId: number): { settings: RspamdSettings; isDefault: boolean } {
    const row = this.db.prepare('SELECT settings FROM dkim_rspamd_settings WHERE host_id = ?').get(hostId) as { settings: string } | undefined;
    const parsed = row ? RspamdSettings.safeParse(JSON.parse(row.settings)) : undefined;
    return parsed?.success ? { settings: parsed.data, isDefault: false } : { settings: DEFAULT_RSPAMD_SETTINGS, isDefault: true };
  }

  setRspamd(hostId: number, settings: RspamdSettings | null, at: string): void {
    if (settings === null) this.db.prepare('DELETE FROM dkim_rspamd_settings WHERE host_id = ?').run(hostId);
    else {
      this.db
        .prepare('INSERT INTO dkim_rspamd_settings (host_id, settings, updated_at) VALUES (?, ?, ?) ON CONFLICT(host_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at')
        .run(hostId, JSON.stringify(settings), at);
    }
  }
}

export function keyView(row: KeyRow, domain: string): DkimKey {
  return {
    selector: row.selector,
    algorithm: row.algorithm,
    state: row.state,
    recordName: `${row.selector}._domainkey.${domain}`,
    recordText: row.record_text,
    createdAt: row.created_at,
    publishedAt: row.published_at,
    activatedAt: row.activated_at,
    retiringSince: row.retiring_since,
    retiredAt: row.retired_at,
  };
}

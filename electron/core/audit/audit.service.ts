import type { AuditOutcome, AuditRecord, AuditVerdict, Progress } from '../../../shared/contract';
import type { Db } from '../db/database';
import type { Clock } from '../app/clock';
import { GENESIS_HASH, recordHash } from './audit-chain';

export interface AuditEntry {
  actor: string;
  site: string | null;
  host: string | null;
  operation: string;
  /** Already redacted: the audit service stores what it is given. */
  input: unknown;
  plan: unknown;
  outcome: AuditOutcome;
}

interface Row {
  seq: number;
  time: string;
  actor: string;
  site: string | null;
  host: string | null;
  operation: string;
  input: string;
  plan: string;
  outcome: string;
  prev_hash: string;
  hash: string;
}

/** Appends to and verifies the tamper-evident audit trail. Records are only ever appended, never changed. */
export class AuditService {
  private readonly listeners = new Set<(record: AuditRecord) => void>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  append(entry: AuditEntry): AuditRecord {
    const record = this.db.transaction((): AuditRecord => {
      const head = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as
        | { seq: number; hash: string }
        | undefined;
      const fields = {
        seq: (head?.seq ?? 0) + 1,
        time: this.clock.now().toISOString(),
        actor: entry.actor,
        site: entry.site,
        host: entry.host,
        operation: entry.operation,
        // Round-trip through JSON so the stored, hashed and returned forms are the same value.
        input: jsonValue(entry.input),
        plan: jsonValue(entry.plan),
        outcome: jsonValue(entry.outcome) as AuditOutcome,
        prevHash: head?.hash ?? GENESIS_HASH,
      };
      const hash = recordHash(fields);
      this.db
        .prepare(
          `INSERT INTO audit (seq, time, actor, site, host, operation, input, plan, outcome, prev_hash, hash)
           VALUES (@seq, @time, @actor, @site, @host, @operation, @input, @plan, @outcome, @prevHash, @hash)`,
        )
        .run({
          ...fields,
          input: JSON.stringify(fields.input),
          plan: JSON.stringify(fields.plan),
          outcome: JSON.stringify(fields.outcome),
          hash,
        });
      this.db
        .prepare('INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash')
        .run(fields.seq, hash);
      return { ...fields, hash };
    })();
    for (const listener of this.listeners) listener(record);
    return record;
  }

  onAppend(listener: (record: AuditRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(options: { limit: number; beforeSeq?: number | undefined; search?: string | undefined }): {
    records: AuditRecord[];
    total: number;
  } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: options.limit };
    if (options.beforeSeq !== undefined) {
      where.push('seq < @beforeSeq');
      params.beforeSeq = options.beforeSeq;
    }
    if (options.search) {
      where.push(`(operation LIKE @search ESCAPE '\\' OR actor LIKE @search ESCAPE '\\' OR site LIKE @search ESCAPE '\\'
        OR host LIKE @search ESCAPE '\\' OR input LIKE @search ESCAPE '\\' OR outcome LIKE @search ESCAPE '\\')`);
      params.search = `%${escapeLike(options.search)}%`;
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db.prepare(`SELECT * FROM audit ${clause} ORDER BY seq DESC LIMIT @limit`).all(params) as Row[];
    const { total } = this.db.prepare(`SELECT count(*) AS total FROM audit ${clause}`).get(params) as { total: number };
    return { records: rows.map(toRecord), total };
  }

  /** Walks the whole chain in order and names the first record that does not fit. */
  verify(options: { signal?: AbortSignal; onProgress?: (progress: Progress) => void } = {}): AuditVerdict {
    const { count } = this.db.prepare('SELECT count(*) AS count FROM audit').get() as { count: number };
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    const bad = (seq: number, reason: string): AuditVerdict => ({ intact: false, count, firstBad: { seq, reason } });
    for (const row of this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<Row>) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (row.seq !== expectedSeq) {
        return bad(
          expectedSeq,
          row.seq > expectedSeq
            ? `Record ${expectedSeq} is missing: the chain jumps from ${expectedSeq - 1} to ${row.seq} (a record was deleted).`
            : `Record ${row.seq} appears out of order.`,
        );
      }
      let record: AuditRecord;
      try {
        record = toRecord(row);
      } catch {
        return bad(row.seq, `Record ${row.seq} is not valid JSON (it was edited outside the console).`);
      }
      if (record.prevHash !== prevHash) {
        return bad(row.seq, `Record ${row.seq} does not follow record ${row.seq - 1}: its previous-hash link is broken (records were inserted, deleted or reordered).`);
      }
      if (recordHash(record) !== record.hash) {
        return bad(row.seq, `Record ${row.seq} was changed after it was written: its content no longer matches its hash.`);
      }
      prevHash = record.hash;
      expectedSeq += 1;
      if (expectedSeq % 500 === 0) {
        options.onProgress?.({ step: 'verify', done: expectedSeq - 1, total: count, message: `Checked ${expectedSeq - 1} of ${count} records` });
      }
    }
    const head = this.db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as
      | { seq: number; hash: string }
      | undefined;
    const lastSeq = expectedSeq - 1;
    if (head && (head.seq !== lastSeq || head.hash !== prevHash)) {
      return bad(
        Math.min(head.seq, lastSeq + 1),
        head.seq > lastSeq
          ? `The trail ends at record ${lastSeq} but record ${head.seq} was written: records ${lastSeq + 1}–${head.seq} were deleted.`
          : `The last record (${lastSeq}) is not the one the console last wrote (${head.seq}).`,
      );
    }
    if (!head && lastSeq > 0) return bad(1, 'The audit head marker is missing: the trail was altered outside the console.');
    options.onProgress?.({ step: 'verify', done: lastSeq, total: count, message: `Checked ${lastSeq} records` });
    return { intact: true, count, firstBad: null };
  }
}

function toRecord(row: Row): AuditRecord {
  return {
    seq: row.seq,
    time: row.time,
    actor: row.actor,
    site: row.site,
    host: row.host,
    operation: row.operation,
    input: JSON.parse(row.input) as unknown,
    plan: JSON.parse(row.plan) as unknown,
    outcome: JSON.parse(row.outcome) as AuditOutcome,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function jsonValue(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { openDatabase, type Db } from '../db/database';
import { AuditService } from './audit.service';

let db: Db;
let audit: AuditService;

beforeEach(() => {
  db = openDatabase(':memory:');
  audit = new AuditService(db, { now: () => new Date('2026-11-20T10:00:00Z') });
  for (let i = 1; i <= 5; i++) {
    audit.append({
      actor: 'alice@cli',
      site: 'hq',
      host: `mx${i}`,
      operation: 'inventory.hosts.create',
      input: { name: `mx${i}` },
      plan: { summary: `Add host mx${i}` },
      outcome: { status: 'succeeded' },
    });
  }
});
afterEach(() => db.close());

test('an untouched trail verifies intact with its record count', () => {
  assert.deepEqual(audit.verify(), { intact: true, count: 5, firstBad: null });
});

test('an edited record is named as the first bad one', () => {
  db.prepare(`UPDATE audit SET input = '{"name":"evil"}' WHERE seq = 3`).run();
  const verdict = audit.verify();
  assert.equal(verdict.intact, false);
  assert.equal(verdict.firstBad?.seq, 3);
  assert.match(verdict.firstBad?.reason ?? '', /changed after it was written/);
});

test('a deleted record in the middle is detected at its place', () => {
  db.prepare('DELETE FROM audit WHERE seq = 2').run();
  assert.equal(audit.verify().firstBad?.seq, 2);
  assert.match(audit.verify().firstBad?.reason ?? '', /missing/);
});

test('deleting the newest records is detected through the head marker', () => {
  db.prepare('DELETE FROM audit WHERE seq >= 4').run();
  const verdict = audit.verify();
  assert.equal(verdict.intact, false);
  assert.equal(verdict.firstBad?.seq, 4);
  assert.match(verdict.firstBad?.reason ?? '', /deleted/);
});

test('an inserted record breaks the chain where it was inserted', () => {
  db.transaction(() => {
    // Shift records 3..5 up by one (descending, so the primary key never collides), then forge a record 3.
    for (const seq of [5, 4, 3]) db.prepare('UPDATE audit SET seq = seq + 1 WHERE seq = ?').run(seq);
    const two = db.prepare('SELECT hash FROM audit WHERE seq = 2').get() as { hash: string };
    db.prepare(
      `INSERT INTO audit (seq, time, actor, site, host, operation, input, plan, outcome, prev_hash, hash)
       VALUES (3, '2026-11-20T10:00:00.000Z', 'mallory', NULL, NULL, 'x', '{}', '{}', '{"status":"succeeded"}', ?, ?)`,
    ).run(two.hash, 'f'.repeat(64));
  })();
  const verdict = audit.verify();
  assert.equal(verdict.intact, false);
  assert.equal(verdict.firstBad?.seq, 3);
});

test('two records swapped are detected as reordered', () => {
  const rows = db.prepare('SELECT * FROM audit WHERE seq IN (2, 3) ORDER BY seq').all() as Array<Record<string, unknown>>;
  db.transaction(() => {
    db.prepare('DELETE FROM audit WHERE seq IN (2, 3)').run();
    const insert = db.prepare(
      'INSERT INTO audit (seq, time, actor, site, host, operation, input, plan, outcome, prev_hash, hash) VALUES (@seq, @time, @actor, @site, @host, @operation, @input, @plan, @outcome, @prev_hash, @hash)',
    );
    insert.run({ ...rows[1], seq: 2 });
    insert.run({ ...rows[0], seq: 3 });
  })();
  assert.equal(audit.verify().firstBad?.seq, 2);
});

test('lists newest first, pages with beforeSeq and searches', () => {
  const page = audit.list({ limit: 2 });
  assert.deepEqual(page.records.map((r) => r.seq), [5, 4]);
  assert.equal(page.total, 5);
  assert.deepEqual(audit.list({ limit: 10, beforeSeq: 3 }).records.map((r) => r.seq), [2, 1]);
  assert.deepEqual(audit.list({ limit: 10, search: 'mx4' }).records.map((r) => r.seq), [4]);
  assert.equal(audit.list({ limit: 10, search: '100%_' }).total, 0, 'LIKE wildcards in the search are taken literally');
});

test('verify honours cancellation', () => {
  const controller = new AbortController();
  controller.abort(new Error('stop'));
  assert.throws(() => audit.verify({ signal: controller.signal }), /stop/);
});

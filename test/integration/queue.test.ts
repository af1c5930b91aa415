import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { type QueueListItem, type QueueSummary } from '../../shared/contract';
import { confirmAndRun, tempCore, type TempCore } from '../support/temp-core';
import { lab, readKey, type Lab } from '../support/lab';
import { runCopper } from '../support/run-copper';
import { holdQueueLock } from '../../scripts/lab/queue-lock.mjs';
import { clearQueue, postfixStart, postfixStop, postqueueRecords, postsuper, queueOf, settled, submit, type OracleRecord } from '../support/postfix';
import { rejection } from '../support/rejection';

const PASSPHRASE = 'test-passphrase-1';

/** Ten messages with one to three recipients in three domains, one of them held. */
async function fillSmallQueue(): Promise<OracleRecord[]> {
  for (let i = 0; i < 10; i++) {
    const recipients = [`user${i}@alpha.example`, ...(i % 2 ? [`other${i}@beta.example`] : []), ...(i % 3 === 0 ? [`third${i}@gamma.example`] : [])];
    submit(`sender${i % 3}@origin${i % 2}.example`, recipients, `message ${i}`);
  }
  const records = await settled(10);
  const first = records[0];
  assert.ok(first);
  postsuper('-h', [first.queue_id]);
  return settled(10);
}

async function listAll(t: TempCore, host: string, filter = {}): Promise<QueueListItem[]> {
  const page = await t.client.query('queue.list', { host, filter, fresh: true, limit: 5000 });
  assert.equal(page.items.length, page.matched);
  return page.items;
}

function expectSameAsOracle(items: QueueListItem[], records: OracleRecord[]): void {
  const mine = items.map((m) => [m.id, m.queue, m.size, m.sender, m.recipients.map((r) => [r.address, r.reason])]).sort();
  const theirs = records
    .map((r) => [r.queue_id, r.queue_name, r.message_size, r.sender, r.recipients.map((x) => [x.address, x.delay_reason ?? null])])
    .sort();
  assert.deepEqual(mine, theirs);
}

describe('mail queues against the lab Postfix', () => {
  let t: TempCore;
  let l: Lab;
  let releaseQueue: () => void = () => {};

  before(async () => {
    releaseQueue = await holdQueueLock('test/integration/queue.test.ts');
    l = lab();
    t = tempCore(PASSPHRASE);
    await confirmAndRun(t.client, 'inventory.sites.create', { name: 'lab' });
    const ssh = (user: string) => ({ user, address: '127.0.0.1', port: l.ssh.port });
    await confirmAndRun(t.client, 'inventory.hosts.create', {
      name: 'mx',
      site: 'lab',
      ssh: ssh(l.users.sudo.name),
      auth: 'key',
      privateKey: readKey(l.users.sudo.privateKey),
      privilege: 'sudo',
      pinnedFingerprint: l.ssh.hostKeyFingerprint,
    });
    await confirmAndRun(t.client, 'inventory.hosts.create', {
      name: 'mx-docker',
      site: 'lab',
      ssh: ssh(l.users.key.name),
      auth: 'key',
      privateKey: readKey(l.users.key.privateKey),
      mode: 'docker',
      dockerSocket: l.docker.socket,
      pinnedFingerprint: l.ssh.hostKeyFingerprint,
    });
  });
  after(() => {
    clearQueue();
    t.close();
    releaseQueue();
  });
  beforeEach(() => clearQueue());
  afterEach(() => postfixStart());

  test('summary and list match postqueue -j exactly: every ID, queue and recipient', async () => {
    const records = await fillSmallQueue();
    const summary = await t.client.task('queue.summary', { host: 'mx' });
    assert.equal(summary.messages, records.length);
    assert.equal(summary.recipients, records.reduce((n, r) => n + r.recipients.length, 0));
    assert.equal(summary.bytes, records.reduce((n, r) => n + r.message_size, 0));
    assert.equal(summary.queues.find((q) => q.queue === 'hold')?.messages, 1);
    assert.equal(summary.queues.find((q) => q.queue === 'deferred')?.messages, 9);
    assert.equal(summary.recipientDomains.rows.find((r) => r.domain === 'alpha.example')?.total, 10);
    assert.deepEqual(summary.reasons.map((r) => r.cause), ['connect to [host]:port: Connection refused']);
    assert.equal(summary.reasons[0]?.category, 'connection');
    expectSameAsOracle(await listAll(t, 'mx'), records);
  });

  test('docker mode reads the same queue inside the Postfix container', async () => {
    const records = await fillSmallQueue();
    expectSameAsOracle(await listAll(t, 'mx-docker'), records);
    const summary = await t.client.task('queue.summary', { host: 'mx-docker' });
    assert.equal(summary.messages, records.length);
  });

  test('filters, sorts and pages the listing', async () => {
    const records = await fillSmallQueue();
    const beta = await listAll(t, 'mx', { recipient: '*@beta.example' });
    assert.deepEqual(beta.map((m) => m.id).sort(), records.filter((r) => r.recipients.some((x) => x.address.endsWith('@beta.example'))).map((r) => r.queue_id).sort());
    assert.equal((await listAll(t, 'mx', { queues: ['hold'] })).length, 1);
    assert.equal((await listAll(t, 'mx', { reason: 'connection REFUSED' })).length, 10, 'a held message keeps its deferral reason');
    assert.equal((await listAll(t, 'mx', { reason: 'mailbox full' })).length, 0);
    const page = await t.client.query('queue.list', { host: 'mx', sort: { field: 'size', direction: 'desc' }, offset: 2, limit: 3 });
    const bySize = records.map((r) => r.message_size).sort((a, b) => b - a);
    assert.deepEqual(page.items.map((m) => m.size), bySize.slice(2, 5));
    assert.equal(page.total, 10);
  });

  test('export hands over every matching message in parts while the queue is read, and keeps none', async () => {
    const records = await fillSmallQueue();
    const parts: QueueListItem[][] = [];
    const all = await t.client.task('queue.export', { host: 'mx' }, { onPart: (part) => parts.push(part.items) });
    assert.equal(all.total, records.length);
    assert.equal(all.matched, records.length);
    expectSameAsOracle(parts.flat(), records);
    const beta: QueueListItem[] = [];
    const filtered = await t.client.task('queue.export', { host: 'mx', filter: { recipient: '*@beta.example' } }, { onPart: (part) => beta.push(...part.items) });
    const expected = records.filter((r) => r.recipients.some((x) => x.address.endsWith('@beta.example'))).map((r) => r.queue_id);
    assert.equal(filtered.matched, expected.length);
    assert.deepEqual(beta.map((m) => m.id).sort(), expected.sort());
  });

  test('holds exactly the confirmed messages, reports requested vs affected, and audits the IDs', async () => {
    const records = await fillSmallQueue();
    const chosen = records.filter((r) => r.queue_name === 'deferred').slice(0, 3).map((r) => r.queue_id);
    const input = { host: 'mx', select: { by: 'ids', ids: chosen } } as const;
    const { plan, planHash } = await t.client.plan('queue.hold', input);
    assert.equal(plan.matched, 3);
    assert.equal(plan.destructive, false);
    assert.deepEqual(plan.sample.map((m) => m.id), [...chosen].sort());
    const result = await t.client.execute('queue.hold', input, planHash);
    assert.deepEqual([result.requested, result.affected, result.notAffected], [3, 3, []]);
    assert.match(result.postsuperReport, /Placed on hold: 3 messages/);
    const after = queueOf(postqueueRecords());
    for (const record of records) {
      const expected = chosen.includes(record.queue_id) ? 'hold' : record.queue_name;
      assert.equal(after.get(record.queue_id), expected, record.queue_id);
    }
    const audit = await t.client.query('audit.list', { search: 'queue.hold' });
    const entry = audit.records.find((r) => r.operation === 'queue.hold');
    assert.deepEqual((entry?.outcome as { result?: { ids?: string[] } }).result?.ids, [...chosen].sort());
    assert.deepEqual((entry?.input as { select: unknown }).select, { by: 'ids', ids: chosen });
  });

  test('releases by filter and deletes only after a destructive confirmation', async () => {
    const records = await fillSmallQueue();
    const released = await confirmAndRun<{ requested: number; affected: number }>(t.client, 'queue.release', { host: 'mx', select: { by: 'filter', filter: { queues: ['hold'] } } });
    assert.deepEqual([released.requested, released.affected], [1, 1]);
    assert.ok(postqueueRecords().every((r) => r.queue_name !== 'hold'));

    const doomed = records.filter((r) => r.sender.startsWith('sender1@')).map((r) => r.queue_id);
    const input = { host: 'mx', select: { by: 'filter', filter: { sender: 'sender1@*' } } } as const;
    const { plan } = await t.client.plan('queue.delete', input);
    assert.equal(plan.destructive, true);
    assert.equal(plan.matched, doomed.length);
    assert.ok(plan.warnings.some((w) => /gone for good/.test(w)));
    const deleted = await confirmAndRun<{ requested: number; affected: number }>(t.client, 'queue.delete', input);
    assert.deepEqual([deleted.requested, deleted.affected], [doomed.length, doomed.length]);
    const left = postqueueRecords().map((r) => r.queue_id).sort();
    assert.deepEqual(left, records.map((r) => r.queue_id).filter((id) => !doomed.includes(id)).sort());
  });

  test('requeues: the message is processed afresh under a new queue ID', async () => {
    const records = await fillSmallQueue();
    const id = records.find((r) => r.queue_name === 'deferred')?.queue_id ?? '';
    const result = await confirmAndRun<{ requested: number; affected: number }>(t.client, 'queue.requeue', { host: 'mx', select: { by: 'ids', ids: [id] } });
    assert.deepEqual([result.requested, result.affected], [1, 1]);
    const after = await settled(10);
    assert.ok(!after.some((r) => r.queue_id === id), 'the old ID is gone');
  });

  test('a message that vanishes between plan and execute: refused with the new plan, nothing acted on', async () => {
    const records = await fillSmallQueue();
    const [a, b] = records.filter((r) => r.queue_name === 'deferred').map((r) => r.queue_id);
    assert.ok(a && b);
    const input = { host: 'mx', select: { by: 'ids' as const, ids: [a, b] } };
    const { planHash } = await t.client.plan('queue.hold', input);
    postsuper('-d', [b]);
    const refused = await rejection(t.client.execute('queue.hold', input, planHash));
    assert.equal(refused.code, 'PLAN_CHANGED');
    const fresh = (refused.details as { plan: { matched: number; missing: number } }).plan;
    assert.deepEqual([fresh.matched, fresh.missing], [1, 1]);
    assert.equal(queueOf(postqueueRecords()).get(a), 'deferred', 'nothing was held');
    const result = await confirmAndRun<{ requested: number; affected: number }>(t.client, 'queue.hold', input);
    assert.deepEqual([result.requested, result.affected], [1, 1]);
    assert.equal(queueOf(postqueueRecords()).get(a), 'hold');
  });

  test('an ID list of 50,000 acts on exactly the IDs that exist', async () => {
    const records = await fillSmallQueue();
    const real = records.filter((r) => r.queue_name === 'deferred').slice(0, 4).map((r) => r.queue_id);
    const ids = [...real, ...Array.from({ length: 50_000 - real.length }, (_, i) => `FFFF${i.toString(16).toUpperCase().padStart(7, '0')}`)];
    const input = { host: 'mx', select: { by: 'ids', ids } } as const;
    const { plan } = await t.client.plan('queue.delete', input);
    assert.deepEqual([plan.matched, plan.missing], [4, 49_996]);
    const result = await confirmAndRun<{ requested: number; affected: number }>(t.client, 'queue.delete', input);
    assert.deepEqual([result.requested, result.affected], [4, 4]);
    assert.equal(postqueueRecords().length, 6);
  });

  test('shows a message from postcat as text, and says when it is gone', async () => {
    const records = await fillSmallQueue();
    const id = records[3]?.queue_id ?? '';
    const shown = await t.client.query('queue.show', { host: 'mx', id });
    assert.equal(shown.id, id);
    assert.match(shown.headers.find((h) => h.name === 'Subject')?.value ?? '', /^message \d$/);
    assert.match(shown.bodyPreview, /Body of message \d\./);
    postsuper('-d', [id]);
    assert.equal((await rejection(t.client.query('queue.show', { host: 'mx', id }))).code, 'NOT_FOUND');
  });

  test('with Postfix stopped, reading says so plainly and nothing is acted on', async () => {
    await fillSmallQueue();
    postfixStop();
    const error = await rejection(t.client.task('queue.summary', { host: 'mx' }));
    assert.equal(error.code, 'POSTFIX_UNAVAILABLE');
    assert.match(error.message, /not running on mx/);
    assert.equal((await rejection(t.client.plan('queue.delete', { host: 'mx', select: { by: 'filter', filter: {} } }))).code, 'POSTFIX_UNAVAILABLE');
    await postfixStart();
    assert.equal(postqueueRecords().length, 10);
  });

  test('a listing cut off by a dropped connection is an error, never a partial queue', async () => {
    for (let i = 0; i < 3000; i++) submit(`bulk${i % 7}@origin.example`, [`r${i}@alpha.example`], `bulk ${i}`);
    await settled(3000, 180_000);
    let killed = false;
    const error = await rejection(
      t.client.task('queue.summary', { host: 'mx' }, {
        onProgress: () => {
          if (killed) return;
          killed = true;
          // The server side of this session dies mid-stream, as when a network link drops.
          spawnSync('pkill', ['-KILL', '-f', `sshd: ${l.users.sudo.name}`]);
        },
      }),
    );
    assert.ok(killed, 'the read reported progress before it ended');
    assert.ok(['QUEUE_READ_INCOMPLETE', 'CONNECTION_LOST'].includes(error.code), `${error.code}: ${error.message}`);
    const again = await t.client.task('queue.summary', { host: 'mx' });
    assert.equal(again.messages, 3000, 'the next read reconnects and reads everything');
  });

  test('alerts follow the host’s thresholds and are kept for badges', async () => {
    await fillSmallQueue();
    await confirmAndRun(t.client, 'queue.setThresholds', { host: 'mx', thresholds: { totalBytes: 10 ** 9, deferredMessages: 5, growthPerMinute: 1000, oldestAgeSeconds: 86400 } });
    const summary: QueueSummary = await t.client.task('queue.summary', { host: 'mx' });
    assert.deepEqual(summary.alerts.map((a) => a.kind), ['deferredMessages']);
    const last = (await t.client.query('queue.last', {})).find((s) => s.host === 'mx');
    assert.deepEqual(last?.summary?.alerts.map((a) => a.kind), ['deferredMessages']);
    const restored = await confirmAndRun<{ isDefault: boolean }>(t.client, 'queue.setThresholds', { host: 'mx', thresholds: null });
    assert.equal(restored.isDefault, true);
  });

  test('the fleet read summarises every host and lists across them', async () => {
    const records = await fillSmallQueue();
    const fleet = await t.client.task('queue.fleet', { concurrency: 2 });
    assert.deepEqual(fleet.hosts.map((h) => [h.host, h.summary?.messages, h.error]), [
      ['mx', 10, null],
      ['mx-docker', 10, null],
    ]);
    assert.equal(fleet.fleet.messages, 20, 'both hosts read the same lab queue');
    const page = await t.client.query('queue.list', { limit: 5000 });
    assert.equal(page.matched, 20);
    assert.deepEqual(new Set(page.items.map((m) => m.host)), new Set(['mx', 'mx-docker']));
    assert.equal(records.length, 10);
  });

  test('the CLI lists as JSON, refuses an unconfirmed action without a terminal, and acts with --yes', async () => {
    const records = await fillSmallQueue();
    const copper = (args: string[], input?: string) =>
      runCopper(['--data-dir', t.dir, ...args], { env: { COPPER_PASSPHRASE: PASSPHRASE }, ...(input !== undefined ? { input } : {}) });
    const listed = await copper(['--json', 'queue', 'list', 'mx']);
    assert.equal(listed.code, 0, listed.stderr);
    const items = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(items[0] ?? {}), ['id', 'queue', 'arrivalTime', 'size', 'sender', 'recipients']);
    expectSameAsOracle(items.map((m) => ({ ...(m as unknown as QueueListItem), host: 'mx' })), records);

    const target = records.find((r) => r.queue_name === 'deferred')?.queue_id ?? '';
    const refused = await copper(['queue', 'hold', 'mx', '--id', target]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stdout, /Hold 1 message on mx/);
    assert.equal(queueOf(postqueueRecords()).get(target), 'deferred');

    const dry = await copper(['queue', 'delete', 'mx', '--ids-from', '-', '--dry-run'], `${target}\n`);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Dry run/);

    const held = await copper(['queue', 'hold', 'mx', '--id', target, '--yes']);
    assert.equal(held.code, 0, held.stderr);
    assert.match(held.stdout, /requested 1, affected 1/);
    assert.equal(queueOf(postqueueRecords()).get(target), 'hold');

    const bySize = await copper(['--json', 'queue', 'list', 'mx', '--sort', 'size', '--desc', '--limit', '3']);
    assert.equal(bySize.code, 0, bySize.stderr);
    const sizes = records.map((r) => r.message_size).sort((a, b) => b - a).slice(0, 3);
    assert.deepEqual((JSON.parse(bySize.stdout) as QueueListItem[]).map((m) => m.size), sizes);
    const two = await copper(['--json', 'queue', 'list', 'mx', '--limit', '2']);
    assert.equal(two.code, 0, two.stderr);
    assert.equal((JSON.parse(two.stdout) as unknown[]).length, 2, 'stops at the limit and ends the JSON array');

    const summary = await copper(['queue', 'summary', 'mx']);
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, /Messages\s+10 /);
    const bad = await copper(['queue', 'list', 'mx', '--older-than', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /duration/);
  });
});

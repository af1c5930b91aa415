import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { CopperError } from '../../../shared/contract';
import { confirmAndRun, tempCore, type TempCore } from '../../../test/support/temp-core';

let t: TempCore;
beforeEach(() => {
  t = tempCore();
});
afterEach(() => t.close());

const code = (expected: string) => (error: unknown) => error instanceof CopperError && error.code === expected;

test('a command is refused without the hash of a confirmed plan, and nothing is recorded', async () => {
  await assert.rejects(t.client.execute('inventory.sites.create', { name: 'hq' }, '0'.repeat(64)), code('PLAN_CHANGED'));
  assert.equal((await t.client.query('inventory.sites.list', {})).length, 0);
  assert.equal((await t.client.query('audit.list', {})).total, 0);
});

test('a plan confirmed before the situation changed is refused with the new plan', async () => {
  await confirmAndRun(t.client, 'inventory.sites.create', { name: 'hq' });
  await confirmAndRun(t.client, 'inventory.hosts.create', { name: 'mx1', site: 'hq', ssh: { user: 'a', address: 'b' }, auth: 'agent' });
  const { planHash } = await t.client.plan('inventory.sites.delete', { name: 'hq' });
  await confirmAndRun(t.client, 'inventory.hosts.create', { name: 'mx2', site: 'hq', ssh: { user: 'a', address: 'c' }, auth: 'agent' });
  await assert.rejects(t.client.execute('inventory.sites.delete', { name: 'hq' }, planHash), (error: unknown) => {
    assert.ok(error instanceof CopperError && error.code === 'PLAN_CHANGED');
    const details = error.details as { plan: { changes: Array<{ target: string }> } };
    assert.ok(details.plan.changes.some((c) => c.target === 'host mx2'), 'the new plan names the host added meanwhile');
    return true;
  });
  assert.equal((await t.client.query('inventory.hosts.list', {})).length, 2);
});

test('every executed command is audited with its plan, and secrets are redacted', async () => {
  await confirmAndRun(t.client, 'inventory.sites.create', { name: 'hq' });
  await confirmAndRun(t.client, 'inventory.hosts.create', {
    name: 'mx1',
    site: 'hq',
    ssh: { user: 'root', address: '10.0.0.5' },
    auth: 'password',
    password: 'top-secret-password',
  });
  const { records } = await t.client.query('audit.list', {});
  assert.deepEqual(records.map((r) => r.operation), ['inventory.hosts.create', 'inventory.sites.create']);
  const hostRecord = records[0];
  assert.equal((hostRecord?.input as { password: string }).password, '[redacted]');
  assert.equal(hostRecord?.actor, 'tester@test');
  assert.equal(hostRecord?.host, 'mx1');
  assert.equal(hostRecord?.site, 'hq');
  assert.ok(!JSON.stringify(records).includes('top-secret-password'));
});

test('a command that fails while executing is audited as failed with its error code', async () => {
  const weak = tempCore('short'); // the vault refuses to be created with this passphrase, so storing the password fails
  try {
    await confirmAndRun(weak.client, 'inventory.sites.create', { name: 'hq' });
    const input = { name: 'mx1', site: 'hq', ssh: { user: 'root', address: '10.0.0.5' }, auth: 'password', password: 'pw-123' };
    await assert.rejects(confirmAndRun(weak.client, 'inventory.hosts.create', input), code('INVALID_INPUT'));
    const [last] = (await weak.client.query('audit.list', {})).records;
    assert.equal(last?.operation, 'inventory.hosts.create');
    assert.equal(last?.outcome.status, 'failed');
    assert.equal(last?.outcome.code, 'INVALID_INPUT');
    assert.ok(!JSON.stringify(last).includes('pw-123'));
  } finally {
    weak.close();
  }
});

test('queries reject malformed input with INVALID_INPUT naming the field', async () => {
  await assert.rejects(t.client.query('audit.list', { limit: -5 } as never), (error: unknown) => {
    assert.ok(error instanceof CopperError && error.code === 'INVALID_INPUT');
    assert.match(error.message, /limit/);
    return true;
  });
});

test('an unknown operation and a command run without planning are refused', async () => {
  await assert.rejects(t.client.query('no.such.thing' as never, {} as never), code('UNKNOWN_OPERATION'));
  await assert.rejects(t.client.query('inventory.sites.create' as never, { name: 'x' } as never), code('INVALID_INPUT'));
});

test('a task reports progress and can be cancelled', async () => {
  await confirmAndRun(t.client, 'inventory.sites.create', { name: 'hq' });
  const progress: string[] = [];
  const verdict = await t.client.task('audit.verify', {}, { onProgress: (p) => progress.push(p.message) });
  assert.equal(verdict.intact, true);
  assert.ok(progress.length >= 1);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(t.client.task('audit.verify', {}, { signal: controller.signal }), code('CANCELLED'));
});

test('events announce inventory changes and new audit records', async () => {
  const seen: string[] = [];
  const stopA = t.client.subscribe('inventory.changed', {}, (p) => seen.push(`changed:${p.operation}`));
  const stopB = t.client.subscribe('audit.appended', {}, (r) => seen.push(`audit:${r.seq}`));
  await new Promise((resolve) => setTimeout(resolve, 10));
  await confirmAndRun(t.client, 'inventory.sites.create', { name: 'hq' });
  await new Promise((resolve) => setTimeout(resolve, 10));
  stopA();
  stopB();
  assert.deepEqual(seen.sort(), ['audit:1', 'changed:inventory.sites.create']);
});

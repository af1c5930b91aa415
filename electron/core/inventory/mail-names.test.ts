import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { CopperError, type Host } from '../../../shared/contract';
import { confirmAndRun, tempCore, type TempCore } from '../../../test/support/temp-core';

let t: TempCore;
beforeEach(async () => {
  t = tempCore();
  await confirmAndRun(t.client, 'inventory.sites.create', { name: 'hq' });
});
afterEach(() => t.close());

const addHost = (name: string, extra: object = {}) =>
  confirmAndRun<Host>(t.client, 'inventory.hosts.create', { name, site: 'hq', ssh: { user: 'copper', address: '10.0.0.5' }, auth: 'agent', ...extra });

test('a host keeps its public mail names: none by default, set on add, replaced on edit, planned in words', async () => {
  assert.deepEqual((await addHost('relay')).mailNames, []);
  const mx1 = await addHost('mx1', { mailNames: ['MX1.Example.org', 'smtp.example.org'] });
  assert.deepEqual(mx1.mailNames, ['mx1.example.org', 'smtp.example.org'], 'lower-cased as DNS names are');
  const { plan } = await t.client.plan('inventory.hosts.update', { name: 'mx1', set: { mailNames: ['mx1.example.org'] } });
  assert.deepEqual(plan.changes.map((c) => c.detail), ['mail names [mx1.example.org, smtp.example.org] → [mx1.example.org]']);
  await confirmAndRun(t.client, 'inventory.hosts.update', { name: 'mx1', set: { mailNames: ['mx1.example.org'] } });
  assert.deepEqual((await t.client.query('inventory.hosts.get', { name: 'mx1' })).mailNames, ['mx1.example.org']);
  assert.equal((await t.client.query('inventory.hosts.list', { search: 'mx1.example' })).length, 1, 'search finds hosts by mail name');
});

test('mail names must be DNS names, each once', async () => {
  const invalid = (error: unknown) => error instanceof CopperError && error.code === 'INVALID_INPUT';
  await assert.rejects(addHost('mx1', { mailNames: ['not a name'] }), invalid);
  await assert.rejects(addHost('mx1', { mailNames: ['mx1.example.org', 'MX1.example.org'] }), invalid);
});

test('mail names travel in inventory exports and imports', async () => {
  await addHost('mx1', { mailNames: ['mx1.example.org'] });
  const document = await t.client.query('inventory.export', {});
  assert.deepEqual(document.hosts[0]?.mailNames, ['mx1.example.org']);

  const other = tempCore();
  try {
    await confirmAndRun(other.client, 'inventory.import', { document });
    assert.deepEqual((await other.client.query('inventory.hosts.get', { name: 'mx1' })).mailNames, ['mx1.example.org']);
    const changed = { ...document, hosts: document.hosts.map((h) => ({ ...h, mailNames: ['mx.example.org'] })) };
    const { plan } = await other.client.plan('inventory.import', { document: changed });
    assert.equal(plan.counts.hostsUpdated, 1, 'a change of mail names is an update');
    await confirmAndRun(other.client, 'inventory.import', { document: changed });
    assert.deepEqual((await other.client.query('inventory.hosts.get', { name: 'mx1' })).mailNames, ['mx.example.org']);
    // A document written before mail names existed still imports, with none.
    const older = { ...document, hosts: document.hosts.map(({ mailNames: _mailNames, ...h }) => ({ ...h, name: 'mx2' })) };
    await confirmAndRun(other.client, 'inventory.import', { document: older });
    assert.deepEqual((await other.client.query('inventory.hosts.get', { name: 'mx2' })).mailNames, []);
  } finally {
    other.close();
  }
});

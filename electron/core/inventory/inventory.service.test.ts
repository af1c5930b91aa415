import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { CopperError, type Host, type Site } from '../../../shared/contract';
import { confirmAndRun, tempCore, type TempCore } from '../../../test/support/temp-core';

let t: TempCore;
beforeEach(() => {
  t = tempCore();
});
afterEach(() => t.close());

const code = (expected: string) => (error: unknown) => error instanceof CopperError && error.code === expected;
const addSite = (name: string, extra: object = {}) => confirmAndRun<Site>(t.client, 'inventory.sites.create', { name, ...extra });
const addHost = (name: string, extra: object = {}) =>
  confirmAndRun<Host>(t.client, 'inventory.hosts.create', {
    name,
    site: 'hq',
    ssh: { user: 'copper', address: '10.0.0.5', port: 22 },
    auth: 'agent',
    ...extra,
  });

test('creates, edits and lists sites, hosts and domains', async () => {
  await addSite('hq', { resolver: '10.0.0.53:5353', description: 'Headquarters' });
  await confirmAndRun(t.client, 'inventory.domains.create', { name: 'Mail.Example.ORG', site: 'hq' });
  await addHost('mx1', { tags: ['prod'], mode: 'docker' });
  await confirmAndRun(t.client, 'inventory.hosts.update', { name: 'mx1', set: { name: 'mx-1', ssh: { user: 'root', address: 'mx1.example.org', port: 2222 } } });
  const [site] = await t.client.query('inventory.sites.list', {});
  assert.equal(site?.resolver, '10.0.0.53:5353');
  assert.deepEqual(site?.domains, ['mail.example.org']);
  assert.equal(site?.hostCount, 1);
  const host = await t.client.query('inventory.hosts.get', { name: 'MX-1' });
  assert.deepEqual(host.ssh, { user: 'root', address: 'mx1.example.org', port: 2222 });
  assert.deepEqual(host.tags, ['prod']);
  assert.equal(host.mode, 'docker');
  assert.equal((await t.client.query('inventory.hosts.list', { search: 'example.org' })).length, 1);
  assert.equal((await t.client.query('inventory.hosts.list', { tag: 'test' })).length, 0);
});

test('refuses duplicate names, unknown sites and malformed input with stable codes', async () => {
  await addSite('hq');
  await assert.rejects(addSite('HQ'), code('ALREADY_EXISTS'));
  await assert.rejects(addHost('mx1', { site: 'nowhere' }), code('NOT_FOUND'));
  await assert.rejects(addSite('bad name!'), code('INVALID_INPUT'));
  await assert.rejects(addSite('dc2', { resolver: 'dns.example.org' }), code('INVALID_INPUT'));
  await assert.rejects(addHost('mx1', { ssh: { user: 'root', address: '10.0.0.5', port: 70000 } }), code('INVALID_INPUT'));
});

test('refuses jump-host loops and removing a host others jump through', async () => {
  await addSite('hq');
  await addHost('bastion');
  await addHost('mx1', { jumpHost: 'bastion' });
  await assert.rejects(
    confirmAndRun(t.client, 'inventory.hosts.update', { name: 'bastion', set: { jumpHost: 'mx1' } }),
    code('INVALID_INPUT'),
  );
  await assert.rejects(confirmAndRun(t.client, 'inventory.hosts.delete', { name: 'bastion' }), code('IN_USE'));
});

test('deleting a site plans every host and domain that goes with it, and erases their secrets', async () => {
  await addSite('hq');
  await confirmAndRun(t.client, 'inventory.domains.create', { name: 'example.org', site: 'hq' });
  await addHost('mx1', { auth: 'password', password: 'pw-of-mx1' });
  const { plan } = await t.client.plan('inventory.sites.delete', { name: 'hq' });
  assert.equal(plan.destructive, true);
  assert.deepEqual(
    plan.changes.map((c) => `${c.action} ${c.target}`),
    ['delete site hq', 'delete host mx1', 'delete domain example.org'],
  );
  assert.match(plan.changes[1]?.detail ?? '', /login password will be erased/);
  await confirmAndRun(t.client, 'inventory.sites.delete', { name: 'hq' });
  assert.equal(await t.vault.get('host/1/password'), undefined);
  assert.deepEqual(await t.client.query('inventory.hosts.list', {}), []);
});

test('keeps host secrets in the vault only, and reports which are held', async () => {
  await addSite('hq');
  const host = await addHost('mx1', { auth: 'key', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n', keyPassphrase: 'kp-123' });
  assert.deepEqual(host.storedSecrets, ['privateKey', 'keyPassphrase']);
  assert.equal(await t.vault.get('host/1/keyPassphrase'), 'kp-123');
  const row = t.core.db.prepare('SELECT * FROM hosts').get();
  assert.ok(!JSON.stringify(row).includes('kp-123'));
});

test('a host is not created when the vault refuses its secret', async () => {
  const locked = tempCore('short');
  try {
    await confirmAndRun(locked.client, 'inventory.sites.create', { name: 'hq' });
    await assert.rejects(
      confirmAndRun(locked.client, 'inventory.hosts.create', {
        name: 'mx1',
        site: 'hq',
        ssh: { user: 'root', address: '10.0.0.5' },
        auth: 'password',
        password: 'x',
      }),
      code('INVALID_INPUT'),
    );
    assert.deepEqual(await locked.client.query('inventory.hosts.list', {}), []);
  } finally {
    locked.close();
  }
});

test('export then import into an empty inventory reproduces it; a second import changes nothing', async () => {
  await addSite('hq', { resolver: '10.0.0.53' });
  await confirmAndRun(t.client, 'inventory.domains.create', { name: 'example.org', site: 'hq' });
  await addHost('bastion', { auth: 'password', password: 'never-exported' });
  await addHost('mx1', { jumpHost: 'bastion', pinnedFingerprint: `SHA256:${'A'.repeat(43)}` });
  const document = await t.client.query('inventory.export', {});
  assert.ok(!JSON.stringify(document).includes('never-exported'));

  const other = tempCore();
  try {
    const { plan } = await other.client.plan('inventory.import', { document });
    assert.deepEqual(plan.counts, { sitesCreated: 1, sitesUpdated: 0, hostsCreated: 2, hostsUpdated: 0, domainsCreated: 1, unchanged: 0 });
    assert.deepEqual(plan.secretsNeeded, ['bastion']);
    await confirmAndRun(other.client, 'inventory.import', { document });
    const mx1 = await other.client.query('inventory.hosts.get', { name: 'mx1' });
    assert.equal(mx1.jumpHost, 'bastion');
    assert.equal(mx1.pinnedFingerprint, `SHA256:${'A'.repeat(43)}`);
    const again = await other.client.plan('inventory.import', { document });
    assert.equal(again.plan.changes.length, 0);
    assert.equal(again.plan.counts.unchanged, 4);
  } finally {
    other.close();
  }
});

test('an invalid import names every problem and changes nothing', async () => {
  await addSite('hq');
  const document = {
    format: 'copper-inventory',
    version: 1,
    exportedAt: new Date().toISOString(),
    sites: [{ name: 'dc2' }],
    hosts: [
      { name: 'a', site: 'nowhere', ssh: { user: 'root', address: '10.0.0.1' }, auth: 'agent' },
      { name: 'b', site: 'dc2', ssh: { user: 'root', address: '10.0.0.2' }, auth: 'agent', jumpHost: 'ghost' },
    ],
  };
  await assert.rejects(t.client.plan('inventory.import', { document }), (error: unknown) => {
    assert.ok(error instanceof CopperError);
    assert.equal(error.code, 'IMPORT_INVALID');
    const problems = (error.details as { problems: string[] }).problems;
    assert.equal(problems.length, 2);
    assert.match(problems.join(' '), /nowhere/);
    assert.match(problems.join(' '), /ghost/);
    return true;
  });
  await assert.rejects(t.client.plan('inventory.import', { document: { format: 'something else' } }), code('IMPORT_INVALID'));
  assert.equal((await t.client.query('inventory.sites.list', {})).length, 1);
});

import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { CopperError } from '../../../shared/contract';
import { confirmAndRun, tempCore, type TempCore } from '../../../test/support/temp-core';

let t: TempCore;
beforeEach(async () => {
  t = tempCore();
  await confirmAndRun(t.client, 'inventory.sites.create', { name: 'hq' });
  await confirmAndRun(t.client, 'inventory.domains.create', { name: 'example.org', site: 'hq' });
  for (const [name, mailNames] of [['mx2', ['mx2.example.org']], ['mx1', ['mx1.example.org']], ['relay', []]] as const) {
    await confirmAndRun(t.client, 'inventory.hosts.create', { name, site: 'hq', ssh: { user: 'copper', address: '10.0.0.5' }, auth: 'agent', mailNames });
  }
});
afterEach(() => t.close());

const code = (expected: string) => (error: unknown) => error instanceof CopperError && error.code === expected;

test('the default policy follows the site’s hosts until the operator changes it', async () => {
  const first = await t.client.query('dns.policy', { domain: 'example.org' });
  assert.equal(first.isDefault, true);
  assert.deepEqual(first.policy.mx, [
    { host: 'mx1', preference: 10 },
    { host: 'mx2', preference: 20 },
  ]);
  await confirmAndRun(t.client, 'inventory.hosts.update', { name: 'relay', set: { mailNames: ['relay.example.org'] } });
  assert.equal((await t.client.query('dns.policy', { domain: 'example.org' })).policy.mx.length, 3);

  const policy = { ...first.policy, mx: [{ host: 'mx1', preference: 5 }], dane: false };
  const saved = await confirmAndRun<{ isDefault: boolean }>(t.client, 'dns.setPolicy', { domain: 'example.org', policy });
  assert.equal(saved.isDefault, false);
  const zone = await t.client.query('dns.zone', { domain: 'example.org' });
  assert.deepEqual(zone.records.find((r) => r.kind === 'mx')?.values, ['5 mx1.example.org.']);
  assert.match(zone.zone, /^example\.org\. +3600 IN MX {3}5 mx1\.example\.org\.$/m);

  const back = await confirmAndRun<{ isDefault: boolean }>(t.client, 'dns.setPolicy', { domain: 'example.org', policy: null });
  assert.equal(back.isDefault, true);
});

test('a policy naming a host outside the site, or a host twice, is refused', async () => {
  const { policy } = await t.client.query('dns.policy', { domain: 'example.org' });
  await assert.rejects(t.client.plan('dns.setPolicy', { domain: 'example.org', policy: { ...policy, mx: [{ host: 'elsewhere', preference: 10 }] } }), code('INVALID_INPUT'));
  await assert.rejects(
    t.client.plan('dns.setPolicy', { domain: 'example.org', policy: { ...policy, mx: [{ host: 'mx1', preference: 10 }, { host: 'MX1', preference: 20 }] } }),
    code('INVALID_INPUT'),
  );
  await assert.rejects(t.client.plan('dns.setPolicy', { domain: 'example.org', policy: { ...policy, dmarc: { policy: 'reject', rua: 'a@b.example; p=none' } } }), code('INVALID_INPUT'));
});

test('a site without a resolver cannot be checked: the error says how to set one', async () => {
  await assert.rejects(t.client.task('dns.check', { domain: 'example.org' }), (error: unknown) => {
    assert.ok(error instanceof CopperError);
    assert.equal(error.code, 'DNS_RESOLVER_MISSING');
    assert.match(error.message, /copper site edit hq --resolver IP\[:PORT\]/);
    return true;
  });
  assert.deepEqual(await t.client.query('dns.domains', {}), [{ domain: 'example.org', site: 'hq', resolver: null, lastCheck: null }]);
});

test('removing a domain removes its stored policy', async () => {
  const { policy } = await t.client.query('dns.policy', { domain: 'example.org' });
  await confirmAndRun(t.client, 'dns.setPolicy', { domain: 'example.org', policy: { ...policy, dane: false } });
  await confirmAndRun(t.client, 'inventory.domains.delete', { name: 'example.org' });
  await confirmAndRun(t.client, 'inventory.domains.create', { name: 'example.org', site: 'hq' });
  assert.equal((await t.client.query('dns.policy', { domain: 'example.org' })).isDefault, true);
  await assert.rejects(t.client.query('dns.policy', { domain: 'nowhere.example' }), code('NOT_FOUND'));
});

test('the zone fragment also shows the MTA-STS policy file its record announces', async () => {
  const zone = await t.client.query('dns.zone', { domain: 'example.org' });
  const tail = zone.zone.slice(zone.zone.indexOf('; The MTA-STS policy'));
  assert.match(tail, /https:\/\/mta-sts\.example\.org\/\.well-known\/mta-sts\.txt/);
  assert.deepEqual(
    tail.split('\n').slice(1, 6),
    [';   version: STSv1', ';   mode: testing', ';   mx: mx1.example.org', ';   mx: mx2.example.org', ';   max_age: 604800'],
  );
});

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openDatabase } from '../db/database';
import { findReleaseKeysDir, PublisherKeys } from './publisher-keys';

const clock = { now: () => new Date('2026-11-21T00:00:00Z') };
const newPem = () => String(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));

describe('publisher keys', () => {
  test('lists the shipped release key, adds and removes operator keys, and trusts exactly those', () => {
    const db = openDatabase(':memory:');
    const keys = new PublisherKeys(db, clock);
    const [release] = keys.list();
    assert.equal(release?.origin, 'release');
    const pem = newPem();
    const plan = keys.planAdd('regional IT', pem);
    assert.equal(plan.changes[0]?.action, 'create');
    const added = keys.add('regional IT', pem, 'tester@test');
    assert.equal(added.keyId, plan.keyId);
    assert.deepEqual(keys.trusted().map((key) => key.keyId), [release?.keyId, added.keyId]);
    assert.throws(() => keys.planAdd('again', pem), { code: 'ALREADY_EXISTS' });
    assert.throws(() => keys.planRemove(release?.keyId ?? ''), { code: 'INVALID_INPUT' });
    keys.remove(added.keyId);
    assert.equal(keys.list().length, 1);
    assert.throws(() => keys.planRemove(added.keyId), { code: 'NOT_FOUND' });
    db.close();
  });

  test('reads every *.pub.pem of the release folder it is given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'copper-release-keys-'));
    try {
      writeFileSync(join(dir, 'a.pub.pem'), newPem());
      writeFileSync(join(dir, 'b.pub.pem'), newPem());
      writeFileSync(join(dir, 'README'), 'not a key');
      const keys = new PublisherKeys(openDatabase(':memory:'), clock, dir);
      assert.deepEqual(keys.list().map((key) => key.name), ['release (a)', 'release (b)']);
      assert.ok(findReleaseKeysDir()?.endsWith(join('resources', 'keys')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

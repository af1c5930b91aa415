import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { runCopper } from '../support/run-copper';

const PASSPHRASE = 'integration-passphrase-1';
const fresh = () => mkdtempSync(join(tmpdir(), 'copper-cli-'));

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

describe('copper CLI', () => {
  let home: string;
  const copper = (args: string[], input?: string, env: NodeJS.ProcessEnv = {}) =>
    runCopper(['--data-dir', home, ...args], { env: { COPPER_PASSPHRASE: PASSPHRASE, ...env }, ...(input !== undefined ? { input } : {}) });

  before(() => {
    home = fresh();
  });

  test('adds a site and hosts, lists them as JSON, and verifies the audit trail', async () => {
    assert.equal((await copper(['site', 'add', 'hq', '--resolver', '10.0.0.53:5353'])).code, 0);
    const added = await copper(['host', 'add', 'mx1', '--site', 'hq', '--ssh', 'copper@127.0.0.1:2222', '--password-stdin', '--tag', 'prod'], 'pw-mx1-secret\n');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /create host mx1/);
    assert.equal((await copper(['host', 'add', 'mx2', '--site', 'hq', '--ssh', 'root@[fd00::5]:22', '--jump', 'mx1', '--mode', 'docker'])).code, 0);
    const listed = await copper(['--json', 'host', 'list']);
    assert.equal(listed.code, 0);
    const hosts = JSON.parse(listed.stdout) as Array<{ name: string; ssh: { address: string; port: number }; auth: string; jumpHost: string | null; mode: string }>;
    assert.deepEqual(
      hosts.map((h) => [h.name, h.ssh.address, h.ssh.port, h.auth, h.jumpHost, h.mode]),
      [
        ['mx1', '127.0.0.1', 2222, 'password', null, 'native'],
        ['mx2', 'fd00::5', 22, 'agent', 'mx1', 'docker'],
      ],
    );
    const verified = await copper(['audit', 'verify']);
    assert.equal(verified.code, 0);
    assert.match(verified.stdout, /intact: 3 records/);
  });

  test('refuses a destructive command without --yes when there is no terminal, and changes nothing', async () => {
    const refused = await copper(['host', 'remove', 'mx2']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--yes/);
    assert.match(refused.stdout, /delete host mx2/, 'the plan was shown');
    assert.equal(JSON.parse((await copper(['--json', 'host', 'list'])).stdout).length, 2);
    const removed = await copper(['host', 'remove', 'mx2', '--yes']);
    assert.equal(removed.code, 0);
    assert.equal(JSON.parse((await copper(['--json', 'host', 'list'])).stdout).length, 1);
  });

  test('reports usage errors with exit code 2', async () => {
    assert.equal((await copper(['host', 'add', 'mx9'])).code, 2, 'missing --site and --ssh');
    assert.equal((await copper(['no-such-command'])).code, 2);
    const badSsh = await copper(['host', 'add', 'mx9', '--site', 'hq', '--ssh', 'nouser']);
    assert.equal(badSsh.code, 2);
    assert.match(badSsh.stderr, /USER@HOST/);
    const json = await copper(['--json', 'site', 'add', 'bad name']);
    assert.equal(json.code, 2);
    assert.equal(JSON.parse(json.stdout).error.code, 'INVALID_INPUT');
  });

  test('a wrong vault passphrase is refused clearly and loses nothing', async () => {
    const wrong = await copper(['host', 'edit', 'mx1', '--password-stdin'], 'new-password\n', { COPPER_PASSPHRASE: 'not-the-passphrase' });
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /passphrase is wrong/);
    const locked = await copper(['host', 'edit', 'mx1', '--password-stdin'], 'new-password\n', { COPPER_PASSPHRASE: '' });
    assert.equal(locked.code, 1);
    assert.match(locked.stderr, /COPPER_PASSPHRASE/);
    assert.equal((await copper(['audit', 'verify'])).code, 0);
  });

  test('a secret given to host add cannot be found in any file under the data folder', async () => {
    const keyFile = join(fresh(), 'id_ed25519');
    const keyBody = 'b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0UNIQUEKEYMATERIAL42';
    writeFileSync(keyFile, `-----BEGIN OPENSSH PRIVATE KEY-----\n${keyBody}\n-----END OPENSSH PRIVATE KEY-----\n`, { mode: 0o600 });
    const added = await copper(['host', 'add', 'mx3', '--site', 'hq', '--ssh', 'root@10.0.0.7', '--identity', keyFile, '--password-stdin'], 'key-passphrase-XYZZY\n');
    assert.equal(added.code, 0, added.stderr);
    await copper(['audit', 'list']);
    const needles = ['pw-mx1-secret', 'key-passphrase-XYZZY', keyBody, 'UNIQUEKEYMATERIAL'];
    const files = allFiles(home);
    assert.ok(files.some((f) => f.endsWith('vault.bin')), 'the vault exists');
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const needle of needles) {
        assert.ok(!bytes.includes(Buffer.from(needle)), `${needle} found in ${file}`);
        assert.ok(!bytes.includes(Buffer.from(needle, 'utf16le')), `${needle} (UTF-16) found in ${file}`);
      }
    }
    const shown = await copper(['--json', 'host', 'show', 'mx3']);
    assert.deepEqual(JSON.parse(shown.stdout).storedSecrets, ['privateKey', 'keyPassphrase']);
  });

  test('exports and re-imports the inventory; a dry run changes nothing', async () => {
    const file = join(fresh(), 'inventory.json');
    assert.equal((await copper(['inventory', 'export', file])).code, 0);
    const otherHome = fresh();
    const other = (args: string[]) => runCopper(['--data-dir', otherHome, ...args], { env: { COPPER_PASSPHRASE: PASSPHRASE } });
    const dry = await other(['inventory', 'import', file, '--dry-run']);
    assert.equal(dry.code, 0);
    assert.match(dry.stdout, /Dry run/);
    assert.equal(JSON.parse((await other(['--json', 'host', 'list'])).stdout).length, 0);
    assert.equal((await other(['inventory', 'import', file])).code, 0);
    assert.deepEqual(JSON.parse((await other(['--json', 'host', 'list'])).stdout).map((h: { name: string }) => h.name), ['mx1', 'mx3']);
    writeFileSync(file, '{"format":"copper-inventory","version":1,"sites":"nope"}');
    const bad = await other(['inventory', 'import', file]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a valid Copper inventory/);
  });

  test('audit verify exits 3 and names the first bad record after the database is edited', async () => {
    const db = new Database(join(home, 'copper.db'));
    db.prepare(`UPDATE audit SET actor = 'someone-else' WHERE seq = 2`).run();
    db.close();
    const verdict = await copper(['audit', 'verify']);
    assert.equal(verdict.code, 3);
    assert.match(verdict.stderr, /record 2/);
    const json = await copper(['--json', 'audit', 'verify']);
    assert.equal(json.code, 3);
    assert.equal(JSON.parse(json.stdout).firstBad.seq, 2);
  });

  test('COPPER_HOME chooses the data folder when --data-dir is not given', async () => {
    const viaEnv = fresh();
    const run = await runCopper(['site', 'add', 'envsite'], { env: { COPPER_HOME: viaEnv } });
    assert.equal(run.code, 0);
    assert.ok(readdirSync(viaEnv).includes('copper.db'));
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lab } from '../support/lab';
import { repoRoot, runCopper } from '../support/run-copper';

/*
 * Offline bundles against the lab's Docker engine: scripts/build-bundle.mjs saves the lab's busybox image with
 * `docker save`, writes the manifest and signs it with a test key made here (never the release key); then the real
 * `copper bundle verify` checks it, and each way a bundle can be bad is a copy of the good one, damaged on disk.
 */

const PASSPHRASE = 'bundle-test-passphrase';
let work: string;
let home: string;
let good: string;
let testKey: string;

const copper = (args: string[]) => runCopper(['--data-dir', home, ...args], { env: { COPPER_PASSPHRASE: PASSPHRASE } });

function buildScript(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-bundle.mjs'), ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh copy of the good bundle to damage. */
function copyOfGood(name: string): string {
  const dir = join(work, name);
  cpSync(good, dir, { recursive: true });
  return dir;
}

const imageTar = (bundle: string) => {
  const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as { images: Array<{ file: string }> };
  return join(bundle, ...(manifest.images[0]?.file ?? '').split('/'));
};

async function expectRefusal(path: string, code: string): Promise<{ message: string }> {
  const run = await copper(['--json', 'bundle', 'verify', path]);
  assert.equal(run.code, 3, `exit code (stdout ${run.stdout}, stderr ${run.stderr})`);
  const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string } };
  assert.equal(error.code, code, error.message);
  return error;
}

describe('offline bundles (lab Docker engine)', () => {
  before(async () => {
    const { docker } = lab();
    assert.ok(docker.socket, 'lab.json names the Docker socket');
    work = mkdtempSync(join(tmpdir(), 'copper-bundle-it-'));
    home = join(work, 'home');
    testKey = join(work, 'keys', 'test-publisher.pem');
    const keygen = buildScript(['--keygen', testKey]);
    assert.equal(keygen.status, 0, keygen.stderr);
    good = join(work, 'good');
    const built = buildScript(['--lab', '--key', testKey, '--out', good, '--tar']);
    assert.equal(built.status, 0, built.stderr);
    const added = await copper(['bundle', 'keys', 'add', 'lab test publisher', `${testKey}.pub.pem`, '--yes']);
    assert.equal(added.code, 0, added.stderr);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('a bundle built from a lab image verifies, as a folder and as a tar, and names the image ID docker reports', async () => {
    const { docker } = lab();
    const expectedId = spawnSync('docker', ['-H', `unix://${docker.socket}`, 'image', 'inspect', '--format', '{{.Id}}', docker.image], { encoding: 'utf8' }).stdout.trim();
    for (const path of [good, `${good}.tar`]) {
      const run = await copper(['--json', 'bundle', 'verify', path]);
      assert.equal(run.code, 0, run.stderr || run.stdout);
      const verdict = JSON.parse(run.stdout) as { ok: boolean; manifest: { images: Array<{ imageId: string; tags: string[] }> }; stack: { services: Record<string, { image: { id: string } }> }; publisher: { name: string } };
      assert.equal(verdict.ok, true);
      assert.equal(verdict.manifest.images[0]?.imageId, expectedId);
      assert.equal(verdict.stack.services.web?.image.id, expectedId);
      assert.equal(verdict.publisher.name, 'lab test publisher');
    }
    const human = await copper(['bundle', 'verify', good]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /Bundle OK: copper-lab 0\.0\.1-test/);
  });

  test('refuses a tampered image tar (bytes flipped inside a layer) with exit 3', async () => {
    const bundle = copyOfGood('tampered');
    const file = imageTar(bundle);
    const fd = openSync(file, 'r+');
    const byte = Buffer.alloc(1);
    const at = Math.floor(statSync(file).size / 2);
    readSync(fd, byte, 0, 1, at);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    writeSync(fd, byte, 0, 1, at);
    closeSync(fd);
    const error = await expectRefusal(bundle, 'BUNDLE_DIGEST_MISMATCH');
    assert.match(error.message, /images\/.*\.tar/);
  });

  test('refuses a truncated image tar', async () => {
    const bundle = copyOfGood('truncated');
    const file = imageTar(bundle);
    truncateSync(file, statSync(file).size - 4096);
    const error = await expectRefusal(bundle, 'BUNDLE_DIGEST_MISMATCH');
    assert.match(error.message, /truncated/);
  });

  test('refuses a truncated bundle tar', async () => {
    const tar = join(work, 'cut.tar');
    cpSync(`${good}.tar`, tar);
    truncateSync(tar, Math.floor(statSync(tar).size / 2));
    const run = await copper(['--json', 'bundle', 'verify', tar]);
    assert.equal(run.code, 3, run.stdout);
    assert.match((JSON.parse(run.stdout) as { error: { code: string } }).error.code, /^BUNDLE_(MALFORMED|DIGEST_MISMATCH)$/);
  });

  test('refuses a manifest signed by an unknown key, naming the key', async () => {
    const bundle = join(work, 'stranger');
    const strangerKey = join(work, 'keys', 'stranger.pem');
    assert.equal(buildScript(['--keygen', strangerKey]).status, 0);
    const built = buildScript(['--lab', '--key', strangerKey, '--out', bundle]);
    assert.equal(built.status, 0, built.stderr);
    const strangerId = (JSON.parse(built.stdout) as { publisherKeyId: string }).publisherKeyId;
    const error = await expectRefusal(bundle, 'BUNDLE_UNKNOWN_PUBLISHER');
    assert.ok(error.message.includes(strangerId), error.message);
  });

  test('refuses a manifest edited after signing', async () => {
    const bundle = copyOfGood('edited');
    const manifest = readFileSync(join(bundle, 'manifest.json'), 'utf8');
    writeFileSync(join(bundle, 'manifest.json'), manifest.replace('"Copper lab test publisher"', '"Copper lab test publisheR"'));
    await expectRefusal(bundle, 'BUNDLE_SIGNATURE_INVALID');
  });

  test('refuses a missing file and an added one', async () => {
    const missing = copyOfGood('missing');
    unlinkSync(imageTar(missing));
    const error = await expectRefusal(missing, 'BUNDLE_FILE_MISSING');
    assert.match(error.message, /images\//);
    const extra = copyOfGood('extra');
    writeFileSync(join(extra, 'images', 'backdoor.tar'), 'not in the manifest');
    await expectRefusal(extra, 'BUNDLE_UNEXPECTED_FILE');
  });

  test('refuses path traversal in a manifest signed by a trusted key', async () => {
    const bundle = copyOfGood('traversal');
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as { files: Array<{ path: string; sha256: string; size: number }> };
    manifest.files.push({ path: '../../../etc/shadow', sha256: '0'.repeat(64), size: 1 });
    const bytes = Buffer.from(JSON.stringify(manifest, null, 2));
    writeFileSync(join(bundle, 'manifest.json'), bytes);
    const { sign } = await import('node:crypto');
    writeFileSync(join(bundle, 'manifest.sig'), sign(null, bytes, readFileSync(testKey, 'utf8')));
    const error = await expectRefusal(bundle, 'BUNDLE_UNSAFE_PATH');
    assert.match(error.message, /etc\/shadow/);
  });

  test('keys: the release key is listed and cannot be removed; an added key can be removed, and its bundles are then refused', async () => {
    const listed = await copper(['--json', 'bundle', 'keys', 'list']);
    assert.equal(listed.code, 0);
    const keys = JSON.parse(listed.stdout) as Array<{ keyId: string; origin: string; name: string }>;
    const release = keys.find((key) => key.origin === 'release');
    const added = keys.find((key) => key.name === 'lab test publisher');
    assert.ok(release && added);
    const refused = await copper(['bundle', 'keys', 'remove', release.keyId, '--yes']);
    assert.equal(refused.code, 2, refused.stderr);
    const otherHome = join(work, 'other-home');
    const other = (args: string[]) => runCopper(['--data-dir', otherHome, ...args], { env: { COPPER_PASSPHRASE: PASSPHRASE } });
    assert.equal((await other(['bundle', 'keys', 'add', 'temporary', `${testKey}.pub.pem`, '--yes'])).code, 0);
    assert.equal((await other(['bundle', 'verify', good])).code, 0);
    const removed = await other(['bundle', 'keys', 'remove', added.keyId, '--yes']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await other(['bundle', 'verify', good])).code, 3);
    const audit = await other(['--json', 'audit', 'list']);
    const operations = (JSON.parse(audit.stdout) as Array<{ operation: string }>).map((record) => record.operation);
    assert.ok(operations.includes('provision.keys.add') && operations.includes('provision.keys.remove'), operations.join(','));
  });

  test('a key that is not Ed25519 is refused as bad input (exit 2)', async () => {
    const rsa = join(work, 'rsa.pub.pem');
    const { generateKeyPairSync } = await import('node:crypto');
    writeFileSync(rsa, String(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' })));
    const run = await copper(['bundle', 'keys', 'add', 'rsa', rsa, '--yes']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /Ed25519/);
  });
});

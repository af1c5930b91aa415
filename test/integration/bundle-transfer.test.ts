import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync, closeSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CopperError, type BundlePushResult, type Progress } from '../../shared/contract';
import { confirmAndRun, tempCore, type TempCore } from '../support/temp-core';
import { lab, readKey, type Lab } from '../support/lab';
import { runCopper } from '../support/run-copper';
import { publisherKeyId, signManifest } from '../../electron/core/provision/bundle/signature';
import { rejection } from '../support/rejection';

/** The lab login in the docker group; its home is where the default staging folder goes. */
const LOGIN = 'copperkey';
const PADDING_BYTES = 16 * 1024 * 1024;
const run = (argv: string[], input?: string) => {
  const result = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};
const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const sha256Hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface TestBundle {
  dir: string;
  tag: string;
  imageId: string;
  stackVersion: string;
  stagingName: string;
}

/** The test's own publisher: the console is told to trust it, as an operator would with `copper bundle keys add`. */
const publisher = generateKeyPairSync('ed25519');
const publisherPem = String(publisher.publicKey.export({ type: 'spki', format: 'pem' }));
const privatePem = String(publisher.privateKey.export({ type: 'pkcs8', format: 'pem' }));

/** Writes manifest.json and its Ed25519 signature, as scripts/build-bundle.mjs does; returns the manifest's bytes. */
function writeSigned(dir: string, manifest: unknown): Buffer {
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'manifest.json'), bytes);
  writeFileSync(join(dir, 'manifest.sig'), signManifest(bytes, privatePem));
  return bytes;
}

describe('bundle push: SFTP upload, resume, verification on the server, load through the Docker API', () => {
  let l: Lab;
  let t: TempCore;
  let work: string;
  let bundle: TestBundle;
  const docker = (...args: string[]) => run(['docker', '-H', `unix://${l.docker.socket}`, ...args]);
  const home = `/home/${LOGIN}`;
  const roots: string[] = [];
  const mounts: string[] = [];

  /** A staging root of its own for each test, under the login's home, removed at the end. */
  const freshRoot = () => {
    const root = `${home}/.copper-transfer-test-${randomBytes(4).toString('hex')}`;
    roots.push(root);
    return root;
  };
  const tagId = (tag: string) => {
    const result = docker('image', 'inspect', '--format', '{{.Id}}', tag);
    return result.status === 0 ? result.stdout.trim() : null;
  };
  const push = (stagingRoot: string | undefined, options: { path?: string; signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}) =>
    t.client.task('provision.bundle.push', { host: 'lab', path: options.path ?? bundle.dir, ...(stagingRoot ? { stagingRoot } : {}) }, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  const assertStaged = (dir: string) => {
    for (const file of JSON.parse(readFileSync(join(bundle.dir, 'manifest.json'), 'utf8')).files as Array<{ path: string; sha256: string }>) {
      assert.equal(sha256File(join(dir, file.path)), file.sha256, `${file.path} on the server`);
    }
    for (const name of ['manifest.json', 'manifest.sig']) assert.equal(sha256File(join(dir, name)), sha256File(join(bundle.dir, name)));
    assert.deepEqual(readdirSync(dir, { recursive: true }).filter((name) => String(name).endsWith('.part')), [], 'no partial file is left');
  };

  /** A tmpfs of `size` owned by the login, as the staging root: a real full disk, nothing simulated. */
  const tinyDisk = (size: string) => {
    const point = mkdtempSync(join(tmpdir(), 'copper-enospc-'));
    chmodSync(point, 0o755);
    const uid = run(['id', '-u', LOGIN]).stdout.trim();
    const gid = run(['id', '-g', LOGIN]).stdout.trim();
    const mounted = run(['mount', '-t', 'tmpfs', '-o', `size=${size},mode=0700,uid=${uid},gid=${gid}`, 'tmpfs', point]);
    assert.equal(mounted.status, 0, mounted.stderr);
    mounts.push(point);
    return point;
  };

  before(async () => {
    l = lab();
    work = mkdtempSync(join(tmpdir(), 'copper-bundle-transfer-'));
    // A test tag of the lab's Postfix image, saved and then untagged: loading the bundle must bring the tag back.
    const suffix = randomBytes(4).toString('hex');
    const tag = `copper-test/transfer-${suffix}:1`;
    const source = JSON.parse(readFileSync(join(l.dir, 'lab.json'), 'utf8')).docker.postfixImage as string;
    assert.equal(docker('tag', source, tag).status, 0);
    const dir = join(work, 'bundle');
    mkdirSync(join(dir, 'images'), { recursive: true });
    mkdirSync(join(dir, 'data'), { recursive: true });
    const saved = docker('save', '-o', join(dir, 'images', 'transfer.tar'), tag);
    assert.equal(saved.status, 0, saved.stderr);
    const imageId = tagId(tag);
    assert.ok(imageId);
    // A large incompressible file, so a transfer can be cut in its middle.
    writeFileSync(join(dir, 'data', 'padding.bin'), randomBytes(PADDING_BYTES));
    mkdirSync(join(dir, 'stack'));
    const stackVersion = `0.0.0-transfer.${suffix}`;
    // A push refuses a stack that could not be applied, so even this test's one-service stack must be a valid one.
    const stack = { format: 'copper-stack/1', name: 'transfer-test', version: stackVersion, services: { web: { image: { reference: tag, id: imageId }, components: ['webmail'], labels: { 'copper.components': 'webmail' } } } };
    writeFileSync(join(dir, 'stack', 'transfer.json'), `${JSON.stringify(stack, null, 2)}\n`);
    const files = ['images/transfer.tar', 'data/padding.bin', 'stack/transfer.json'].map((path) => ({ path, sha256: sha256File(join(dir, path)), size: statSync(join(dir, path)).size }));
    const manifest = writeSigned(dir, {
      format: 'copper-bundle/1',
      createdAt: new Date().toISOString(),
      publisher: { keyId: publisherKeyId(publisher.publicKey), name: 'transfer test' },
      stackName: 'transfer-test',
      stackVersion,
      stackFile: 'stack/transfer.json',
      files,
      images: [{ file: 'images/transfer.tar', imageId, tags: [tag] }],
    });
    bundle = { dir, tag, imageId, stackVersion, stagingName: `${stackVersion}-${sha256Hex(manifest).slice(0, 16)}` };

    t = tempCore();
    await confirmAndRun(t.client, 'inventory.sites.create', { name: 'lab' });
    await confirmAndRun(t.client, 'inventory.hosts.create', {
      name: 'lab',
      site: 'lab',
      ssh: { user: LOGIN, address: '127.0.0.1', port: l.ssh.port },
      auth: 'key',
      privateKey: readKey(l.users.key.privateKey),
      mode: 'docker',
      dockerSocket: l.docker.socket,
      pinnedFingerprint: l.ssh.hostKeyFingerprint,
    });
    await confirmAndRun(t.client, 'provision.keys.add', { name: 'transfer test', publicKeyPem: publisherPem });
  });

  after(() => {
    t?.close();
    for (const point of mounts) {
      run(['umount', point]);
      rmSync(point, { recursive: true, force: true });
    }
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    rmSync(join(home, '.copper', 'bundles', bundle.stagingName), { recursive: true, force: true });
    // The default staging folders, only if this test left them empty (another user of the lab login may keep bundles).
    for (const dir of [join(home, '.copper', 'bundles'), join(home, '.copper')]) {
      try {
        rmdirSync(dir);
      } catch {
        // not empty, or not there
      }
    }
    if (bundle) docker('rmi', bundle.tag); // only the tag this test made; the lab's image keeps its own
    rmSync(work, { recursive: true, force: true });
  });

  // Each push must really load: the tag is removed first (the lab image it points to stays under its own tag).
  beforeEach(() => {
    if (tagId(bundle.tag)) assert.equal(docker('rmi', bundle.tag).status, 0);
  });

  test('uploads every file to ~/.copper/bundles (0700), verifies it there and loads the image with its expected ID', async () => {
    const steps = new Set<string>();
    let lastUpload: Progress | undefined;
    const result: BundlePushResult = await push(undefined, {
      onProgress: (p) => {
        steps.add(p.step);
        if (p.step === 'upload') lastUpload = p;
      },
    });
    const stagingDir = join(home, '.copper', 'bundles', bundle.stagingName);
    assert.equal(result.stagingDir, stagingDir);
    assert.equal(statSync(stagingDir).mode & 0o777, 0o700);
    assert.equal(statSync(stagingDir).uid, Number(run(['id', '-u', LOGIN]).stdout.trim()));
    assertStaged(stagingDir);
    assert.deepEqual(result.files.map((f) => [f.path, f.outcome]), [
      ['images/transfer.tar', 'uploaded'],
      ['data/padding.bin', 'uploaded'],
      ['stack/transfer.json', 'uploaded'],
      ['manifest.json', 'uploaded'],
      ['manifest.sig', 'uploaded'],
    ]);
    assert.equal(result.bytesSent, result.files.reduce((n, f) => n + f.size, 0));
    assert.deepEqual([...steps], ['prepare', 'upload', 'verify', 'load']);
    assert.equal(lastUpload?.done, lastUpload?.total, 'the upload progress ends at its total');
    assert.equal(tagId(bundle.tag), bundle.imageId);
    assert.deepEqual(result.images, [{ file: 'images/transfer.tar', imageId: bundle.imageId, tags: [bundle.tag], loaded: true }]);

    // A second push finds everything verified in place: nothing is sent, and the image is loaded again.
    assert.equal(docker('rmi', bundle.tag).status, 0);
    const again = await push(undefined);
    assert.deepEqual(again.files.map((f) => f.outcome), ['present', 'present', 'present', 'present', 'present']);
    assert.equal(again.bytesSent, 0);
    assert.equal(again.images[0]?.loaded, true);
    assert.equal(tagId(bundle.tag), bundle.imageId);

    // With the image already there under its tag, nothing is loaded, but its ID is checked.
    const third = await push(undefined);
    assert.equal(third.images[0]?.loaded, false);
  });

  test('copper bundle push prints progress on stderr and the staged files on stdout; --json gives the result', async () => {
    const root = freshRoot();
    const cli = (args: string[]) => runCopper(['--data-dir', t.dir, ...args], { env: { COPPER_PASSPHRASE: 'test-passphrase-1' } });
    const human = await cli(['bundle', 'push', 'lab', bundle.dir, '--staging-dir', root]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stderr, /Uploading images\/transfer\.tar to lab \(file 1 of 5\): 0 B of 2\.0 MiB/);
    assert.match(human.stderr, /\[#{20}\] 100% Uploading manifest\.sig to lab \(file 5 of 5\)/);
    assert.match(human.stderr, /\[#{20}\] 100% All files verified on lab/);
    assert.match(human.stdout, new RegExp(`staged on lab in ${root}/${bundle.stagingName.replace(/[.+]/g, '\\$&')}`));
    assert.match(human.stdout, new RegExp(`Loaded ${bundle.tag} = ${bundle.imageId} \\(ID checked\\)`));
    assert.equal(tagId(bundle.tag), bundle.imageId);

    const json = await cli(['--json', 'bundle', 'push', 'lab', bundle.dir, '--staging-dir', root]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, '', 'no progress in JSON mode');
    const result = JSON.parse(json.stdout) as BundlePushResult;
    assert.deepEqual(result.files.map((f) => f.outcome), ['present', 'present', 'present', 'present', 'present']);

    const refused = await cli(['bundle', 'push', 'lab', bundle.dir, '--staging-dir', 'relative/dir']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /absolute path/);
  });

  test('a transfer cut in the middle resumes from the verified partial file', async () => {
    const root = freshRoot();
    const stop = new AbortController();
    const error = await rejection(
      push(root, {
        signal: stop.signal,
        onProgress: (p) => {
          if (p.step === 'upload' && p.message.includes('padding.bin') && p.done > 0 && p.total !== null && p.done >= p.total / 4) stop.abort();
        },
      }),
    );
    assert.equal(error.code, 'CANCELLED');
    assert.match(error.message, /resumes/);
    const part = join(root, bundle.stagingName, 'data', 'padding.bin.part');
    const partial = statSync(part).size;
    assert.ok(partial > 0 && partial < PADDING_BYTES, `a partial file was left (${partial} bytes)`);
    assert.equal(tagId(bundle.tag), null, 'nothing was loaded');

    const result = await push(root);
    const padding = result.files.find((f) => f.path === 'data/padding.bin');
    assert.equal(padding?.outcome, 'resumed');
    assert.equal(padding?.resumedFrom, partial);
    assert.equal(padding?.bytesSent, PADDING_BYTES - partial);
    assert.ok(result.bytesSent < result.files.reduce((n, f) => n + f.size, 0), 'the second push sent less than the whole bundle');
    assertStaged(join(root, bundle.stagingName));
    assert.equal(tagId(bundle.tag), bundle.imageId);
  });

  test('a second push of the same bundle to the same host while one runs is refused, and the first completes', async () => {
    const root = freshRoot();
    const outcomes = await Promise.allSettled([push(root), push(root)]);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    assert.equal(refused.length, 1);
    assert.equal((refused[0]?.reason as CopperError).code, 'IN_USE');
    assertStaged(join(root, bundle.stagingName));
    assert.equal(tagId(bundle.tag), bundle.imageId);
  });

  test('a partial file whose beginning does not match is sent again from the start', async () => {
    const root = freshRoot();
    const dir = join(root, bundle.stagingName, 'data');
    mkdirSync(dir, { recursive: true });
    const part = join(dir, 'padding.bin.part');
    writeFileSync(part, randomBytes(1024 * 1024)); // right size class, wrong bytes
    run(['chown', '-R', `${LOGIN}:${LOGIN}`, root]);

    const result = await push(root);
    const padding = result.files.find((f) => f.path === 'data/padding.bin');
    assert.equal(padding?.outcome, 'uploaded');
    assert.equal(padding?.resumedFrom, 0);
    assert.equal(padding?.bytesSent, PADDING_BYTES);
    assertStaged(join(root, bundle.stagingName));
  });

  test('a file whose SHA-256 on the server differs from the manifest is refused, removed, and nothing is loaded', async () => {
    const root = freshRoot();
    const tampered = join(work, 'tampered');
    cpSync(bundle.dir, tampered, { recursive: true });
    // Same size, one byte changed: only the digest can tell.
    const fd = openSync(join(tampered, 'data', 'padding.bin'), 'r+');
    writeSync(fd, Buffer.from([0x5a, 0xa5]), 0, 2, PADDING_BYTES / 2);
    closeSync(fd);

    const error = await rejection(push(root, { path: tampered }));
    assert.equal(error.code, 'BUNDLE_DIGEST_MISMATCH');
    assert.match(error.message, /data\/padding\.bin/);
    const expected = (JSON.parse(readFileSync(join(bundle.dir, 'manifest.json'), 'utf8')) as { files: Array<{ path: string; sha256: string }> }).files.find((f) => f.path === 'data/padding.bin')?.sha256 ?? '';
    assert.ok(error.message.includes(expected), 'names the expected digest');
    assert.ok(error.message.includes(sha256File(join(tampered, 'data', 'padding.bin'))), 'names the digest the server computed');
    assert.match(error.message, /workstation already differs/);
    const staged = join(root, `${bundle.stackVersion}-${bundle.stagingName.slice(-16)}`, 'data');
    assert.equal(existsSync(join(staged, 'padding.bin')), false);
    assert.equal(existsSync(join(staged, 'padding.bin.part')), false, 'the failed file is not kept for a later resume');
    assert.equal(tagId(bundle.tag), null, 'nothing was loaded');
  });

  test('a file changed on the server after it was sent fails verification there and is removed', async () => {
    const root = freshRoot();
    const part = join(root, bundle.stagingName, 'data', 'padding.bin.part');
    let changed = false;
    const error = await rejection(
      push(root, {
        onProgress: (p) => {
          if (changed || p.step !== 'verify') return;
          changed = true;
          // Someone on the server alters the upload before it is checked (same size, two bytes).
          const fd = openSync(part, 'r+');
          writeSync(fd, Buffer.from([0x00, 0xff]), 0, 2, 1000);
          closeSync(fd);
        },
      }),
    );
    assert.ok(changed);
    assert.equal(error.code, 'BUNDLE_DIGEST_MISMATCH');
    assert.match(error.message, /data\/padding\.bin: expected [0-9a-f]{64}, the server computed [0-9a-f]{64}; the copy on the server differs from the one sent/);
    assert.equal(existsSync(part), false);
    assert.equal(tagId(bundle.tag), null, 'nothing was loaded');
  });

  test('an image that loads under another ID than the manifest names is refused with both IDs, and its tag removed', async () => {
    const root = freshRoot();
    const wrongId = `sha256:${'0'.repeat(64)}`;
    const wrong = join(work, 'wrong-id');
    cpSync(bundle.dir, wrong, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(bundle.dir, 'manifest.json'), 'utf8')) as { images: Array<{ imageId: string }>; files: Array<{ path: string; sha256: string; size: number }> };
    manifest.images[0]!.imageId = wrongId;
    // The stack names the same wrong ID, so the bundle is consistent and signed: only the engine can tell the ID is wrong.
    const stackPath = join(wrong, 'stack', 'transfer.json');
    writeFileSync(stackPath, readFileSync(stackPath, 'utf8').replace(bundle.imageId, wrongId));
    const stackEntry = manifest.files.find((f) => f.path === 'stack/transfer.json')!;
    Object.assign(stackEntry, { sha256: sha256File(stackPath), size: statSync(stackPath).size });
    writeSigned(wrong, manifest);

    const error = await rejection(push(root, { path: wrong }));
    assert.equal(error.code, 'BUNDLE_IMAGE_MISMATCH');
    assert.ok(error.message.includes(`${bundle.tag} is ${bundle.imageId}`), error.message);
    assert.ok(error.message.includes(`the manifest expects ${wrongId}`), error.message);
    assert.equal(tagId(bundle.tag), null, 'the tag the load made is removed again');
  });

  test('a manifest changed after signing is refused before anything is sent', async () => {
    const root = freshRoot();
    const altered = join(work, 'altered');
    cpSync(bundle.dir, altered, { recursive: true });
    const text = readFileSync(join(altered, 'manifest.json'), 'utf8');
    writeFileSync(join(altered, 'manifest.json'), text.replace('"transfer-test"', '"transfer-evil"'));
    const error = await rejection(push(root, { path: altered }));
    assert.equal(error.code, 'BUNDLE_SIGNATURE_INVALID');
    assert.equal(existsSync(root), false, 'nothing was created on the server');
  });

  test('refuses before sending anything when the server lacks the space, naming the host and the space needed', async () => {
    const disk = tinyDisk('4m');
    const error = await rejection(push(disk));
    assert.equal(error.code, 'DISK_FULL', error.message);
    assert.match(error.message, /^lab has too little disk space/);
    assert.match(error.message, /needs 1\d\.\d MiB more, only \d\.\d MiB is free/);
    const details = error.details as { neededBytes: number; freeBytes: number };
    assert.ok(details.neededBytes > details.freeBytes);
    const written = readdirSync(join(disk, bundle.stagingName), { recursive: true }).filter((name) => statSync(join(disk, bundle.stagingName, String(name))).isFile());
    assert.deepEqual(written, [], 'no file was written');
    assert.equal(tagId(bundle.tag), null, 'nothing was loaded');
  });

  test('a disk that fills up during the upload gives a clear error, loads nothing, and the push completes once space is freed', async () => {
    const disk = tinyDisk('24m');
    const filler = join(disk, 'filler');
    let filled = false;
    const error = await rejection(
      push(disk, {
        onProgress: (p) => {
          if (filled || p.step !== 'upload' || p.done === 0) return;
          filled = true;
          // Another program takes the rest of the disk while the upload runs.
          const fd = openSync(filler, 'w');
          const block = Buffer.alloc(256 * 1024);
          try {
            for (;;) writeSync(fd, block);
          } catch (fillError) {
            assert.equal((fillError as NodeJS.ErrnoException).code, 'ENOSPC');
          } finally {
            closeSync(fd);
          }
        },
      }),
    );
    assert.ok(filled);
    assert.equal(error.code, 'DISK_FULL', error.message);
    assert.match(error.message, /^lab ran out of disk space during the upload/);
    assert.match(error.message, /Free at least .* then push again: what was uploaded is kept/);
    assert.equal(tagId(bundle.tag), null, 'nothing was loaded');

    rmSync(filler);
    const result = await push(disk);
    assertStaged(join(disk, bundle.stagingName));
    assert.ok(result.files.some((f) => f.outcome !== 'uploaded'), 'what fitted before was kept and reused');
    assert.equal(tagId(bundle.tag), bundle.imageId);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CopperError } from '../../../../shared/contract';
import { publisherKeyId, signManifest } from './signature';
import { verifyBundle, type TrustedKey } from './verify-bundle';

/*
 * Unit tests of verification on small bundles built here: the "image" is a tar laid out as `docker save` lays it out
 * (config <digest>.json, manifest.json, a layer), made with the system's tar. The lab test (test/integration/bundle.test.ts)
 * does the same with real `docker save` output.
 */

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function tarOf(dir: string, out: string, names: string[]): void {
  const result = spawnSync('tar', ['--format=ustar', '-cf', out, '-C', dir, ...names], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
}

interface Built {
  dir: string;
  imageId: string;
  manifest: Record<string, unknown>;
  resign(manifest: unknown, privateKeyPem?: string): void;
}

let root: string;
let privateKeyPem: string;
let trusted: TrustedKey[];
let counter = 0;

function buildBundle(): Built {
  const dir = join(root, `bundle-${++counter}`);
  const work = join(root, `image-${counter}`);
  mkdirSync(join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, 'stack'), { recursive: true });
  mkdirSync(join(work, 'layer1'), { recursive: true });
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [] } });
  const configDigest = sha256(config);
  writeFileSync(join(work, `${configDigest}.json`), config);
  writeFileSync(join(work, 'layer1', 'layer.tar'), Buffer.alloc(70_000, 7));
  writeFileSync(join(work, 'manifest.json'), JSON.stringify([{ Config: `${configDigest}.json`, RepoTags: ['copper/test:1'], Layers: ['layer1/layer.tar'] }]));
  tarOf(work, join(dir, 'images', 'copper_test_1.tar'), [`${configDigest}.json`, 'layer1/layer.tar', 'manifest.json']);
  const imageId = `sha256:${configDigest}`;
  const stack = {
    format: 'copper-stack/1',
    name: 'unit',
    version: '0.0.1',
    services: { web: { image: { reference: 'copper/test:1', id: imageId }, components: ['webmail'], labels: { 'copper.components': 'webmail' } } },
  };
  writeFileSync(join(dir, 'stack', 'unit-0.0.1.json'), JSON.stringify(stack));
  const files = ['images/copper_test_1.tar', 'stack/unit-0.0.1.json'].map((path) => {
    const data = readFileSync(join(dir, path));
    return { path, sha256: sha256(data), size: data.length };
  });
  const manifest = {
    format: 'copper-bundle/1',
    createdAt: '2026-11-21T00:00:00.000Z',
    publisher: { keyId: trusted[0]?.keyId, name: 'unit' },
    stackName: 'unit',
    stackVersion: '0.0.1',
    stackFile: 'stack/unit-0.0.1.json',
    files,
    images: [{ file: 'images/copper_test_1.tar', imageId, tags: ['copper/test:1'] }],
  };
  const resign = (value: unknown, key = privateKeyPem) => {
    const bytes = Buffer.from(JSON.stringify(value, null, 2));
    writeFileSync(join(dir, 'manifest.json'), bytes);
    writeFileSync(join(dir, 'manifest.sig'), signManifest(bytes, key));
  };
  resign(manifest);
  return { dir, imageId, manifest, resign };
}

async function refusal(path: string, keys: TrustedKey[] = trusted, signal?: AbortSignal): Promise<CopperError> {
  try {
    await verifyBundle(path, keys, signal ? { signal } : {});
  } catch (error) {
    assert.ok(error instanceof CopperError, String(error));
    return error;
  }
  assert.fail('expected the bundle to be refused');
}

const trustedKey = (key: KeyObject): TrustedKey => ({ keyId: publisherKeyId(key), name: 'unit publisher', key });

describe('bundle verification', () => {
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'copper-bundle-unit-'));
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    privateKeyPem = String(privateKey.export({ type: 'pkcs8', format: 'pem' }));
    trusted = [trustedKey(publicKey)];
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('accepts a well-signed bundle, as a folder and as a tar, and reads the image ID from the image tar', async () => {
    const bundle = buildBundle();
    const progress: number[] = [];
    const verified = await verifyBundle(bundle.dir, trusted, { onProgress: (p) => progress.push(p.done) });
    assert.equal(verified.kind, 'directory');
    assert.equal(verified.manifest.images[0]?.imageId, bundle.imageId);
    assert.equal(verified.stack.services.web?.image.id, bundle.imageId);
    assert.equal(progress.at(-1), verified.totalBytes);
    tarOf(bundle.dir, `${bundle.dir}.tar`, ['manifest.json', 'manifest.sig', 'images/copper_test_1.tar', 'stack/unit-0.0.1.json']);
    const fromTar = await verifyBundle(`${bundle.dir}.tar`, trusted);
    assert.equal(fromTar.kind, 'tar');
    assert.deepEqual(fromTar.manifest, verified.manifest);
    // `tar -C DIR .` names members ./manifest.json and adds directory entries: the same bundle.
    tarOf(bundle.dir, `${bundle.dir}-dot.tar`, ['.']);
    assert.equal((await verifyBundle(`${bundle.dir}-dot.tar`, trusted)).kind, 'tar');
  });

  test('refuses a manifest changed after signing', async () => {
    const bundle = buildBundle();
    const text = readFileSync(join(bundle.dir, 'manifest.json'), 'utf8').replace('2026-11-21T00', '2026-11-22T00');
    writeFileSync(join(bundle.dir, 'manifest.json'), text);
    assert.equal((await refusal(bundle.dir)).code, 'BUNDLE_SIGNATURE_INVALID');
  });

  test('refuses a signature that is not 64 bytes', async () => {
    const bundle = buildBundle();
    writeFileSync(join(bundle.dir, 'manifest.sig'), 'not a signature');
    assert.equal((await refusal(bundle.dir)).code, 'BUNDLE_SIGNATURE_INVALID');
  });

  test('refuses a bundle signed by a key the console does not trust, naming the key', async () => {
    const bundle = buildBundle();
    const other = generateKeyPairSync('ed25519');
    const otherId = publisherKeyId(other.publicKey);
    bundle.resign({ ...bundle.manifest, publisher: { keyId: otherId, name: 'stranger' } }, String(other.privateKey.export({ type: 'pkcs8', format: 'pem' })));
    const error = await refusal(bundle.dir);
    assert.equal(error.code, 'BUNDLE_UNKNOWN_PUBLISHER');
    assert.match(error.message, new RegExp(otherId.replace(/[+/]/g, '\\$&')));
  });

  test('refuses a bundle that claims a trusted key but is signed by another', async () => {
    const bundle = buildBundle();
    bundle.resign(bundle.manifest, String(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })));
    assert.equal((await refusal(bundle.dir)).code, 'BUNDLE_SIGNATURE_INVALID');
  });

  test('refuses a tampered image tar (same size, one byte flipped) naming the file and both digests', async () => {
    const bundle = buildBundle();
    const file = join(bundle.dir, 'images', 'copper_test_1.tar');
    const data = readFileSync(file);
    data[5000] = (data[5000] ?? 0) ^ 0xff;
    writeFileSync(file, data);
    const error = await refusal(bundle.dir);
    assert.equal(error.code, 'BUNDLE_DIGEST_MISMATCH');
    assert.match(error.message, /images\/copper_test_1\.tar/);
  });

  test('refuses a truncated image tar', async () => {
    const bundle = buildBundle();
    const file = join(bundle.dir, 'images', 'copper_test_1.tar');
    writeFileSync(file, readFileSync(file).subarray(0, 20_000));
    const error = await refusal(bundle.dir);
    assert.equal(error.code, 'BUNDLE_DIGEST_MISMATCH');
    assert.match(error.message, /truncated/);
  });

  test('refuses a missing file and an unexpected one', async () => {
    const missing = buildBundle();
    unlinkSync(join(missing.dir, 'stack', 'unit-0.0.1.json'));
    assert.equal((await refusal(missing.dir)).code, 'BUNDLE_FILE_MISSING');
    const extra = buildBundle();
    writeFileSync(join(extra.dir, 'images', 'extra.tar'), 'surprise');
    assert.equal((await refusal(extra.dir)).code, 'BUNDLE_UNEXPECTED_FILE');
    const link = buildBundle();
    symlinkSync('/etc/passwd', join(link.dir, 'stack', 'passwd'));
    assert.equal((await refusal(link.dir)).code, 'BUNDLE_UNEXPECTED_FILE');
    const noSignature = buildBundle();
    unlinkSync(join(noSignature.dir, 'manifest.sig'));
    assert.equal((await refusal(noSignature.dir)).code, 'BUNDLE_FILE_MISSING');
  });

  test('refuses path traversal in a signed manifest', async () => {
    const bundle = buildBundle();
    const files = bundle.manifest.files as Array<{ path: string }>;
    bundle.resign({ ...bundle.manifest, files: [...files, { path: '../../etc/passwd', sha256: '0'.repeat(64), size: 1 }] });
    const error = await refusal(bundle.dir);
    assert.equal(error.code, 'BUNDLE_UNSAFE_PATH');
    assert.match(error.message, /\.\.\/\.\.\/etc\/passwd/);
  });

  test('refuses a malformed signed manifest naming the field', async () => {
    const bundle = buildBundle();
    bundle.resign({ ...bundle.manifest, stackVersion: 'latest' });
    const error = await refusal(bundle.dir);
    assert.equal(error.code, 'BUNDLE_MALFORMED');
    assert.match(error.message, /stackVersion/);
    const notJson = buildBundle();
    writeFileSync(join(notJson.dir, 'manifest.json'), '{ nope');
    assert.equal((await refusal(notJson.dir)).code, 'BUNDLE_MALFORMED');
  });

  test('refuses an image tar that loads as another image ID than the manifest says', async () => {
    const bundle = buildBundle();
    const images = bundle.manifest.images as Array<Record<string, unknown>>;
    bundle.resign({ ...bundle.manifest, images: [{ ...images[0], imageId: `sha256:${'a'.repeat(64)}` }] });
    assert.equal((await refusal(bundle.dir)).code, 'BUNDLE_IMAGE_MISMATCH');
  });

  test('stops when cancelled', async () => {
    const bundle = buildBundle();
    const stop = new AbortController();
    stop.abort();
    assert.equal((await refusal(bundle.dir, trusted, stop.signal)).code, 'CANCELLED');
  });
});

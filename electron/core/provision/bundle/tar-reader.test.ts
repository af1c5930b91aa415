import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ed25519PublicKey, publicKeyPem, publisherKeyId, signManifest, verifyManifestSignature } from './signature';
import { TarFormatError, TarReader } from './tar-reader';

/** Every regular entry of a tar, fed to the reader in chunks of the given size. */
function readAll(archive: Buffer, chunkSize: number): Map<string, string> {
  const found = new Map<string, string>();
  const reader = new TarReader({
    entry: (entry) => {
      if (entry.type !== '0') return undefined;
      const parts: Buffer[] = [];
      found.set(entry.name, '');
      return (data) => {
        parts.push(Buffer.from(data));
        found.set(entry.name, Buffer.concat(parts).toString('utf8'));
      };
    },
  });
  for (let i = 0; i < archive.length; i += chunkSize) reader.write(archive.subarray(i, i + chunkSize));
  reader.end();
  return found;
}

describe('tar reader', () => {
  const longName = `${'deep/'.repeat(30)}file-with-a-long-name.json`;
  for (const format of ['ustar', 'gnu', 'pax'] as const) {
    test(`reads names and contents of a ${format} tar made by GNU tar, whatever the chunk size`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'copper-tar-'));
      try {
        mkdirSync(join(dir, 'content', ...longName.split('/').slice(0, -1)), { recursive: true });
        writeFileSync(join(dir, 'content', 'small.txt'), 'hello');
        writeFileSync(join(dir, 'content', 'big.bin'), 'x'.repeat(5000));
        const names = ['small.txt', 'big.bin'];
        if (format !== 'ustar') {
          writeFileSync(join(dir, 'content', longName), '{"long":true}');
          names.push(longName);
        }
        const result = spawnSync('tar', [`--format=${format}`, '-cf', join(dir, 'out.tar'), '-C', join(dir, 'content'), ...names]);
        assert.equal(result.status, 0, String(result.stderr));
        const archive = readFileSync(join(dir, 'out.tar'));
        for (const chunkSize of [1, 511, 512, 4096, archive.length]) {
          const found = readAll(archive, chunkSize);
          assert.equal(found.get('small.txt'), 'hello');
          assert.equal(found.get('big.bin'), 'x'.repeat(5000));
          if (format !== 'ustar') assert.equal(found.get(longName), '{"long":true}');
        }
        assert.throws(() => readAll(archive.subarray(0, 1200), 512), TarFormatError, 'a truncated tar is refused');
        const corrupt = Buffer.from(archive);
        corrupt[0] = (corrupt[0] ?? 0) ^ 1;
        assert.throws(() => readAll(corrupt, 512), /checksum/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('manifest signatures', () => {
  test('verify with the signing key only, over the exact bytes', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const bytes = Buffer.from('{"format":"copper-bundle/1"}\n');
    const signature = signManifest(bytes, String(privateKey.export({ type: 'pkcs8', format: 'pem' })));
    assert.equal(signature.length, 64);
    assert.equal(verifyManifestSignature(bytes, signature, publicKey), true);
    assert.equal(verifyManifestSignature(Buffer.from('{"format":"copper-bundle/1"} \n'), signature, publicKey), false);
    assert.equal(verifyManifestSignature(bytes, signature, generateKeyPairSync('ed25519').publicKey), false);
    assert.equal(verifyManifestSignature(bytes, signature.subarray(0, 63), publicKey), false);
  });

  test('key IDs do not depend on how the PEM is wrapped, and only Ed25519 keys are accepted', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKeyPem(publicKey);
    const id = publisherKeyId(ed25519PublicKey(pem));
    assert.match(id, /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.equal(publisherKeyId(ed25519PublicKey(`\n\n${pem.replace(/\n/g, '\r\n')}`)), id);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
    assert.throws(() => ed25519PublicKey(String(rsa)), /Ed25519/);
  });

  test('the shipped release key is an Ed25519 public key', () => {
    const pem = readFileSync(join(__dirname, '..', '..', '..', '..', 'resources', 'keys', 'copper-release-2026.pub.pem'), 'utf8');
    assert.match(publisherKeyId(ed25519PublicKey(pem)), /^SHA256:/);
    assert.doesNotMatch(pem, /PRIVATE/);
  });
});

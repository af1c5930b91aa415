import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CopperError } from '../../shared/contract/errors';
import { SealedFileSecretStore } from '../core/secrets/sealed-file-store';
import { createSafeStorageSealer, type SafeStorageApi } from './safe-storage-sealer';

/** A safeStorage stand-in that "encrypts" reversibly and counts what it was asked to do. */
function fakeSafeStorage(backend: string, encryptionAvailable = true) {
  const calls = { encrypt: 0, decrypt: 0, backend: 0 };
  const safeStorage: SafeStorageApi = {
    isEncryptionAvailable: () => encryptionAvailable,
    encryptString: (plain) => {
      calls.encrypt++;
      return Buffer.from(Buffer.from(plain).map((byte) => byte ^ 0x5a));
    },
    decryptString: (sealed) => {
      calls.decrypt++;
      return Buffer.from(sealed.map((byte) => byte ^ 0x5a)).toString();
    },
    getSelectedStorageBackend: () => {
      calls.backend++;
      return backend;
    },
  };
  return { safeStorage, calls };
}

describe('createSafeStorageSealer', () => {
  test("reports unavailable on Linux when safeStorage fell back to basic_text, and says it is not real protection", () => {
    const { safeStorage } = fakeSafeStorage('basic_text');
    const sealer = createSafeStorageSealer(safeStorage, 'linux');
    assert.equal(sealer.available(), false);
    assert.match(sealer.describe(), /basic_text/);
    assert.match(sealer.describe(), /not real protection/);
    assert.match(sealer.describe(), /GNOME Keyring or KWallet/);
  });

  test('refuses to seal or open with basic_text, without calling safeStorage', () => {
    const { safeStorage, calls } = fakeSafeStorage('basic_text');
    const sealer = createSafeStorageSealer(safeStorage, 'linux');
    assert.throws(
      () => sealer.seal('hunter2'),
      (error: unknown) => error instanceof CopperError && error.code === 'SECRET_STORE_UNAVAILABLE' && /not real protection/.test(error.message),
    );
    assert.throws(() => sealer.open(Buffer.from('x')), CopperError);
    assert.deepEqual([calls.encrypt, calls.decrypt], [0, 0]);
  });

  test('reports unavailable on Linux when the backend is unknown', () => {
    const sealer = createSafeStorageSealer(fakeSafeStorage('unknown').safeStorage, 'linux');
    assert.equal(sealer.available(), false);
    assert.match(sealer.describe(), /unknown/);
  });

  test('is available with a real Linux keyring and names it', () => {
    for (const backend of ['gnome_libsecret', 'kwallet5', 'kwallet6']) {
      const sealer = createSafeStorageSealer(fakeSafeStorage(backend).safeStorage, 'linux');
      assert.equal(sealer.available(), true, backend);
      assert.match(sealer.describe(), new RegExp(backend));
    }
  });

  test('is unavailable whenever safeStorage says encryption is unavailable', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const sealer = createSafeStorageSealer(fakeSafeStorage('gnome_libsecret', false).safeStorage, platform);
      assert.equal(sealer.available(), false, platform);
    }
  });

  test('names DPAPI on Windows and the Keychain on macOS, without asking for a Linux backend', () => {
    const windows = fakeSafeStorage('basic_text');
    assert.equal(createSafeStorageSealer(windows.safeStorage, 'win32').available(), true);
    assert.match(createSafeStorageSealer(windows.safeStorage, 'win32').describe(), /DPAPI/);
    const mac = fakeSafeStorage('basic_text');
    assert.equal(createSafeStorageSealer(mac.safeStorage, 'darwin').available(), true);
    assert.match(createSafeStorageSealer(mac.safeStorage, 'darwin').describe(), /Keychain/);
    assert.equal(windows.calls.backend + mac.calls.backend, 0);
  });

  test('round-trips through safeStorage', () => {
    const sealer = createSafeStorageSealer(fakeSafeStorage('gnome_libsecret').safeStorage, 'linux');
    const sealed = sealer.seal('correct horse battery staple');
    assert.notEqual(sealed.toString(), 'correct horse battery staple');
    assert.equal(sealer.open(sealed), 'correct horse battery staple');
  });

  test('backs the SealedFileSecretStore: a secret is read back and never written in plaintext', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'copper-sealer-'));
    try {
      const file = join(dir, 'secrets.os.bin');
      const store = new SealedFileSecretStore(file, createSafeStorageSealer(fakeSafeStorage('kwallet6').safeStorage, 'linux'));
      await store.set('host/1/password', 'hunter2-very-secret');
      assert.equal(await store.get('host/1/password'), 'hunter2-very-secret');
      assert.doesNotMatch(readFileSync(file).toString('latin1'), /hunter2/);
      assert.equal(store.status().state, 'unlocked');
      assert.match(store.status().description, /kwallet6/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('makes the SealedFileSecretStore refuse to store anything on a basic_text system', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'copper-sealer-'));
    try {
      const store = new SealedFileSecretStore(join(dir, 'secrets.os.bin'), createSafeStorageSealer(fakeSafeStorage('basic_text').safeStorage, 'linux'));
      assert.equal(store.status().state, 'unavailable');
      await assert.rejects(store.set('host/1/password', 'hunter2'), (error: unknown) => error instanceof CopperError && error.code === 'SECRET_STORE_UNAVAILABLE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

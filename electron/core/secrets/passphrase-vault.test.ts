import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CopperError } from '../../../shared/contract';
import { PassphraseVault } from './passphrase-vault';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'copper-vault-')), 'vault.bin');
const open = (file: string, passphrase: string) => new PassphraseVault({ file, passphrase: async () => passphrase, log2N: 12 });

const rejectsWith = (code: string) => (error: unknown) => error instanceof CopperError && error.code === code;

test('stores and reads back secrets across instances, and the file holds no plaintext', async () => {
  const file = fresh();
  await open(file, 'correct horse').set('host/1/password', 'hunter2-super-secret');
  assert.equal(await open(file, 'correct horse').get('host/1/password'), 'hunter2-super-secret');
  assert.ok(!readFileSync(file).includes(Buffer.from('hunter2-super-secret')));
  assert.ok(!readFileSync(file).includes(Buffer.from('host/1/password')), 'even the secret names are encrypted');
});

test('a wrong passphrase is a clear error and leaves the vault byte-for-byte unchanged', async () => {
  const file = fresh();
  await open(file, 'correct horse').set('a', '1');
  const before = readFileSync(file);
  const wrong = open(file, 'wrong horse!');
  await assert.rejects(wrong.get('a'), rejectsWith('VAULT_PASSPHRASE_WRONG'));
  await assert.rejects(wrong.set('b', '2'), rejectsWith('VAULT_PASSPHRASE_WRONG'));
  assert.deepEqual(readFileSync(file), before);
  assert.equal(await open(file, 'correct horse').get('a'), '1');
});

test('a tampered or truncated vault is reported as damaged, not as a wrong passphrase', async () => {
  const file = fresh();
  await open(file, 'correct horse').set('a', '1');
  const bytes = readFileSync(file);
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 0xff;
  writeFileSync(file, flipped);
  await assert.rejects(open(file, 'correct horse').get('a'), rejectsWith('VAULT_CORRUPT'));
  writeFileSync(file, bytes.subarray(0, 40));
  await assert.rejects(open(file, 'correct horse').get('a'), rejectsWith('VAULT_CORRUPT'));
  writeFileSync(file, 'not a vault at all, just text');
  await assert.rejects(open(file, 'correct horse').get('a'), rejectsWith('VAULT_CORRUPT'));
});

test('two console processes writing at once keep both secrets', async () => {
  const file = fresh();
  await open(file, 'correct horse').set('seed', '0');
  const writers = Array.from({ length: 6 }, () => open(file, 'correct horse'));
  await Promise.all(writers.map((vault, i) => vault.set(`key-${i}`, `value-${i}`)));
  const reader = open(file, 'correct horse');
  for (let i = 0; i < writers.length; i++) assert.equal(await reader.get(`key-${i}`), `value-${i}`);
  assert.deepEqual(readdirSync(join(file, '..')).sort(), ['vault.bin'], 'no lock or temp files are left behind');
});

test('a new vault refuses a passphrase shorter than 8 characters and writes nothing', async () => {
  const file = fresh();
  await assert.rejects(open(file, 'short').set('a', '1'), rejectsWith('INVALID_INPUT'));
  assert.deepEqual(readdirSync(join(file, '..')), []);
});

test('without a passphrase the vault stays locked with an explanation', async () => {
  const file = fresh();
  await open(file, 'correct horse').set('a', '1');
  const locked = new PassphraseVault({ file, passphrase: async () => undefined });
  assert.equal(locked.status().state, 'locked');
  await assert.rejects(locked.get('a'), (e: unknown) => rejectsWith('VAULT_LOCKED')(e) && /COPPER_PASSPHRASE/.test((e as Error).message));
});

test('a vault created by another process after this one unlocked is re-read with the same passphrase', async () => {
  const file = fresh();
  const server = open(file, 'correct horse');
  await server.unlock(); // unlocked before any vault file exists, as `copper serve` does
  await open(file, 'correct horse').set('from-cli', 'cli-value'); // the CLI creates the vault meanwhile
  assert.equal(await server.get('from-cli'), 'cli-value');
  await server.set('from-server', 'server-value');
  assert.equal(await open(file, 'correct horse').get('from-cli'), 'cli-value', 'the CLI secret survives the server write');
});

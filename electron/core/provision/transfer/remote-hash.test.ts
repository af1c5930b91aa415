import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CopperError } from '../../../../shared/contract';
import { parseSha256sum } from './remote-hash';

const captured = readFileSync(join(__dirname, 'fixtures', 'sha256sum-debian12.txt'), 'utf8');
const asked = ['/tmp/copper-fixture-a', '/tmp/copper-fixture-b', '/tmp/copper-fixture-missing'];

test('reads each digest of sha256sum -b and leaves out a file it could not read', () => {
  const digests = parseSha256sum(captured, asked, 'lab (host)');
  assert.deepEqual([...digests], [
    ['/tmp/copper-fixture-a', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['/tmp/copper-fixture-b', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ]);
});

test('refuses a line for a file that was not asked for, rather than attribute its digest', () => {
  assert.throws(() => parseSha256sum(captured, ['/tmp/copper-fixture-a'], 'lab (host)'), (error: unknown) => error instanceof CopperError && /not asked for/.test(error.message));
});

test('refuses an escaped or garbled line (sha256sum prefixes names with odd characters by a backslash)', () => {
  const escaped = `\\${captured.split('\n')[0] ?? ''}\n`;
  assert.throws(() => parseSha256sum(escaped, asked, 'lab (host)'), /cannot read/);
  assert.throws(() => parseSha256sum('sha256sum: warning\n', asked, 'lab (host)'), /cannot read/);
});

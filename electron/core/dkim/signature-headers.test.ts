import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { signaturesIn } from './signature-headers';

const fixture = readFileSync(join(__dirname, 'fixtures', 'rspamc-mime-two-signatures.txt'), 'utf8');

test('reads both signatures Rspamd added, folded over several lines, in order', () => {
  assert.deepEqual(signaturesIn(fixture), [
    { domain: 'fixture.lab.example', selector: 'cu-2026-11', algorithm: 'ed25519-sha256' },
    { domain: 'fixture.lab.example', selector: 'cu-2026-10', algorithm: 'rsa-sha256' },
  ]);
});

test('ignores a DKIM-Signature that appears in the body', () => {
  const message = 'From: a@b.example\r\nSubject: x\r\n\r\nDKIM-Signature: v=1; d=b.example; s=fake;\r\n';
  assert.deepEqual(signaturesIn(message), []);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CopperError } from '../../../shared/contract';
import { nextSelector } from './selector-pattern';

const november = new Date('2026-11-21T03:00:00Z');

test('fills the date into the pattern', () => {
  assert.equal(nextSelector('cu-{yyyy}-{mm}', november, new Set()), 'cu-2026-11');
  assert.equal(nextSelector('mail{yyyy}{mm}{dd}', november, new Set()), 'mail20261121');
});

test('never reuses a selector the domain had: a second key in the same month gets a suffix', () => {
  assert.equal(nextSelector('cu-{yyyy}-{mm}', november, new Set(['cu-2026-11'])), 'cu-2026-11-2');
  assert.equal(nextSelector('cu-{yyyy}-{mm}', november, new Set(['cu-2026-11', 'cu-2026-11-2'])), 'cu-2026-11-3');
});

test('refuses a pattern that does not give one DNS label', () => {
  assert.throws(() => nextSelector('-{yyyy}', november, new Set()), (error: unknown) => error instanceof CopperError && error.code === 'INVALID_INPUT');
});

import assert from 'node:assert/strict';
import { CopperError } from '../../shared/contract';

/** The CopperError a call must fail with; fails the test if it succeeds or throws anything else. */
export async function rejection(promise: Promise<unknown>): Promise<CopperError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CopperError, String(error));
    return error;
  }
  assert.fail('expected the call to fail');
}

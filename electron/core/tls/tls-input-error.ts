import { CopperError, type ErrorCode } from '../../../shared/contract';
import type { TlsInputProblem } from '../../../shared/contract/tls';

/**
 * An input the operator gave cannot be used. `reason` is stable for scripts and tests; the message names the cause and
 * the fix. Never put key material, passwords or file contents into the message or details.
 */
export function tlsInputError(reason: TlsInputProblem, message: string, code: ErrorCode = 'INVALID_INPUT'): CopperError {
  return new CopperError(code, message, { reason });
}

import { z } from 'zod';

/** Stable error codes. Scripts and tests match on these; never rename one. */
export const ErrorCode = z.enum([
  'INVALID_INPUT',
  'UNKNOWN_OPERATION',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'IN_USE',
  'PLAN_CHANGED',
  'NOT_CONFIRMED',
  'CANCELLED',
  'VAULT_LOCKED',
  'VAULT_PASSPHRASE_WRONG',
  'VAULT_CORRUPT',
  'SECRET_STORE_UNAVAILABLE',
  'AUDIT_CHAIN_BROKEN',
  'IMPORT_INVALID',
  'UNAUTHORIZED',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_MISMATCH',
  'AUTH_FAILED',
  'KEY_PASSPHRASE_WRONG',
  'HOST_UNREACHABLE',
  'CONNECT_TIMEOUT',
  'JUMP_HOST_FAILED',
  'CONNECTION_LOST',
  'PRIVILEGE_MISSING',
  'COMMAND_FAILED',
  'COMMAND_TIMEOUT',
  'DOCKER_UNAVAILABLE',
  'POSTFIX_UNAVAILABLE',
  'QUEUE_READ_INCOMPLETE',
  'DNS_RESOLVER_MISSING',
  'DNS_UNREACHABLE',
  'DNS_TIMEOUT',
  'DNS_SERVFAIL',
  'DNS_REFUSED',
  'DNS_BAD_RESPONSE',
  'DKIM_RECORD_NOT_VERIFIED',
  'RSPAMD_RELOAD_FAILED',
  'TLS_NOT_DEPLOYABLE',
  'TLS_DEPLOY_ROLLED_BACK',
  'TLS_ROLLBACK_FAILED',
  'BUNDLE_MALFORMED',
  'BUNDLE_SIGNATURE_INVALID',
  'BUNDLE_UNKNOWN_PUBLISHER',
  'BUNDLE_FILE_MISSING',
  'BUNDLE_UNEXPECTED_FILE',
  'BUNDLE_UNSAFE_PATH',
  'BUNDLE_DIGEST_MISMATCH',
  'BUNDLE_IMAGE_MISMATCH',
  'DISK_FULL',
  'PROVISION_IMAGES_MISSING',
  'PROVISION_ROLLED_BACK',
  'PROVISION_ROLLBACK_FAILED',
  'PROVISION_NO_BUNDLE',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorEnvelope = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/** The one error type that crosses every boundary: its message is a sentence naming the cause and the fix. */
export class CopperError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CopperError';
  }

  toEnvelope(): ErrorEnvelope {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromEnvelope(envelope: ErrorEnvelope): CopperError {
    return new CopperError(envelope.code, envelope.message, envelope.details);
  }
}

export const isCopperError = (value: unknown): value is CopperError => value instanceof CopperError;

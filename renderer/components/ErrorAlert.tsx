import { Alert, List, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { CopperError, type ErrorCode } from '../../shared/contract';

const titles: Partial<Record<ErrorCode, string>> = {
  INVALID_INPUT: 'Some values are not valid',
  UNKNOWN_OPERATION: 'This console does not know that operation',
  NOT_FOUND: 'Not found',
  ALREADY_EXISTS: 'That name is taken',
  IN_USE: 'Still in use',
  PLAN_CHANGED: 'The situation changed',
  NOT_CONFIRMED: 'Not confirmed',
  CANCELLED: 'Cancelled',
  VAULT_LOCKED: 'The secret vault is locked',
  VAULT_PASSPHRASE_WRONG: 'Wrong vault passphrase',
  VAULT_CORRUPT: 'The secret vault is damaged',
  SECRET_STORE_UNAVAILABLE: 'Secrets cannot be stored',
  AUDIT_CHAIN_BROKEN: 'The audit trail is broken',
  IMPORT_INVALID: 'The file cannot be imported',
  UNAUTHORIZED: 'Not allowed',
  HOST_KEY_UNKNOWN: 'The host key is not trusted yet',
  HOST_KEY_MISMATCH: 'The host key changed',
  AUTH_FAILED: 'The server refused the login',
  KEY_PASSPHRASE_WRONG: 'Wrong key passphrase',
  HOST_UNREACHABLE: 'The host cannot be reached',
  CONNECT_TIMEOUT: 'The host did not answer in time',
  JUMP_HOST_FAILED: 'The jump host failed',
  CONNECTION_LOST: 'The connection was lost',
  PRIVILEGE_MISSING: 'Root rights are missing',
  COMMAND_FAILED: 'A command on the server failed',
  COMMAND_TIMEOUT: 'A command on the server took too long',
  DOCKER_UNAVAILABLE: 'Docker does not answer',
  DNS_RESOLVER_MISSING: 'The site has no DNS resolver',
  DNS_UNREACHABLE: 'The DNS resolver cannot be reached',
  DNS_TIMEOUT: 'The DNS resolver did not answer in time',
  DNS_SERVFAIL: 'The DNS resolver could not answer',
  DNS_REFUSED: 'The DNS resolver refused to answer',
  DNS_BAD_RESPONSE: 'The DNS resolver sent an unusable answer',
  DKIM_RECORD_NOT_VERIFIED: 'The DKIM record is not published as expected',
  RSPAMD_RELOAD_FAILED: 'Rspamd did not take the new configuration',
  PROVISION_IMAGES_MISSING: 'Images are missing on the host',
  PROVISION_NO_BUNDLE: 'No bundle was pushed to this host',
  PROVISION_ROLLED_BACK: 'The apply failed and was rolled back',
  PROVISION_ROLLBACK_FAILED: 'The apply failed and so did its rollback',
  INTERNAL: 'Something went wrong',
};

interface Problem {
  path: string;
  message: string;
}

function problemsOf(details: unknown): Problem[] {
  const problems = (details as { problems?: unknown } | null | undefined)?.problems;
  if (!Array.isArray(problems)) return [];
  return problems.flatMap((p: unknown): Problem[] => {
    const { path, message } = (p ?? {}) as { path?: unknown; message?: unknown };
    return typeof message === 'string' ? [{ path: typeof path === 'string' ? path : '', message }] : [];
  });
}

/** Shows any error in plain words: the core's message (a sentence naming cause and fix), its stable code, and field problems. */
export function ErrorAlert({ error, title, onClose }: { error: unknown; title?: string; onClose?: () => void }) {
  const copper = error instanceof CopperError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  // The core's INVALID_INPUT message already names its problems; list only those it does not.
  const problems = (copper ? problemsOf(copper.details) : []).filter((problem) => !message.includes(problem.message));
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertTriangle size={20} />}
      title={title ?? (copper ? titles[copper.code] : undefined) ?? 'Something went wrong'}
      role="alert"
      data-testid="error-alert"
      withCloseButton={onClose !== undefined}
      closeButtonLabel="Dismiss"
      {...(onClose ? { onClose } : {})}
    >
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {message}
      </Text>
      {problems.length > 0 && (
        <List size="sm" mt="xs">
          {problems.map((problem, index) => (
            <List.Item key={index}>{problem.path ? `${problem.path}: ${problem.message}` : problem.message}</List.Item>
          ))}
        </List>
      )}
      {copper && (
        <Text size="xs" c="dimmed" mt={6}>
          Code {copper.code}
        </Text>
      )}
    </Alert>
  );
}

import { CopperError } from '../../../shared/contract';

/** Turns what ssh2 and the socket layer throw into errors that name the cause and the fix. */
export function sshError(error: unknown, target: string, via?: string): CopperError {
  if (error instanceof CopperError) return error;
  const e = error as { level?: string; code?: string; message?: string };
  const message = e.message ?? String(error);
  const through = via ? ` (through jump host ${via})` : '';
  if (e.level === 'client-authentication') {
    return new CopperError(
      'AUTH_FAILED',
      `${target} refused the login${through}: wrong password or key, or the key is not in the user's authorized_keys. Check the host's login settings.`,
    );
  }
  if (e.level === 'client-timeout' || /timed out/i.test(message)) {
    return new CopperError('CONNECT_TIMEOUT', `${target} did not answer in time${through}. Check that the server is up and the address and port are right.`);
  }
  if (e.code === 'ECONNREFUSED') {
    return new CopperError('HOST_UNREACHABLE', `Nothing accepts SSH connections at ${target}${through}: is sshd running, and is the port right?`);
  }
  if (e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') {
    return new CopperError('HOST_UNREACHABLE', `${target} cannot be reached${through} (${e.code}). Check the address and the network path.`);
  }
  if (e.code === 'ECONNRESET' || /Connection lost|socket hang up|Not connected|No response from server/i.test(message)) {
    return new CopperError('CONNECTION_LOST', `The SSH connection to ${target} was lost${through}. The operation may not have finished; check and try again.`);
  }
  return new CopperError('HOST_UNREACHABLE', `Could not connect to ${target}${through}: ${message}`);
}

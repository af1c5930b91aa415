import { CopperError, type HostKeyReport } from '../../../shared/contract';
import type { InventoryService } from '../inventory/inventory.service';
import type { CommandHandler, QueryHandler } from '../router/handlers';
import type { SshPool } from './ssh-pool';

async function report(pool: SshPool, inventory: InventoryService, hostName: string): Promise<HostKeyReport> {
  const host = inventory.getHost(hostName);
  const presented = await pool.probe(host.name);
  return {
    host: host.name,
    presentedFingerprint: presented.fingerprint,
    keyType: presented.keyType,
    pinnedFingerprint: host.pinnedFingerprint,
    matches: presented.fingerprint === host.pinnedFingerprint,
  };
}

export function sshHandlers(
  pool: SshPool,
  inventory: InventoryService,
): { 'ssh.probe': QueryHandler<'ssh.probe'>; 'ssh.trust': CommandHandler<'ssh.trust'> } {
  return {
    'ssh.probe': (input) => report(pool, inventory, input.host),
    'ssh.trust': {
      scope: (input) => inventory.scopeOfHost(input.host),
      // The plan carries the presented fingerprint, so its hash binds the operator's confirmation to that exact key:
      // if the server presents another key by the time of execution, the router refuses with PLAN_CHANGED.
      plan: async (input) => {
        const presented = await report(pool, inventory, input.host);
        if (input.fingerprint !== undefined && input.fingerprint !== presented.presentedFingerprint) {
          throw new CopperError(
            'HOST_KEY_MISMATCH',
            `${presented.host} presents ${presented.presentedFingerprint}, not the expected ${input.fingerprint}. Nothing was pinned. Find out why before trusting this server.`,
            { host: presented.host, expected: input.fingerprint, presented: presented.presentedFingerprint },
          );
        }
        const repin = presented.pinnedFingerprint !== null && !presented.matches;
        return {
          summary: presented.matches
            ? `${presented.host} already presents its pinned key`
            : `${repin ? 'Re-pin' : 'Pin'} the host key of ${presented.host}`,
          changes: presented.matches
            ? []
            : [
                {
                  action: repin ? 'update' : 'create',
                  target: `host key of ${presented.host}`,
                  detail: `${presented.keyType} ${presented.presentedFingerprint}${repin ? ` (was ${presented.pinnedFingerprint})` : ''}`,
                },
              ],
          warnings: repin
            ? [
                `The key changed since it was pinned. Trust the new one only if you know the server was reinstalled or its key replaced; otherwise someone may be intercepting the connection.`,
              ]
            : presented.matches
              ? []
              : ['Compare this fingerprint with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` run on the server itself (or read to you by its administrator) before trusting it.'],
          // Trusting a key is a security decision: always ask, like a destructive change.
          destructive: !presented.matches,
          presented,
        };
      },
      execute: async (input) => {
        const presented = await report(pool, inventory, input.host);
        const host = inventory.pinHostKey(input.host, presented.presentedFingerprint);
        pool.drop(host.name);
        return { host: host.name, pinnedFingerprint: presented.presentedFingerprint };
      },
      emits: ['inventory.changed'],
    },
  };
}

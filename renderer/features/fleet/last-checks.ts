import { useCallback } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { CopperError, ErrorCode, type HostCheck } from '../../../shared/contract';
import { queryKey, useCopperQuery } from '../../api/client-context';

const lastKey = queryKey('fleet.last', {});

/** The last stored check of every host (the core keeps them), without contacting any server. */
export function useLastChecks() {
  return useCopperQuery('fleet.last', {}, { staleTime: 0 });
}

/** The last check of one host, if it was ever checked. */
export function useLastCheck(host: string): HostCheck | undefined {
  const last = useLastChecks();
  return last.data?.find((check) => check.host.toLowerCase() === host.toLowerCase());
}

/**
 * Puts fresh checks into the cached `fleet.last`, so the fleet overview, the Hosts table and the host page agree at once
 * without asking the core again (it stored the same checks).
 */
export function useRememberChecks(): (checks: HostCheck[]) => void {
  const queryClient = useQueryClient();
  return useCallback(
    (checks: HostCheck[]) => {
      queryClient.setQueryData<HostCheck[]>(lastKey, (previous) => {
        const byHost = new Map((previous ?? []).map((check) => [check.host.toLowerCase(), check]));
        for (const check of checks) byHost.set(check.host.toLowerCase(), check);
        return [...byHost.values()].sort((a, b) => a.host.localeCompare(b.host, undefined, { sensitivity: 'base' }));
      });
    },
    [queryClient],
  );
}

/** A check's problem as the error type the UI shows everywhere (title, message, code). */
export function checkProblem(check: HostCheck): CopperError | null {
  if (!check.error) return null;
  const code = ErrorCode.safeParse(check.error.code);
  return new CopperError(code.success ? code.data : 'INTERNAL', check.error.message);
}

const FINGERPRINT = 'SHA256:[A-Za-z0-9+/]{43}';

/** Both fingerprints of a HOST_KEY_MISMATCH message ("… (pinned SHA256:…, presented SHA256:…) …"). */
export function mismatchFingerprints(message: string): { pinned: string; presented: string } | null {
  const found = new RegExp(`pinned (${FINGERPRINT}), presented (${FINGERPRINT})`).exec(message);
  return found?.[1] && found[2] ? { pinned: found[1], presented: found[2] } : null;
}

/** One word for where a host stands, for badges. */
export type HostHealth = 'ok' | 'warning' | 'key' | 'down' | 'unknown';

export function healthOf(check: HostCheck | undefined): HostHealth {
  if (!check) return 'unknown';
  if (check.error?.code.startsWith('HOST_KEY_')) return 'key';
  if (!check.reachable) return 'down';
  const componentDown = check.components.some((c) => c.present === 'yes' && c.running === 'no');
  const diskFull = check.disks.some((d) => d.usePercent >= 90);
  return check.error || componentDown || diskFull || check.warnings.length > 0 ? 'warning' : 'ok';
}

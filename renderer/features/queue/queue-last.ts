import { useCallback } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { HostQueueState } from '../../../shared/contract';
import { queryKey, useCopperQuery } from '../../api/client-context';

const lastKey = queryKey('queue.last', {});

/** The last queue summary of every host, as the core stored it: for badges, without contacting any server. */
export function useLastQueues() {
  return useCopperQuery('queue.last', {}, { staleTime: 30_000 });
}

/** The last queue state of one host, if its queue was ever read. */
export function useLastQueue(host: string): HostQueueState | undefined {
  const last = useLastQueues();
  return last.data?.find((state) => state.host.toLowerCase() === host.toLowerCase());
}

/** After a read the core has stored newer summaries: badges elsewhere (fleet overview, host page) should show them. */
export function useForgetLastQueues(): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(() => queryClient.invalidateQueries({ queryKey: lastKey }), [queryClient]);
}

/** Every cached queue listing: after an action or a new read, no page of an older read may be shown. */
export function useForgetQueueLists(): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(() => queryClient.invalidateQueries({ queryKey: ['queue.list'] }), [queryClient]);
}

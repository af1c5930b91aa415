import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { QueryClient, QueryClientProvider, useQuery, type UseQueryOptions } from '@tanstack/react-query';
import { createClient, type CopperClient, type InputOf, type OutputOf } from '../../shared/client/client';
import type { QueryName } from '../../shared/contract';
import type { ConnectionStatus, ConnectionTransport } from './transport';

interface ClientContextValue {
  client: CopperClient;
  transport: ConnectionTransport;
}

const ClientContext = createContext<ClientContextValue | null>(null);

/** Queries are keyed by operation name first, so an event can invalidate a whole capability by prefix. */
export const queryKey = <N extends QueryName>(name: N, input: InputOf<N>) => [name, input] as const;

const startsWith = (prefix: string) => (query: { queryKey: readonly unknown[] }) =>
  typeof query.queryKey[0] === 'string' && query.queryKey[0].startsWith(prefix);

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // The core is local and answers in milliseconds; errors are real answers (NOT_FOUND…), not flaky networks.
      queries: { retry: false, refetchOnWindowFocus: false, staleTime: 5_000 },
    },
  });
}

/**
 * Provides the typed contract client and keeps cached queries honest: the core announces inventory changes and audit
 * appends, and a reconnect refetches everything (changes may have happened while the link was down).
 */
export function ClientProvider({
  transport,
  queryClient,
  children,
}: {
  transport: ConnectionTransport;
  queryClient: QueryClient;
  children: ReactNode;
}) {
  const client = useMemo(() => createClient(transport), [transport]);

  useEffect(() => {
    const stopInventory = client.subscribe('inventory.changed', {}, () => {
      void queryClient.invalidateQueries({ predicate: startsWith('inventory.') });
      // DNS pages show sites' resolvers, domains and hosts' mail names.
      void queryClient.invalidateQueries({ predicate: startsWith('dns.') });
    });
    const stopAudit = client.subscribe('audit.appended', {}, () => {
      void queryClient.invalidateQueries({ predicate: startsWith('audit.') });
    });
    let wasOpen = transport.status().state === 'open';
    const stopStatus = transport.onStatus((status) => {
      if (status.state === 'open' && !wasOpen) void queryClient.invalidateQueries();
      wasOpen = status.state === 'open';
    });
    return () => {
      stopInventory();
      stopAudit();
      stopStatus();
    };
  }, [client, transport, queryClient]);

  const value = useMemo(() => ({ client, transport }), [client, transport]);
  return (
    <QueryClientProvider client={queryClient}>
      <ClientContext.Provider value={value}>{children}</ClientContext.Provider>
    </QueryClientProvider>
  );
}

function useClientContext(): ClientContextValue {
  const value = useContext(ClientContext);
  if (!value) throw new Error('useClient must be used inside <ClientProvider>.');
  return value;
}

export function useClient(): CopperClient {
  return useClientContext().client;
}

export function useConnectionStatus(): ConnectionStatus {
  const { transport } = useClientContext();
  return useSyncExternalStore(
    (onChange) => transport.onStatus(onChange),
    () => transport.status(),
  );
}

type ExtraQueryOptions<N extends QueryName> = Omit<
  UseQueryOptions<OutputOf<N>, Error, OutputOf<N>, readonly [N, InputOf<N>]>,
  'queryKey' | 'queryFn'
>;

/** A contract query through TanStack Query: cached by operation and input, typed from the contract. */
export function useCopperQuery<N extends QueryName>(name: N, input: InputOf<N>, options: ExtraQueryOptions<N> = {}) {
  const client = useClient();
  return useQuery({
    ...options,
    queryKey: queryKey(name, input),
    queryFn: ({ signal }) => client.query(name, input, { signal }),
  });
}

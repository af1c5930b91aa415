import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import type { InputOf, OutputOf } from '../../../shared/client/client';
import type { QueueFilter, QueueListItem, QueueSort } from '../../../shared/contract';
import { useClient } from '../../api/client-context';

/** Rows per `queue.list` call: a few screens' worth, so normal scrolling crosses a page boundary rarely. */
export const PAGE_SIZE = 500;

type ListInput = InputOf<'queue.list'>;
type ListPage = OutputOf<'queue.list'>;

export interface QueueRows {
  /** 'waiting': the page has not asked yet (its first read is still running). */
  status: 'waiting' | 'loading' | 'error' | 'ready';
  error: unknown;
  /** When the listing being paged through was read. */
  asOf: string | null;
  /** Messages in that read, and how many of them the filter matches (the table's row count). */
  total: number;
  matched: number;
  isFetching: boolean;
  /** The message at a row, or undefined while its page loads. */
  rowAt(index: number): QueueListItem | undefined;
  /** The table says which rows are on screen (overscan included); their pages are fetched. */
  showRows(first: number, last: number): void;
  /** The IDs of rows `from`…`to` (inclusive), fetching pages not seen yet; null when the listing was read anew meanwhile. */
  idsBetween(from: number, to: number): Promise<string[] | null>;
}

/**
 * Pages through one read of a queue (`queue.list` with fresh: false) for the virtualised table.
 *
 * Every page is keyed by host + filter + sort + the read's `asOf`, so scrolling back and forth shows the same rows in the
 * same places and never mixes two reads: if a page comes back from a newer read (someone refreshed meanwhile), the
 * first page is asked again, and with it the row count and every page.
 *
 * `after`: the time of the read the page made (queue.summary / queue.fleet); a listing older than that is read anew, so
 * the table and the cards above it describe the same queue. undefined: wait (that read is still running).
 */
export function useQueuePages({
  host,
  filter,
  sort,
  after,
}: {
  host: string | undefined;
  filter: QueueFilter;
  sort: QueueSort;
  after: string | null | undefined;
}): QueueRows {
  const client = useClient();
  const queryClient = useQueryClient();

  const base = useMemo(() => ({ ...(host !== undefined ? { host } : {}), filter, sort, limit: PAGE_SIZE, fresh: false }), [host, filter, sort]);
  const inputAt = useCallback((page: number): ListInput => ({ ...base, offset: page * PAGE_SIZE }), [base]);

  const head = useQuery({
    queryKey: ['queue.list', inputAt(0), { after: after ?? null }] as const,
    queryFn: async ({ signal }): Promise<ListPage> => {
      const page = await client.query('queue.list', inputAt(0), { signal });
      if (after && Date.parse(page.asOf) < Date.parse(after)) return client.query('queue.list', { ...inputAt(0), fresh: true }, { signal });
      return page;
    },
    enabled: after !== undefined,
    staleTime: Infinity,
    // A newer read of the same listing keeps the rows on screen (and the scroll place) until it arrives; another
    // filter or sort does not, since its old rows would be the wrong messages.
    placeholderData: (previous, previousQuery) =>
      previousQuery && JSON.stringify(previousQuery.queryKey[1]) === JSON.stringify(inputAt(0)) ? previous : undefined,
  });
  const snapshot = head.data?.asOf ?? null;
  const matched = head.data?.matched ?? 0;

  const pageKey = useCallback((page: number) => ['queue.list', inputAt(page), { snapshot }] as const, [inputAt, snapshot]);
  const fetchPage = useCallback(
    (page: number, signal?: AbortSignal) => client.query('queue.list', inputAt(page), signal ? { signal } : {}),
    [client, inputAt],
  );

  // Only page numbers are state, so scrolling inside a page re-renders nothing here.
  const [shown, setShown] = useState<readonly [number, number]>([0, 0]);
  const showRows = useCallback((first: number, last: number) => {
    const next = [Math.floor(Math.max(0, first) / PAGE_SIZE), Math.floor(Math.max(0, last) / PAGE_SIZE)] as const;
    setShown((current) => (current[0] === next[0] && current[1] === next[1] ? current : next));
  }, []);

  const pageNumbers = useMemo(() => {
    const numbers: number[] = [];
    for (let page = Math.max(1, shown[0]); page <= shown[1] && page * PAGE_SIZE < matched; page++) numbers.push(page);
    return numbers;
  }, [shown, matched]);

  const pages = useQueries({
    queries: pageNumbers.map((page) => ({
      queryKey: pageKey(page),
      queryFn: ({ signal }: { signal: AbortSignal }) => fetchPage(page, signal),
      enabled: snapshot !== null,
      staleTime: Infinity,
      gcTime: 60_000,
    })),
  });

  const byPage = new Map<number, QueueListItem[]>();
  if (head.data) byPage.set(0, head.data.items);
  let newerRead = false;
  pages.forEach((result, index) => {
    const page = pageNumbers[index];
    if (page === undefined || !result.data) return;
    if (result.data.asOf === snapshot) byPage.set(page, result.data.items);
    else newerRead = true;
  });

  // A page from a newer read: start over from the first page, once per read (never a loop if the core misbehaves).
  const restartedFor = useRef<string | null>(null);
  const { refetch } = head;
  useEffect(() => {
    if (!newerRead || snapshot === null || restartedFor.current === snapshot) return;
    restartedFor.current = snapshot;
    void refetch();
  }, [newerRead, snapshot, refetch]);

  const rowAt = (index: number) => byPage.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];

  const idsBetween = useCallback(
    async (from: number, to: number): Promise<string[] | null> => {
      if (snapshot === null) return null;
      const [start, end] = from <= to ? [from, to] : [to, from];
      const ids: string[] = [];
      for (let page = Math.floor(start / PAGE_SIZE); page <= Math.floor(end / PAGE_SIZE); page++) {
        const data =
          page === 0
            ? head.data
            : await queryClient.fetchQuery({ queryKey: pageKey(page), queryFn: ({ signal }) => fetchPage(page, signal), staleTime: Infinity });
        if (!data || data.asOf !== snapshot) return null;
        data.items.forEach((item, offset) => {
          const row = page * PAGE_SIZE + offset;
          if (row >= start && row <= end) ids.push(item.id);
        });
      }
      return ids;
    },
    [snapshot, head.data, queryClient, pageKey, fetchPage],
  );

  const pageError = pages.find((result) => result.error)?.error ?? null;
  const status = after === undefined ? 'waiting' : head.data ? 'ready' : head.error ? 'error' : 'loading';

  return {
    status,
    error: head.error ?? pageError,
    asOf: snapshot,
    total: head.data?.total ?? 0,
    matched,
    isFetching: head.isFetching || pages.some((result) => result.isFetching),
    rowAt,
    showRows,
    idsBetween,
  };
}

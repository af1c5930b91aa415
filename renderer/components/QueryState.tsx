import type { ReactNode } from 'react';
import { Center, Loader, Stack, Text } from '@mantine/core';
import { ErrorAlert } from './ErrorAlert';

/** What a table shows around its rows: a loader, the error in plain words, or a friendly empty state. */
export function QueryState({
  isPending,
  error,
  empty,
  emptyTitle,
  emptyHint,
  children,
}: {
  isPending: boolean;
  error: unknown;
  empty: boolean;
  emptyTitle: string;
  emptyHint?: ReactNode;
  children: ReactNode;
}) {
  if (error && empty) return <ErrorAlert error={error} title="Could not load this list" />;
  if (isPending) {
    return (
      <Center py="xl">
        <Loader size="sm" aria-label="Loading" />
      </Center>
    );
  }
  if (empty) {
    return (
      <Stack align="center" gap={4} py={48} data-testid="empty-state">
        <Text fw={600}>{emptyTitle}</Text>
        {emptyHint && (
          <Text size="sm" c="dimmed" ta="center" maw={420}>
            {emptyHint}
          </Text>
        )}
      </Stack>
    );
  }
  // A refresh failed but earlier rows are at hand: keep showing them, and say they may be out of date.
  return (
    <>
      {error ? (
        <Stack p="sm">
          <ErrorAlert error={error} title="Could not refresh this list; it may be out of date" />
        </Stack>
      ) : null}
      {children}
    </>
  );
}

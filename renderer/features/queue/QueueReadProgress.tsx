import { Group, Paper, Progress as ProgressBar, Stack, Text } from '@mantine/core';
import type { Progress } from '../../../shared/contract';

/** The progress of a queue read (one host or the fleet), as the other long tasks show theirs. */
export function QueueReadProgress({ progress, what }: { progress: Progress | null; what: string }) {
  const total = progress?.total ?? null;
  const done = progress?.done ?? 0;
  const percent = total ? Math.min(100, (done / total) * 100) : 100;
  return (
    <Paper withBorder radius="md" p="md" data-testid="queue-progress">
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Text size="sm" fw={600}>
            {total ? `Reading ${what}: ${done} of ${total}` : `Reading ${what}…`}
          </Text>
          <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            {progress?.message ?? ''}
          </Text>
        </Group>
        <ProgressBar value={percent} striped animated size="lg" aria-label={`Progress of reading ${what}`} />
      </Stack>
    </Paper>
  );
}

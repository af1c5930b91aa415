import { Group, Text, Tooltip } from '@mantine/core';
import { IconClockHour4 } from '@tabler/icons-react';
import { formatTime } from '../fleet/format';
import { formatClock } from './format';

/** "as of 14:03:22": the moment the queue shown was read, so nobody mistakes an old picture for the present. */
export function AsOf({ asOf, label = 'as of' }: { asOf: string | null | undefined; label?: string }) {
  if (!asOf) {
    return (
      <Text size="sm" c="dimmed" data-testid="queue-as-of">
        not read yet
      </Text>
    );
  }
  return (
    <Tooltip label={`Read ${formatTime(asOf)}`}>
      <Group gap={4} wrap="nowrap" data-testid="queue-as-of" data-as-of={asOf}>
        <IconClockHour4 size={14} color="var(--mantine-color-dimmed)" aria-hidden />
        <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>{`${label} ${formatClock(asOf)}`}</Text>
      </Group>
    </Tooltip>
  );
}

import { Button, Group, Text } from '@mantine/core';
import { formatCount, plural } from './format';
import type { SelectionController } from './useQueueSelection';

/** How many messages an action would apply to, with the step up to "all matching the filter" and back to none. */
export function QueueSelectionBar({ selection, matched }: { selection: SelectionController; matched: number }) {
  const { by, count } = selection;
  return (
    <Group gap="xs" wrap="wrap" data-testid="queue-selection" data-count={count} data-by={by} aria-live="polite">
      <Text size="sm" fw={count > 0 ? 600 : undefined} c={count > 0 ? undefined : 'dimmed'}>
        {by === 'filter'
          ? `All ${plural(matched, 'message')} matching the filter ${matched === 1 ? 'is' : 'are'} selected.`
          : count === 0
            ? 'No message selected.'
            : `${formatCount(count)} selected.`}
      </Text>
      {by === 'ids' && matched > count && matched > 0 && (
        <Button size="compact-sm" variant="subtle" onClick={selection.selectAllMatching}>
          {`Select all ${formatCount(matched)} matching the filter`}
        </Button>
      )}
      {count > 0 && (
        <Button size="compact-sm" variant="subtle" color="gray" onClick={selection.clear}>
          Clear selection
        </Button>
      )}
      {selection.problem && (
        <Text size="sm" c="orange.8">
          {selection.problem}
        </Text>
      )}
    </Group>
  );
}

import { Badge, Group, Loader, Popover, Progress, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDocumentVisibility } from '@mantine/hooks';
import { IconCircleCheck } from '@tabler/icons-react';
import { findOperation, type RunningTask } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';

/**
 * The core registers every call it is serving, reads included (and so this very poll). Only commands and tasks are work
 * an operator would call "running".
 */
const isWork = (task: RunningTask) => {
  const kind = findOperation(task.operation)?.kind;
  return kind === 'task' || kind === 'command';
};

/** Running tasks in the header: polls `tasks.list` every 2 s while the window is visible. */
export function TasksIndicator() {
  const visible = useDocumentVisibility() === 'visible';
  const { data } = useCopperQuery('tasks.list', {}, { refetchInterval: visible ? 2000 : false, enabled: visible, staleTime: 0 });
  const running = (data ?? []).filter(isWork);
  const count = running.length;
  const label = count === 0 ? 'No tasks running' : `${count} task${count === 1 ? '' : 's'} running`;

  return (
    <Popover width={320} position="bottom-end" shadow="md" withArrow>
      <Popover.Target>
        <UnstyledButton
          aria-label={label}
          data-testid="tasks-indicator"
          data-count={count}
          px="sm"
          py={6}
          style={{ borderRadius: 'var(--mantine-radius-md)', border: '1px solid var(--mantine-color-default-border)' }}
        >
          <Group gap={8} wrap="nowrap">
            {count > 0 ? <Loader size={14} /> : <IconCircleCheck size={16} color="var(--mantine-color-dimmed)" aria-hidden />}
            <Text size="sm" c={count > 0 ? undefined : 'dimmed'} style={{ whiteSpace: 'nowrap' }}>
              {count > 0 ? `${count} running` : 'Idle'}
            </Text>
          </Group>
        </UnstyledButton>
      </Popover.Target>
      <Popover.Dropdown>
        {count === 0 ? (
          <Text size="sm" c="dimmed">
            No tasks are running.
          </Text>
        ) : (
          <Stack gap="sm">
            {running.map((task) => (
              <Stack key={task.id} gap={4}>
                <Group justify="space-between" wrap="nowrap">
                  <Text size="sm" fw={600}>
                    {task.operation}
                  </Text>
                  <Badge size="xs" variant="light">
                    {task.step}
                  </Badge>
                </Group>
                <Progress
                  value={task.total ? (task.done / task.total) * 100 : 100}
                  animated={!task.total}
                  striped={!task.total}
                  size="sm"
                  aria-label={`Progress of ${task.operation}`}
                />
                <Text size="xs" c="dimmed">
                  {task.message}
                </Text>
              </Stack>
            ))}
          </Stack>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}

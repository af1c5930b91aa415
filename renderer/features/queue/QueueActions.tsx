import { useState } from 'react';
import { Button, Group, Text } from '@mantine/core';
import { IconPlayerPause, IconPlayerPlay, IconRefresh, IconTrash } from '@tabler/icons-react';
import type { QueueActionResult, QueueSelection } from '../../../shared/contract';
import { useCommand } from '../../api/useCommand';
import { PlanDialog } from '../../components/PlanDialog';
import { formatCount } from './format';
import { QueuePlanDetails } from './QueuePlanDetails';

export type QueueAction = QueueActionResult['action'];

const actions: { action: QueueAction; label: string; icon: typeof IconTrash; color?: string; hint: string }[] = [
  { action: 'hold', label: 'Hold', icon: IconPlayerPause, hint: 'Keep them queued but stop delivery attempts' },
  { action: 'release', label: 'Release', icon: IconPlayerPlay, hint: 'Move held messages back to the deferred queue' },
  { action: 'requeue', label: 'Requeue', icon: IconRefresh, hint: 'Process them afresh with the current settings' },
  { action: 'delete', label: 'Delete', icon: IconTrash, color: 'red', hint: 'Remove them for good: never delivered, no bounce' },
];

export const actionNames: Record<QueueAction, string> = { hold: 'Hold', release: 'Release', requeue: 'Requeue', delete: 'Delete' };

/**
 * Hold, Release, Requeue and Delete for the selected messages, each through the plan dialog: the core counts what the
 * selection matches now and shows a sample, and the confirmation is bound to exactly those messages.
 */
export function QueueActions({
  host,
  selection,
  onDone,
}: {
  host: string;
  selection: QueueSelection | null;
  onDone: (result: QueueActionResult) => void;
}) {
  const command = useCommand();
  const [started, setStarted] = useState<QueueAction | null>(null);

  const start = async (action: QueueAction) => {
    if (!selection) return;
    setStarted(action);
    const outcome = await command.run(`queue.${action}`, { host, select: selection }, {
      success: (output) => `${actionNames[output.action]}: requested ${formatCount(output.requested)}, affected ${formatCount(output.affected)}`,
    });
    if (outcome.ok) onDone(outcome.output);
  };

  return (
    <>
      <Group gap="xs" wrap="wrap" role="group" aria-label="Actions on the selected messages" data-testid="queue-actions">
        {actions.map(({ action, label, icon: Icon, color, hint }) => (
          <Button
            key={action}
            size="xs"
            variant={color ? 'light' : 'default'}
            color={color}
            leftSection={<Icon size={14} />}
            disabled={selection === null}
            loading={command.planning && started === action}
            onClick={() => void start(action)}
            title={hint}
          >
            {label}
          </Button>
        ))}
        {selection === null && (
          <Text size="xs" c="dimmed">
            Select messages to act on them.
          </Text>
        )}
      </Group>
      <PlanDialog controller={command} details={(plan) => <QueuePlanDetails plan={plan} />} />
    </>
  );
}

import { Alert, Code, Text } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck } from '@tabler/icons-react';
import type { QueueActionResult } from '../../../shared/contract';
import { actionNames } from './QueueActions';
import { formatClock, formatCount } from './format';
import { ServerText } from './ServerText';

/** What the last action did, checked against a new read of the queue: requested, affected, and any left untouched. */
export function QueueActionResultAlert({ result, onClose }: { result: QueueActionResult; onClose: () => void }) {
  const complete = result.affected === result.requested && result.notAffected.length === 0;
  return (
    <Alert
      color={complete ? 'teal' : 'yellow'}
      variant="light"
      icon={complete ? <IconCircleCheck size={20} /> : <IconAlertTriangle size={20} />}
      title={`${actionNames[result.action]}: requested ${formatCount(result.requested)}, affected ${formatCount(result.affected)}`}
      withCloseButton
      closeButtonLabel="Dismiss"
      onClose={onClose}
      data-testid="queue-action-result"
      data-action={result.action}
      data-requested={result.requested}
      data-affected={result.affected}
    >
      {result.postsuperReport && (
        <Text size="sm">
          {'postsuper: '}
          <ServerText text={result.postsuperReport} />
        </Text>
      )}
      {result.notAffected.length > 0 && (
        <Text size="sm" mt={4}>
          {`Not affected (gone meanwhile or refused): `}
          <Code>{result.notAffected.join(' ')}</Code>
        </Text>
      )}
      <Text size="xs" c="dimmed" mt={4}>
        {`Checked against the queue as read at ${formatClock(result.asOf)}.`}
      </Text>
    </Alert>
  );
}

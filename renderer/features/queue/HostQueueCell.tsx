import { Anchor, Stack, Text } from '@mantine/core';
import type { HostQueueState } from '../../../shared/contract';
import { hostQueueHref } from '../../router';
import { plural } from './format';
import { QueueAlertBadges } from './QueueAlertBadges';

/** A host's queue in the fleet overview, from its last read: the message count (a link to the queue page) and alerts. */
export function HostQueueCell({ host, state }: { host: string; state: HostQueueState | undefined }) {
  const summary = state?.summary ?? null;
  return (
    <Stack gap={4} align="flex-start" data-testid="host-queue-cell">
      <Anchor href={hostQueueHref(host)} size="sm" style={{ whiteSpace: 'nowrap' }} aria-label={`Mail queue of ${host}`}>
        {summary ? plural(summary.messages, 'message') : 'open queue'}
      </Anchor>
      {summary ? (
        <QueueAlertBadges alerts={summary.alerts} />
      ) : state?.error ? (
        <Text size="xs" c="dimmed">
          last read failed
        </Text>
      ) : null}
    </Stack>
  );
}

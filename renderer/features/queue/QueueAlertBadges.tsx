import { Badge, Group, Tooltip } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { QueueAlert } from '../../../shared/contract';
import { formatBytes } from '../fleet/format';
import { formatAge } from '../../../shared/duration';
import { formatCount } from './format';

/** A badge's few words; the alert's own message (a full sentence from the core) is in the tooltip. */
export function alertLabel(alert: QueueAlert): string {
  switch (alert.kind) {
    case 'deferredMessages':
      return `queue: ${formatCount(alert.value)} deferred`;
    case 'totalBytes':
      return `queue: ${formatBytes(alert.value)}`;
    case 'growthPerMinute':
      return `queue: +${formatCount(Math.round(alert.value))}/min`;
    case 'oldestAgeSeconds':
      return `queue: oldest ${formatAge(alert.value)}`;
  }
}

/** The queue alerts of a host (or the fleet) as orange badges: the fleet overview, the host page and the queue pages. */
export function QueueAlertBadges({ alerts, size = 'sm' }: { alerts: QueueAlert[]; size?: 'sm' | 'md' }) {
  if (alerts.length === 0) return null;
  return (
    <Group gap={4} wrap="wrap" data-testid="queue-alert-badges">
      {alerts.map((alert) => (
        <Tooltip key={alert.kind} label={alert.message} maw={360} multiline>
          <Badge
            size={size}
            radius="sm"
            tt="none"
            color="orange"
            variant="light"
            leftSection={<IconAlertTriangle size={12} aria-hidden />}
            data-testid="queue-alert-badge"
            data-kind={alert.kind}
          >
            {alertLabel(alert)}
          </Badge>
        </Tooltip>
      ))}
    </Group>
  );
}

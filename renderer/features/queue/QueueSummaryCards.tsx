import { Alert, List, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconFileAlert } from '@tabler/icons-react';
import type { QueueName, QueueSummary } from '../../../shared/contract';
import { formatBytes } from '../fleet/format';
import { formatAge } from '../../../shared/duration';
import { formatCount, secondsSince } from './format';
import { QueueAlertBadges } from './QueueAlertBadges';
import { ServerText } from './ServerText';

function Stat({ label, value, hint, testId, tone }: { label: string; value: string; hint?: string; testId: string; tone?: string }) {
  return (
    <Paper withBorder radius="md" px="md" py="sm" data-testid={testId}>
      <Text fw={700} fz="xl" lh={1.15} c={tone} data-testid="stat-value" style={{ fontVariantNumeric: 'tabular-nums' }}>
        {value}
      </Text>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed" mt={2}>
          {hint}
        </Text>
      )}
    </Paper>
  );
}

const queueCount = (summary: QueueSummary, queue: QueueName) => summary.queues.find((q) => q.queue === queue)?.messages ?? 0;

/** The queue in numbers: sizes, the queues that matter, the oldest message and the growth, then alerts in words. */
export function QueueSummaryCards({ summary }: { summary: QueueSummary }) {
  const readAt = Date.parse(summary.asOf);
  const oldest = summary.oldestArrivalTime ? formatAge(secondsSince(summary.oldestArrivalTime, Number.isNaN(readAt) ? Date.now() : readAt)) : '—';
  const growth = summary.growthPerMinute;
  const held = queueCount(summary, 'hold');
  const corrupt = queueCount(summary, 'corrupt');
  const alerting = new Set(summary.alerts.map((alert) => alert.kind));
  const warn = (kind: QueueSummary['alerts'][number]['kind']) => (alerting.has(kind) ? 'orange.8' : undefined);

  return (
    <Stack gap="md" data-testid="queue-summary">
      <SimpleGrid cols={{ base: 2, sm: 4, lg: 8 }} spacing="sm">
        <Stat testId="stat-messages" label="messages" value={formatCount(summary.messages)} />
        <Stat testId="stat-recipients" label="recipients" value={formatCount(summary.recipients)} />
        <Stat testId="stat-bytes" label="in all queues" value={formatBytes(summary.bytes)} tone={warn('totalBytes')} />
        <Stat testId="stat-deferred" label="deferred" value={formatCount(queueCount(summary, 'deferred'))} tone={warn('deferredMessages')} />
        <Stat testId="stat-hold" label="on hold" value={formatCount(held)} tone={held > 0 ? 'yellow.8' : undefined} />
        <Stat testId="stat-active" label="active" value={formatCount(queueCount(summary, 'active') + queueCount(summary, 'incoming'))} hint="incl. incoming" />
        <Stat testId="stat-oldest" label="oldest message" value={oldest} tone={warn('oldestAgeSeconds')} />
        <Stat
          testId="stat-growth"
          label="growth per minute"
          value={growth === null ? '—' : `${growth > 0 ? '+' : ''}${formatCount(Math.round(growth * 10) / 10)}`}
          hint={growth === null ? 'needs two reads a minute apart' : undefined}
          tone={warn('growthPerMinute')}
        />
      </SimpleGrid>
      {summary.alerts.length > 0 && (
        <Alert color="orange" variant="light" icon={<IconAlertTriangle size={20} />} title="Over the alert thresholds" data-testid="queue-alerts">
          <Stack gap="xs">
            <QueueAlertBadges alerts={summary.alerts} />
            <List size="sm">
              {summary.alerts.map((alert) => (
                <List.Item key={alert.kind}>{alert.message}</List.Item>
              ))}
            </List>
          </Stack>
        </Alert>
      )}
      {corrupt > 0 && (
        <Alert color="red" variant="light" icon={<IconFileAlert size={20} />} title="Damaged queue files">
          {`${formatCount(corrupt)} message${corrupt === 1 ? ' is' : 's are'} in the corrupt queue: Postfix could not read ${corrupt === 1 ? 'it' : 'them'}. Look at the mail log before deleting anything.`}
        </Alert>
      )}
      {summary.unreadable.length > 0 && (
        <Alert color="yellow" variant="light" icon={<IconFileAlert size={20} />} title="Some queue records could not be read" data-testid="queue-unreadable">
          <Text size="sm">
            {`The console could not interpret ${formatCount(summary.unreadable.length)} record${summary.unreadable.length === 1 ? '' : 's'} of the listing; they are not counted above. As received:`}
          </Text>
          <Text
            component="pre"
            size="xs"
            ff="monospace"
            mt={6}
            mb={0}
            style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', maxHeight: 200, overflow: 'auto' }}
          >
            <ServerText text={summary.unreadable.join('\n')} />
          </Text>
        </Alert>
      )}
    </Stack>
  );
}

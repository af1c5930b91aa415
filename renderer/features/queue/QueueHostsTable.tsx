import { Anchor, Paper, Table, Text, Title } from '@mantine/core';
import type { HostQueueState, QueueName, QueueSummary } from '../../../shared/contract';
import { hostQueueHref } from '../../router';
import { formatBytes, formatTime } from '../fleet/format';
import { formatAge } from '../../../shared/duration';
import { formatCount, secondsSince } from './format';
import { QueueAlertBadges } from './QueueAlertBadges';

const count = (summary: QueueSummary, queue: QueueName) => summary.queues.find((q) => q.queue === queue)?.messages ?? 0;

function Numbers({ summary }: { summary: QueueSummary }) {
  const readAt = Date.parse(summary.asOf);
  return (
    <>
      <Table.Td ta="right" data-testid="host-queue-messages">
        {formatCount(summary.messages)}
      </Table.Td>
      <Table.Td ta="right" data-testid="host-queue-deferred">
        {formatCount(count(summary, 'deferred'))}
      </Table.Td>
      <Table.Td ta="right" data-testid="host-queue-hold">
        {formatCount(count(summary, 'hold'))}
      </Table.Td>
      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
        {formatBytes(summary.bytes)}
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        {summary.oldestArrivalTime ? formatAge(secondsSince(summary.oldestArrivalTime, Number.isNaN(readAt) ? Date.now() : readAt)) : '—'}
      </Table.Td>
    </>
  );
}

/** Every host's queue in one table: counts, alerts and, where a read failed, why; each host links to its queue page. */
export function QueueHostsTable({ states }: { states: HostQueueState[] }) {
  return (
    <Paper withBorder radius="md" p="lg" data-testid="queue-hosts">
      <Title order={3} size="h4" mb="sm">
        Hosts
      </Title>
      {states.length === 0 ? (
        <Text size="sm" c="dimmed">
          No host has been read yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={900} type="native">
          <Table verticalSpacing="xs" horizontalSpacing="sm" highlightOnHover aria-label="Queues per host">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Host</Table.Th>
                <Table.Th>Site</Table.Th>
                <Table.Th ta="right">Messages</Table.Th>
                <Table.Th ta="right">Deferred</Table.Th>
                <Table.Th ta="right">Hold</Table.Th>
                <Table.Th ta="right">Size</Table.Th>
                <Table.Th>Oldest</Table.Th>
                <Table.Th>Alerts</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {states.map((state) => (
                <Table.Tr key={state.host} data-testid={`queue-host-${state.host}`} data-error={state.error?.code}>
                  <Table.Td>
                    <Anchor href={hostQueueHref(state.host)} fw={600} size="sm">
                      {state.host}
                    </Anchor>
                    {state.summary && (
                      <Text size="xs" c="dimmed" title={formatTime(state.summary.asOf)}>
                        {`read ${formatTime(state.summary.asOf)}`}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{state.site}</Table.Td>
                  {state.summary ? (
                    <>
                      <Numbers summary={state.summary} />
                      <Table.Td>
                        {state.summary.alerts.length > 0 ? (
                          <QueueAlertBadges alerts={state.summary.alerts} />
                        ) : (
                          <Text size="sm" c="dimmed">
                            none
                          </Text>
                        )}
                      </Table.Td>
                    </>
                  ) : (
                    <Table.Td colSpan={6}>
                      {state.error ? (
                        <Text size="sm" c="red.8" style={{ overflowWrap: 'anywhere' }} data-testid="host-queue-error">
                          {state.error.message}
                          <Text span size="xs" c="dimmed" ml={6}>
                            {state.error.code}
                          </Text>
                        </Text>
                      ) : (
                        <Text size="sm" c="dimmed">
                          not read yet
                        </Text>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

import { Paper, Table, Text, Title } from '@mantine/core';
import type { QueueSummary } from '../../../shared/contract';
import { formatBytes } from '../fleet/format';
import { formatCount } from './format';
import { ServerText } from './ServerText';

/** Who fills the queue: the senders with the most messages waiting. A runaway script or a compromised account shows here. */
export function QueueTopSenders({ senders }: { senders: QueueSummary['topSenders'] }) {
  return (
    <Paper withBorder radius="md" p="lg" data-testid="queue-top-senders">
      <Title order={3} size="h4" mb="sm">
        Top senders
      </Title>
      {senders.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing queued.
        </Text>
      ) : (
        <Table verticalSpacing={4} horizontalSpacing="xs" fz="sm" layout="fixed" aria-label="Top senders">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Sender</Table.Th>
              <Table.Th ta="right" w={90}>
                Messages
              </Table.Th>
              <Table.Th ta="right" w={90}>
                Size
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {senders.map((sender, index) => (
              <Table.Tr key={index}>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>
                  {sender.sender === '' ? <Text span c="dimmed" size="sm">{'<> (bounces)'}</Text> : <ServerText text={sender.sender} />}
                </Table.Td>
                <Table.Td ta="right">{formatCount(sender.messages)}</Table.Td>
                <Table.Td ta="right">{formatBytes(sender.bytes)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

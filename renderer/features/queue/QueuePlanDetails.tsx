import { Alert, Stack, Table, Text } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { QueueActionPlan, type BasicPlan } from '../../../shared/contract';
import { formatBytes } from '../fleet/format';
import { formatCount, plural } from './format';
import { ServerText } from './ServerText';

/**
 * What a queue action's plan says beyond the common shape: how many messages the selection matches right now, which
 * selected ones are gone, and the first of them as the operator would recognise them. All of it server text, as text.
 */
export function QueuePlanDetails({ plan }: { plan: BasicPlan }) {
  const parsed = QueueActionPlan.safeParse(plan);
  if (!parsed.success) return null;
  const { matched, sample, missing } = parsed.data;
  return (
    <Stack gap="sm" data-testid="queue-plan-details">
      <Text size="sm" fw={600} data-testid="plan-matched" data-count={matched}>
        {`${plural(matched, 'message')} match${matched === 1 ? 'es' : ''} now.`}
      </Text>
      {missing > 0 && (
        <Alert color="gray" variant="light" icon={<IconInfoCircle size={18} />} py="xs" data-testid="plan-missing">
          {`${plural(missing, 'selected message is', 'selected messages are')} no longer in the queue (delivered or removed since the list was read) and will be left out.`}
        </Alert>
      )}
      {sample.length > 0 && (
        <Table.ScrollContainer minWidth={520} type="native" mah={260}>
          <Table verticalSpacing={2} horizontalSpacing="xs" fz="xs" aria-label="Messages this applies to" data-testid="plan-sample" layout="fixed">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={120}>ID</Table.Th>
                <Table.Th w={72}>Queue</Table.Th>
                <Table.Th>Sender</Table.Th>
                <Table.Th>Recipients</Table.Th>
                <Table.Th w={64} ta="right">
                  Size
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sample.map((message) => (
                <Table.Tr key={message.id} data-testid="plan-sample-row" data-id={message.id}>
                  <Table.Td ff="monospace">{message.id}</Table.Td>
                  <Table.Td>{message.queue}</Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>
                    {message.sender === '' ? '<>' : <ServerText text={message.sender} />}
                  </Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>
                    {message.recipients[0] ? <ServerText text={message.recipients[0].address} /> : '—'}
                    {message.recipients.length > 1 && <Text span c="dimmed" fz="xs">{` +${message.recipients.length - 1}`}</Text>}
                  </Table.Td>
                  <Table.Td ta="right">{formatBytes(message.size)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {matched > sample.length && (
        <Text size="xs" c="dimmed">{`…and ${formatCount(matched - sample.length)} more.`}</Text>
      )}
    </Stack>
  );
}

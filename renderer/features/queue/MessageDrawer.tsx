import { useState, type ReactNode } from 'react';
import { Alert, Badge, Box, Center, Drawer, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { QueueListItem } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatBytes, formatTime } from '../fleet/format';
import { ServerText } from './ServerText';

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack gap={6}>
      <Title order={3} size="h5">
        {title}
      </Title>
      {children}
    </Stack>
  );
}

function Fields({ fields, label, testId }: { fields: { name: string; value: string }[]; label: string; testId: string }) {
  if (fields.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        None.
      </Text>
    );
  }
  return (
    <Table verticalSpacing={4} horizontalSpacing="xs" withRowBorders={false} aria-label={label} data-testid={testId} layout="fixed">
      <Table.Tbody>
        {fields.map((field, index) => (
          <Table.Tr key={index}>
            <Table.Th w={170} fw={500} c="dimmed" style={{ verticalAlign: 'top', overflowWrap: 'anywhere' }}>
              <ServerText text={field.name} />
            </Table.Th>
            <Table.Td ff="monospace" fz={12.5} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
              <ServerText text={field.value} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** One message as `postcat -q` shows it: envelope, headers and the start of the body, all strictly as text. */
export function MessageDrawer({ message: opened, onClose }: { message: QueueListItem | null; onClose: () => void }) {
  // Keeps the last message while the drawer slides out, so its content does not vanish mid-animation.
  const [message, setMessage] = useState(opened);
  if (opened !== null && opened !== message) setMessage(opened);
  const show = useCopperQuery(
    'queue.show',
    { host: message?.host ?? '', id: message?.id ?? '' },
    { enabled: opened !== null, staleTime: 10_000 },
  );
  const data = show.data;

  return (
    <Drawer
      opened={opened !== null}
      onClose={onClose}
      position="right"
      size="xl"
      title={message ? `Message ${message.id} on ${message.host}` : ''}
      closeButtonProps={{ 'aria-label': 'Close' }}
      data-testid="message-drawer"
      styles={{ title: { fontWeight: 700, fontSize: 'var(--mantine-font-size-lg)' } }}
    >
      {message && (
        <Stack gap="lg">
          <Group gap="xs" wrap="wrap">
            <Badge variant="light" radius="sm" tt="none">
              {message.queue}
            </Badge>
            <Text size="sm" c="dimmed">{`arrived ${formatTime(message.arrivalTime)} · ${formatBytes(message.size)}`}</Text>
            {data?.queueFile && (
              <Text size="sm" ff="monospace" c="dimmed">
                <ServerText text={data.queueFile} />
              </Text>
            )}
          </Group>

          <Section title="Recipients">
            <Stack gap={6} data-testid="message-recipients">
              {message.recipients.map((recipient, index) => (
                <Box key={index}>
                  <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                    <ServerText text={recipient.address} />
                  </Text>
                  {recipient.reason && (
                    <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                      <ServerText text={recipient.reason} />
                    </Text>
                  )}
                </Box>
              ))}
            </Stack>
          </Section>

          {show.isPending ? (
            <Center py="lg">
              <Group gap="xs">
                <Loader size="sm" />
                <Text size="sm">Reading the message with postcat…</Text>
              </Group>
            </Center>
          ) : show.error ? (
            <ErrorAlert error={show.error} title={`Could not read message ${message.id}`} />
          ) : data ? (
            <>
              <Section title="Headers">
                <Fields fields={data.headers} label="Message headers" testId="message-headers" />
              </Section>
              <Section title="Body (start)">
                {data.bodyTruncated && (
                  <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={18} />} py="xs" data-testid="message-truncated">
                    Only the start of the body is shown: the rest was cut off at the preview limit.
                  </Alert>
                )}
                <Box
                  component="pre"
                  data-testid="message-body"
                  ff="monospace"
                  fz={12.5}
                  p="sm"
                  m={0}
                  style={{
                    whiteSpace: 'pre-wrap',
                    overflowWrap: 'anywhere',
                    maxHeight: '50vh',
                    overflow: 'auto',
                    border: '1px solid var(--mantine-color-default-border)',
                    borderRadius: 'var(--mantine-radius-md)',
                    background: 'light-dark(var(--mantine-color-gray-0), var(--mantine-color-dark-8))',
                  }}
                >
                  {data.bodyPreview === '' ? <Text span c="dimmed">The body is empty.</Text> : <ServerText text={data.bodyPreview} />}
                </Box>
                <Text size="xs" c="dimmed">
                  {'Shown as plain text; control characters appear as \\x.. markers.'}
                </Text>
              </Section>
              <Section title="Envelope">
                <Fields fields={data.envelope} label="Envelope records" testId="message-envelope" />
              </Section>
            </>
          ) : null}
        </Stack>
      )}
    </Drawer>
  );
}

import { Badge, Box, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { DeferralCause } from '../../../shared/contract';
import { formatCount, plural } from './format';
import { ServerText } from './ServerText';

export const categoryLooks: Record<DeferralCause['category'], { label: string; color: string }> = {
  connection: { label: 'connection', color: 'red' },
  dns: { label: 'DNS', color: 'grape' },
  mailbox: { label: 'mailbox', color: 'blue' },
  policy: { label: 'policy', color: 'orange' },
  tls: { label: 'TLS', color: 'violet' },
  timeout: { label: 'timeout', color: 'yellow' },
  resources: { label: 'resources', color: 'pink' },
  other: { label: 'other', color: 'gray' },
};

function Reason({ reason, max }: { reason: DeferralCause; max: number }) {
  const look = categoryLooks[reason.category];
  const share = max > 0 ? Math.max(2, Math.round((reason.recipients / max) * 100)) : 0;
  return (
    <Box data-testid="queue-reason" data-category={reason.category}>
      <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
        <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere', minWidth: 0 }}>
          <ServerText text={reason.cause} />
        </Text>
        <Badge color={look.color} variant="light" radius="sm" tt="none" size="sm">
          {look.label}
        </Badge>
      </Group>
      {/* A plain bar: its number is in the text next to it, so the bar needs no role of its own. */}
      <Box
        mt={4}
        h={8}
        aria-hidden
        style={{ borderRadius: 4, background: 'var(--mantine-color-default-hover)', overflow: 'hidden' }}
      >
        <Box h="100%" w={`${share}%`} bg={`var(--mantine-color-${look.color}-6)`} style={{ borderRadius: 4 }} />
      </Box>
      <Text size="xs" c="dimmed" mt={2} data-testid="queue-reason-counts">
        {`${plural(reason.recipients, 'recipient')} · ${plural(reason.messages, 'message')}`}
      </Text>
      {/* <details> opens with the keyboard and needs no script; the example is the one verbatim reason of this kind. */}
      <details>
        <summary style={{ cursor: 'pointer', fontSize: 'var(--mantine-font-size-xs)', color: 'var(--mantine-color-anchor)' }}>
          Example as Postfix recorded it
        </summary>
        <Text
          size="xs"
          ff="monospace"
          mt={4}
          p={6}
          data-testid="queue-reason-example"
          style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', borderRadius: 4, background: 'var(--mantine-color-default-hover)' }}
        >
          <ServerText text={reason.example} />
        </Text>
      </details>
    </Box>
  );
}

/** Why mail waits: the deferral causes, generalised by the core, as bars of the recipients each one holds back. */
export function QueueReasons({ reasons }: { reasons: DeferralCause[] }) {
  const sorted = [...reasons].sort((a, b) => b.recipients - a.recipients || b.messages - a.messages);
  const max = sorted[0]?.recipients ?? 0;
  const held = sorted.reduce((sum, reason) => sum + reason.recipients, 0);
  return (
    <Paper withBorder radius="md" p="lg" h="100%" data-testid="queue-reasons">
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Title order={3} size="h4">
          Deferral reasons
        </Title>
        {sorted.length > 0 && (
          <Text size="sm" c="dimmed">{`${plural(sorted.length, 'cause')} · ${formatCount(held)} recipients`}</Text>
        )}
      </Group>
      {sorted.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="queue-reasons-empty">
          No recipient is waiting with a recorded reason.
        </Text>
      ) : (
        <Stack gap="md">
          {sorted.map((reason, index) => (
            <Reason key={index} reason={reason} max={max} />
          ))}
        </Stack>
      )}
    </Paper>
  );
}

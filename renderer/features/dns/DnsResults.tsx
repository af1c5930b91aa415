import { Alert, Badge, Code, Group, List, Paper, Stack, Table, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { DnsCheckItem, DnsCheckResult } from '../../../shared/contract';
import { allOk, checkedAt, countsInWords, kindLabel, statusLook } from './dns-format';

/**
 * Record values as the resolver sent them (already escaped by the core: control and non-ASCII bytes as \DDD). They go
 * in only as React text children, never as HTML or into an attribute: a TXT record is data someone else wrote.
 */
function Values({ values, empty, testId, extra = [] }: { values: string[]; empty: string; testId: string; extra?: string[] }) {
  if (!values.length) {
    return (
      <Text size="sm" c="dimmed" fs="italic" data-testid={testId}>
        {empty}
      </Text>
    );
  }
  return (
    <Stack gap={4} data-testid={testId}>
      {values.map((value, index) => (
        <Group key={index} gap={6} wrap="nowrap" align="flex-start">
          {extra.includes(value) && (
            <Badge color="red" variant="light" radius="sm" size="sm" tt="none">
              extra
            </Badge>
          )}
          <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', flex: 1, padding: '4px 8px' }}>
            {value}
          </Code>
        </Group>
      ))}
    </Stack>
  );
}

function ItemRow({ item }: { item: DnsCheckItem }) {
  const look = statusLook[item.status];
  return (
    <Table.Tr data-testid={`dns-item-${item.kind}${item.kind === 'dkim' || item.kind === 'tlsa' ? `-${item.name}` : ''}`} data-status={item.status}>
      <Table.Td>
        <Badge color={look.color} variant="light" radius="sm">
          {look.label}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Text fw={600} size="sm">
          {kindLabel[item.kind]}
        </Text>
        <Text size="xs" c="dimmed">
          {item.label}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
          {item.name}
        </Text>
        <Text size="xs" c="dimmed">
          {item.type}
        </Text>
      </Table.Td>
      <Table.Td>
        <Values values={item.values} empty="—" testId="dns-expected" />
      </Table.Td>
      <Table.Td>
        <Stack gap={6}>
          <Values values={item.found} empty="nothing published" testId="dns-found" extra={item.extra} />
          {item.message && (
            <Text size="xs" c={item.status === 'ok' ? 'dimmed' : undefined} style={{ overflowWrap: 'anywhere' }} data-testid="dns-message">
              {item.message}
            </Text>
          )}
        </Stack>
      </Table.Td>
    </Table.Tr>
  );
}

/** Found against expected, record by record, side by side. */
export function DnsResults({ result }: { result: DnsCheckResult }) {
  return (
    <Stack gap="sm" data-testid="dns-results">
      <Group gap="sm">
        <Badge size="lg" color={allOk(result.counts) ? 'teal' : 'red'} variant="light" radius="sm" tt="none" data-testid="dns-counts">
          {countsInWords(result.counts)}
        </Badge>
        <Text size="sm" c="dimmed">
          {`As the resolver ${result.resolver} of site ${result.site} answered at ${checkedAt.format(new Date(result.checkedAt))}`}
        </Text>
      </Group>
      {result.warnings.length > 0 && (
        <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={20} />} title="Not everything could be checked" data-testid="dns-warnings">
          <List size="sm">
            {result.warnings.map((warning, index) => (
              <List.Item key={index}>{warning}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      <Paper withBorder radius="md">
        <Table.ScrollContainer minWidth={960} type="native">
          <Table verticalSpacing="sm" horizontalSpacing="md" aria-label="DNS records, expected and found" data-testid="dns-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={100}>Status</Table.Th>
                <Table.Th w={150}>Record</Table.Th>
                <Table.Th w={200}>Name</Table.Th>
                <Table.Th w="30%">Expected</Table.Th>
                <Table.Th w="30%">Found</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {result.items.map((item) => (
                <ItemRow key={`${item.kind}:${item.name}`} item={item} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
    </Stack>
  );
}

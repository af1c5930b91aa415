import { Fragment, useState } from 'react';
import { Badge, Button, Code, Group, Paper, SimpleGrid, Stack, Table, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import type { AuditRecord } from '../../../shared/contract';
import { useClient } from '../../api/client-context';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { SearchInput } from '../../components/SearchInput';
import { VerifyChain } from './VerifyChain';

const PAGE = 100;

const outcomeColors: Record<AuditRecord['outcome']['status'], string> = { succeeded: 'teal', failed: 'red', cancelled: 'gray' };

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** JSON as text, for a <Code block>: never HTML, so whatever an input held is shown exactly as it was. */
const pretty = (value: unknown) => JSON.stringify(value, null, 2) ?? 'null';

function Outcome({ outcome }: { outcome: AuditRecord['outcome'] }) {
  const badge = (
    <Badge color={outcomeColors[outcome.status]} variant="light" radius="sm">
      {outcome.status}
    </Badge>
  );
  return outcome.message ? (
    <Tooltip label={outcome.message} multiline maw={420}>
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}

function Details({ record }: { record: AuditRecord }) {
  const block = (title: string, value: unknown) => (
    <Stack gap={4} style={{ minWidth: 0 }}>
      <Text size="xs" fw={700} tt="uppercase" c="dimmed">
        {title}
      </Text>
      <Code block style={{ maxHeight: 320, overflow: 'auto', whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {pretty(value)}
      </Code>
    </Stack>
  );
  return (
    <Stack gap="sm" py="xs" data-testid={`audit-details-${record.seq}`}>
      <SimpleGrid cols={{ base: 1, md: 3 }} spacing="sm">
        {block('Input', record.input)}
        {block('Plan', record.plan)}
        {block('Outcome', record.outcome)}
      </SimpleGrid>
      <Text size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
        {`hash ${record.hash} · previous ${record.prevHash}`}
      </Text>
    </Stack>
  );
}

/** The tamper-evident audit trail: every change made through any shell, newest first, and a check of its hash chain. */
export function AuditPage() {
  const client = useClient();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const [expanded, setExpanded] = useState<Set<number>>(new Set());

  const records = useInfiniteQuery({
    queryKey: ['audit.list', { search: debounced }] as const,
    queryFn: ({ pageParam, signal }) =>
      client.query(
        'audit.list',
        { limit: PAGE, ...(pageParam ? { beforeSeq: pageParam } : {}), ...(debounced ? { search: debounced } : {}) },
        { signal },
      ),
    initialPageParam: 0,
    getNextPageParam: (last) => (last.records.length === PAGE ? last.records[last.records.length - 1]?.seq : undefined),
    placeholderData: keepPreviousData,
  });

  const rows = records.data?.pages.flatMap((page) => page.records) ?? [];
  const total = records.data?.pages[0]?.total ?? 0;
  const toggle = (seq: number) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(seq)) next.delete(seq);
      else next.add(seq);
      return next;
    });

  return (
    <>
      <PageHeader
        title="Audit trail"
        description="Every change made through the console, from any window or the command line. Records are chained by hash, so any edit shows."
      />
      <VerifyChain />
      <Group mb="md" justify="space-between" align="center">
        <SearchInput value={search} onChange={setSearch} label="Search the audit trail" placeholder="Operation, actor, site, host…" />
        {records.data && (
          <Text size="sm" c="dimmed" data-testid="audit-count">
            {debounced ? `${total} matching record${total === 1 ? '' : 's'}` : `${total} record${total === 1 ? '' : 's'}`}
          </Text>
        )}
      </Group>
      <Paper withBorder radius="md">
        <QueryState
          isPending={records.isPending}
          error={records.error}
          empty={rows.length === 0}
          emptyTitle={debounced ? 'No record matches this search' : 'No records yet'}
          emptyHint={debounced ? 'Try another word, or clear the search.' : 'Every change you make is recorded here.'}
        >
          <Table.ScrollContainer minWidth={860} type="native">
            <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md" aria-label="Audit records" data-testid="audit-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={40} />
                  <Table.Th w={70}>Seq</Table.Th>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Operation</Table.Th>
                  <Table.Th>Site / host</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((record) => {
                  const open = expanded.has(record.seq);
                  return (
                    <Fragment key={record.seq}>
                      <Table.Tr
                        onClick={() => toggle(record.seq)}
                        style={{ cursor: 'pointer' }}
                        data-testid={`audit-row-${record.seq}`}
                        data-operation={record.operation}
                      >
                        <Table.Td>
                          <UnstyledButton
                            aria-expanded={open}
                            aria-label={`${open ? 'Hide' : 'Show'} details of record ${record.seq}`}
                            onClick={(event) => {
                              event.stopPropagation();
                              toggle(record.seq);
                            }}
                            style={{ display: 'flex' }}
                          >
                            {open ? <IconChevronDown size={16} /> : <IconChevronRight size={16} />}
                          </UnstyledButton>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" ff="monospace">
                            {record.seq}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" style={{ whiteSpace: 'nowrap' }} title={record.time}>
                            {time.format(new Date(record.time))}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{record.actor}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" ff="monospace">
                            {record.operation}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{[record.site, record.host].filter(Boolean).join(' / ') || '—'}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Outcome outcome={record.outcome} />
                        </Table.Td>
                      </Table.Tr>
                      {open && (
                        <Table.Tr>
                          <Table.Td colSpan={7} bg="var(--mantine-color-default-hover)">
                            <Details record={record} />
                          </Table.Td>
                        </Table.Tr>
                      )}
                    </Fragment>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {records.hasNextPage && (
            <Group justify="center" p="md">
              <Button variant="default" onClick={() => void records.fetchNextPage()} loading={records.isFetchingNextPage}>
                Show older records
              </Button>
            </Group>
          )}
        </QueryState>
      </Paper>
    </>
  );
}

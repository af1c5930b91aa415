import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, Anchor, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { IconInfoCircle, IconPlayerStop, IconRefresh } from '@tabler/icons-react';
import type { QueueFilter, QueueListItem, QueueSort } from '../../../shared/contract';
import { useTask } from '../../api/useTask';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { href } from '../../router';
import { useNow } from '../fleet/format';
import { AsOf } from './AsOf';
import { isEmptyFilter } from './filter-form';
import { formatCount, plural } from './format';
import { MessageDrawer } from './MessageDrawer';
import { useForgetLastQueues, useLastQueues } from './queue-last';
import { QueueFilterBar } from './QueueFilterBar';
import { QueueInsights } from './QueueInsights';
import { QueueHostsTable } from './QueueHostsTable';
import { QueueReadProgress } from './QueueReadProgress';
import { QueueSummaryCards } from './QueueSummaryCards';
import { QueueTable } from './QueueTable';
import { useQueuePages } from './useQueuePages';

const defaultSort: QueueSort = { field: 'arrivalTime', direction: 'asc' };

/**
 * Every host's queue: the fleet's summary, each host's counts and alerts, and every queued message in one table.
 * Actions stay on each host's own page, where the plan names one host's messages.
 */
export function FleetQueuePage() {
  const read = useTask('queue.fleet');
  const last = useLastQueues();
  const forgetLast = useForgetLastQueues();
  const now = useNow(15_000);
  const [listAfter, setListAfter] = useState<string | null | undefined>(undefined);
  const [filter, setFilter] = useState<QueueFilter>({});
  const [sort, setSort] = useState<QueueSort>(defaultSort);
  const [opened, setOpened] = useState<QueueListItem | null>(null);
  const messagesRef = useRef<HTMLDivElement>(null);
  const rows = useQueuePages({ host: undefined, filter, sort, after: listAfter });

  const generation = useRef(0);
  const { run } = read;
  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    const output = await run({});
    if (generation.current !== mine) return;
    // The fleet-wide list pages through the last fleet read; without one there is nothing to list.
    if (output) setListAfter(output.asOf);
    if (output) void forgetLast();
  }, [run, forgetLast]);

  // Opening the page reads every host's queue (in parallel, read-only), as the host queue page reads its host's.
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const output = read.output;
  const states = output?.hosts ?? last.data ?? [];
  const summary = output?.fleet ?? null;
  const failed = output?.hosts.filter((state) => state.error !== null).length ?? 0;

  const pick = (next: QueueFilter) => {
    setFilter(next);
    messagesRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };

  return (
    <>
      <PageHeader
        title="Queues"
        description="The mail queues of every host: what waits, where to and why. To hold, release, requeue or delete messages, open a host's queue."
        actions={
          <>
            <AsOf asOf={output?.asOf} />
            {read.running && (
              <Button variant="default" leftSection={<IconPlayerStop size={16} />} onClick={read.cancel}>
                Cancel
              </Button>
            )}
            <Button leftSection={<IconRefresh size={16} />} onClick={() => void refresh()} loading={read.running}>
              Refresh
            </Button>
          </>
        }
      />
      <Stack gap="lg">
        {read.running && <QueueReadProgress progress={read.progress} what="the queues" />}
        {read.error !== null && <ErrorAlert error={read.error} title="Could not read the queues" />}
        {output && output.hosts.length === 0 && (
          <Alert color="gray" variant="light" icon={<IconInfoCircle size={20} />} title="No hosts yet">
            Add your mail servers on the <Anchor href={href('hosts')}>Hosts</Anchor> page; their queues then show here.
          </Alert>
        )}
        {failed > 0 && (
          <Alert color="orange" variant="light" icon={<IconInfoCircle size={20} />} data-testid="queue-hosts-failed">
            {`${plural(failed, 'host')} could not be read; the totals below leave ${failed === 1 ? 'it' : 'them'} out. The table says why.`}
          </Alert>
        )}

        {summary && <QueueSummaryCards summary={summary} />}
        <QueueHostsTable states={states} />
        {summary && <QueueInsights summary={summary} onPick={pick} />}

        <Paper withBorder radius="md" p="lg" ref={messagesRef} data-testid="queue-messages">
          <Stack gap="md">
            <Group justify="space-between" wrap="wrap" gap="sm">
              <Title order={3} size="h4">
                Messages on every host
              </Title>
              {rows.status === 'ready' && (
                <Text size="sm" c="dimmed" data-testid="queue-matched" data-matched={rows.matched} data-total={rows.total}>
                  {isEmptyFilter(filter) ? plural(rows.total, 'message') : `${formatCount(rows.matched)} of ${plural(rows.total, 'message')} match the filter`}
                </Text>
              )}
            </Group>
            <Text size="sm" c="dimmed">
              Selection and actions are on each host’s queue page (follow a host’s name above): an action there is planned and
              confirmed for that one host.
            </Text>
            <QueueFilterBar applied={filter} onApply={setFilter} />
            {rows.error ? <ErrorAlert error={rows.error} title="Could not list the messages" /> : null}
            {listAfter === undefined && !read.running ? (
              <Text size="sm" c="dimmed">
                The message list appears after the queues were read.
              </Text>
            ) : (
              <QueueTable
                rows={rows}
                sort={sort}
                onSort={setSort}
                showHost
                onOpen={setOpened}
                label="Messages in the queues of every host"
                now={now}
                listKey={JSON.stringify([filter, sort])}
                emptyText={isEmptyFilter(filter) ? 'Every queue is empty.' : 'No message matches the filter.'}
              />
            )}
          </Stack>
        </Paper>
      </Stack>
      <MessageDrawer message={opened} onClose={() => setOpened(null)} />
    </>
  );
}

import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, Anchor, Button, Center, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { IconArrowLeft, IconInfoCircle, IconPlayerStop, IconRefresh } from '@tabler/icons-react';
import type { Host, QueueActionResult, QueueFilter, QueueListItem, QueueSort } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { useTask } from '../../api/useTask';
import { ErrorAlert } from '../../components/ErrorAlert';
import { hostHref, href } from '../../router';
import { useNow } from '../fleet/format';
import { AsOf } from './AsOf';
import { FlushButton } from './FlushButton';
import { isEmptyFilter } from './filter-form';
import { formatCount, plural } from './format';
import { MessageDrawer } from './MessageDrawer';
import { QueueActionResultAlert } from './QueueActionResultAlert';
import { QueueActions } from './QueueActions';
import { useForgetLastQueues, useLastQueue } from './queue-last';
import { QueueReadProgress } from './QueueReadProgress';
import { QueueSelectionBar } from './QueueSelectionBar';
import { QueueSummaryCards } from './QueueSummaryCards';
import { QueueFilterBar } from './QueueFilterBar';
import { QueueInsights } from './QueueInsights';
import { QueueTable } from './QueueTable';
import { ThresholdsForm } from './ThresholdsForm';
import { useQueuePages } from './useQueuePages';
import { useQueueSelection } from './useQueueSelection';

const defaultSort: QueueSort = { field: 'arrivalTime', direction: 'asc' };

function HostQueue({ host }: { host: Host }) {
  const name = host.name;
  const read = useTask('queue.summary');
  const last = useLastQueue(name);
  const forgetLast = useForgetLastQueues();
  const now = useNow(15_000);
  // When the list may start: after this page's first read (undefined until then), and not older than the newest read.
  const [listAfter, setListAfter] = useState<string | null | undefined>(undefined);
  const [filter, setFilter] = useState<QueueFilter>({});
  const [sort, setSort] = useState<QueueSort>(defaultSort);
  const [opened, setOpened] = useState<QueueListItem | null>(null);
  const [result, setResult] = useState<QueueActionResult | null>(null);
  const messagesRef = useRef<HTMLDivElement>(null);

  const rows = useQueuePages({ host: name, filter, sort, after: listAfter });
  const selection = useQueueSelection(rows);

  // Only the newest refresh may move the list on: an older run that ends late (or was cancelled) must not.
  const generation = useRef(0);
  const { run } = read;
  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    const summary = await run({ host: name });
    if (generation.current !== mine) return;
    setListAfter((previous) => (summary ? summary.asOf : (previous ?? null)));
    if (summary) void forgetLast();
  }, [run, name, forgetLast]);

  // Opening the page reads the queue: it only reads, and an operator who opens it wants the queue as it is now.
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const { clear } = selection;
  const applyFilter = useCallback(
    (next: QueueFilter) => {
      setFilter(next);
      clear(); // a selection made under another filter may hold messages no longer on screen
    },
    [clear],
  );
  const pickFromHeatmap = (next: QueueFilter) => {
    applyFilter(next);
    messagesRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };
  const actionDone = (output: QueueActionResult) => {
    setResult(output);
    clear();
    void refresh();
  };

  const summary = read.output ?? last?.summary ?? null;
  const stale = read.output === undefined && summary !== null;

  return (
    <>
      <Stack gap={6} mb="lg">
        <Anchor href={hostHref(name)} size="sm" w="fit-content">
          <Group gap={4} wrap="nowrap">
            <IconArrowLeft size={14} aria-hidden /> {name}
          </Group>
        </Anchor>
        <Group justify="space-between" align="flex-end" wrap="wrap" gap="md">
          <Stack gap={4}>
            <Title order={2} tabIndex={-1} data-page-title style={{ outline: 'none' }}>
              {`Mail queue of ${name}`}
            </Title>
            <Text size="sm" c="dimmed">
              {`Site ${host.site} · read with postqueue -j over SSH. Hold, release, requeue and delete go through a plan you confirm.`}
            </Text>
          </Stack>
          <Group gap="sm" wrap="wrap">
            <AsOf asOf={summary?.asOf} label={stale ? 'last read' : 'as of'} />
            {read.running && (
              <Button variant="default" leftSection={<IconPlayerStop size={16} />} onClick={read.cancel}>
                Cancel
              </Button>
            )}
            <Button leftSection={<IconRefresh size={16} />} onClick={() => void refresh()} loading={read.running}>
              Refresh
            </Button>
            <FlushButton host={name} onDone={() => void refresh()} />
          </Group>
        </Group>
      </Stack>

      <Stack gap="lg">
        {read.running && <QueueReadProgress progress={read.progress} what={`the queue of ${name}`} />}
        {read.error !== null && <ErrorAlert error={read.error} title={`Could not read the queue of ${name}`} />}
        {host.privilege === 'none' && (
          <Alert color="blue" variant="light" icon={<IconInfoCircle size={20} />}>
            {`${name} is set to run no root commands. Reading the queue works, but hold, release, requeue, delete and flush need root: edit the host to use sudo or a root login.`}
          </Alert>
        )}

        {summary ? (
          <>
            <QueueSummaryCards summary={summary} />
            <QueueInsights summary={summary} onPick={pickFromHeatmap} />
          </>
        ) : (
          !read.running && (
            <Text size="sm" c="dimmed" data-testid="queue-never-read">
              {`The queue of ${name} has not been read yet.`}
            </Text>
          )
        )}

        <Paper withBorder radius="md" p="lg" ref={messagesRef} data-testid="queue-messages">
          <Stack gap="md">
            <Group justify="space-between" wrap="wrap" gap="sm">
              <Title order={3} size="h4">
                Messages
              </Title>
              <QueueMatchedText matched={rows.matched} total={rows.total} filtered={!isEmptyFilter(filter)} ready={rows.status === 'ready'} />
            </Group>
            <QueueFilterBar applied={filter} onApply={applyFilter} />
            <Group justify="space-between" wrap="wrap" gap="sm">
              <QueueSelectionBar selection={selection} matched={rows.matched} />
              <QueueActions host={name} selection={selection.toSelection(filter)} onDone={actionDone} />
            </Group>
            {result && <QueueActionResultAlert result={result} onClose={() => setResult(null)} />}
            {rows.error ? <ErrorAlert error={rows.error} title="Could not list the messages" /> : null}
            <QueueTable
              rows={rows}
              sort={sort}
              onSort={setSort}
              selection={selection}
              showHost={false}
              onOpen={setOpened}
              label={`Messages in the queue of ${name}`}
              now={now}
              listKey={JSON.stringify([filter, sort])}
              emptyText={isEmptyFilter(filter) ? 'The queue is empty.' : 'No message matches the filter.'}
            />
            {rows.asOf && summary && rows.asOf !== summary.asOf && <AsOf asOf={rows.asOf} label="list read at" />}
          </Stack>
        </Paper>

        <ThresholdsForm host={name} onSaved={() => void refresh()} />
      </Stack>
      <MessageDrawer message={opened} onClose={() => setOpened(null)} />
    </>
  );
}

function QueueMatchedText({ matched, total, filtered, ready }: { matched: number; total: number; filtered: boolean; ready: boolean }) {
  if (!ready) return null;
  return (
    <Text size="sm" c="dimmed" data-testid="queue-matched" data-matched={matched} data-total={total}>
      {filtered ? `${formatCount(matched)} of ${plural(total, 'message')} match the filter` : plural(total, 'message')}
    </Text>
  );
}

/** A host's mail queue: what waits and why, the messages themselves, and the actions on them. */
export function QueuePage({ host }: { host: string }) {
  const found = useCopperQuery('inventory.hosts.get', { name: host }, { staleTime: 0 });
  if (found.isPending) {
    return (
      <Center py="xl">
        <Loader size="sm" aria-label="Loading" />
      </Center>
    );
  }
  if (!found.data) {
    return (
      <Stack gap="md" maw={720}>
        <Anchor href={href('queue')} size="sm">
          <Group gap={4}>
            <IconArrowLeft size={14} /> All queues
          </Group>
        </Anchor>
        <Title order={2} tabIndex={-1} data-page-title style={{ outline: 'none' }}>
          {`Mail queue of ${host}`}
        </Title>
        <ErrorAlert error={found.error} title="This host cannot be shown" />
      </Stack>
    );
  }
  return <HostQueue host={found.data} />;
}

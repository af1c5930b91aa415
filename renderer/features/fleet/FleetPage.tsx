import { Fragment, useState } from 'react';
import { Anchor, Badge, Button, CloseButton, Group, Paper, Progress, SimpleGrid, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import {
  IconAlertTriangle,
  IconArrowRight,
  IconCircleCheck,
  IconHelpCircle,
  IconPlayerPlay,
  IconPlayerStop,
  IconPlugConnectedX,
} from '@tabler/icons-react';
import type { Host, HostCheck, HostQueueState, Site } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { useTask } from '../../api/useTask';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { href, hostHref } from '../../router';
import { HostQueueCell } from '../queue/HostQueueCell';
import { useLastQueues } from '../queue/queue-last';
import { formatTime, timeAgo, useNow, usageColor } from './format';
import { componentLabels } from './HostCheckView';
import { healthOf, useLastChecks, useRememberChecks } from './last-checks';
import { ReachBadge } from './ReachBadge';
import { TlsExpiryBadge } from '../tls/TlsExpiryBadge';

function Components({ check }: { check: HostCheck | undefined }) {
  const present = (check?.components ?? []).filter((c) => c.present === 'yes');
  if (!check?.reachable || present.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  }
  return (
    <Group gap={4} data-testid="component-badges">
      {present.map((component) => {
        const color = component.running === 'yes' ? 'teal' : component.running === 'no' ? 'red' : 'gray';
        const state = component.running === 'yes' ? 'running' : component.running === 'no' ? 'stopped' : 'state unknown';
        return (
          <Tooltip key={component.name} label={`${componentLabels[component.name]}${component.version ? ` ${component.version}` : ''}: ${state}`}>
            <Badge
              size="sm"
              radius="sm"
              tt="none"
              color={color}
              variant={component.running === 'no' ? 'filled' : 'light'}
              data-component={component.name}
              data-running={component.running}
            >
              {component.running === 'no' ? `${component.name} down` : component.name}
            </Badge>
          </Tooltip>
        );
      })}
    </Group>
  );
}

function Disks({ check }: { check: HostCheck | undefined }) {
  if (!check?.reachable || check.disks.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  }
  const full = check.disks.filter((d) => d.usePercent >= 80).sort((a, b) => b.usePercent - a.usePercent);
  if (full.length === 0) {
    const fullest = check.disks.reduce((a, b) => (b.usePercent > a.usePercent ? b : a));
    return (
      <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
        {`fine · fullest ${fullest.usePercent}%`}
      </Text>
    );
  }
  return (
    <Group gap={4}>
      {full.map((disk) => (
        <Badge key={disk.mount} size="sm" radius="sm" tt="none" color={usageColor(disk.usePercent)} variant="light" data-testid="disk-warning">
          {`${disk.mount} ${disk.usePercent}%`}
        </Badge>
      ))}
    </Group>
  );
}

function HostRows({ host, check, queue, now }: { host: Host; check: HostCheck | undefined; queue: HostQueueState | undefined; now: number }) {
  const problem = check?.error ?? null;
  return (
    <Fragment>
      <Table.Tr data-testid={`fleet-row-${host.name}`} data-health={healthOf(check)} style={problem ? { borderBottom: 'none' } : undefined}>
        <Table.Td>
          <Anchor href={hostHref(host.name)} fw={600} size="sm">
            {host.name}
          </Anchor>
          <Text size="xs" c="dimmed" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
            {`${host.ssh.address}:${host.ssh.port}`}
          </Text>
        </Table.Td>
        <Table.Td>
          <ReachBadge check={check} />
          <TlsExpiryBadge host={host.name} />
        </Table.Td>
        <Table.Td>
          <Components check={check} />
        </Table.Td>
        <Table.Td>
          <Disks check={check} />
        </Table.Td>
        <Table.Td>
          <HostQueueCell host={host.name} state={queue} />
        </Table.Td>
        <Table.Td>
          {check ? (
            <Tooltip label={formatTime(check.checkedAt)}>
              <Text size="sm" c="dimmed" data-testid="last-seen" style={{ whiteSpace: 'nowrap' }}>
                {`checked ${timeAgo(check.checkedAt, now)}`}
              </Text>
            </Tooltip>
          ) : (
            <Text size="sm" c="dimmed" data-testid="last-seen">
              never checked
            </Text>
          )}
        </Table.Td>
      </Table.Tr>
      {problem && (
        <Table.Tr data-testid={`fleet-problem-${host.name}`}>
          <Table.Td colSpan={6} pt={0}>
            <Group
              gap="sm"
              wrap="nowrap"
              align="flex-start"
              px="sm"
              py={8}
              style={{ borderRadius: 'var(--mantine-radius-sm)', background: 'var(--mantine-color-red-light)' }}
            >
              <IconAlertTriangle size={16} color="var(--mantine-color-red-light-color)" style={{ flexShrink: 0, marginTop: 2 }} aria-hidden />
              <Text size="sm" style={{ flex: 1, overflowWrap: 'anywhere' }} data-testid="fleet-problem-text">
                {problem.message}
                <Text span size="xs" c="dimmed" ml={6}>
                  {problem.code}
                </Text>
              </Text>
              <Anchor href={hostHref(host.name)} size="sm" style={{ whiteSpace: 'nowrap' }}>
                <Group gap={4} wrap="nowrap">
                  Open host page
                  <IconArrowRight size={14} aria-hidden />
                </Group>
              </Anchor>
            </Group>
          </Table.Td>
        </Table.Tr>
      )}
    </Fragment>
  );
}

function SiteSection({
  site,
  hosts,
  checks,
  queues,
  now,
}: {
  site: Site;
  hosts: Host[];
  checks: Map<string, HostCheck>;
  queues: Map<string, HostQueueState>;
  now: number;
}) {
  return (
    <Paper withBorder radius="md" data-testid={`fleet-site-${site.name}`}>
      <Group justify="space-between" px="md" pt="md" pb="xs" wrap="wrap">
        <Stack gap={0}>
          <Title order={3} size="h5">
            {site.name}
          </Title>
          {site.description && (
            <Text size="sm" c="dimmed">
              {site.description}
            </Text>
          )}
        </Stack>
        <Text size="sm" c="dimmed">
          {`${hosts.length} host${hosts.length === 1 ? '' : 's'}`}
        </Text>
      </Group>
      {hosts.length === 0 ? (
        <Text size="sm" c="dimmed" px="md" pb="md">
          No hosts in this site yet.{' '}
          <Anchor href={href('hosts')} size="sm">
            Add one on the Hosts page.
          </Anchor>
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={980} type="native">
          <Table verticalSpacing="sm" horizontalSpacing="md" aria-label={`Hosts of site ${site.name}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w="18%">Host</Table.Th>
                <Table.Th w="18%">Status</Table.Th>
                <Table.Th>Mail components</Table.Th>
                <Table.Th w="14%">Disks</Table.Th>
                <Table.Th w="14%">Mail queue</Table.Th>
                <Table.Th w="12%">Last seen</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {hosts.map((host) => (
                <HostRows
                  key={host.name}
                  host={host}
                  check={checks.get(host.name.toLowerCase())}
                  queue={queues.get(host.name.toLowerCase())}
                  now={now}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

function Stat({ label, value, color, icon: Icon }: { label: string; value: number; color: string; icon: typeof IconCircleCheck }) {
  return (
    <Paper withBorder radius="md" px="md" py="sm">
      <Group gap="sm" wrap="nowrap">
        <Icon size={22} color={`var(--mantine-color-${color}-6)`} aria-hidden />
        <div>
          <Text fw={700} fz="xl" lh={1.1}>
            {value}
          </Text>
          <Text size="xs" c="dimmed">
            {label}
          </Text>
        </div>
      </Group>
    </Paper>
  );
}

/** The fleet at a glance: every site and host, what the last check found, and a check of everything on demand. */
export function FleetPage() {
  const sites = useCopperQuery('inventory.sites.list', {});
  const hosts = useCopperQuery('inventory.hosts.list', {});
  const last = useLastChecks();
  const lastQueues = useLastQueues();
  const status = useTask('fleet.status');
  const remember = useRememberChecks();
  const now = useNow();
  const [finished, setFinished] = useState<{ checks: HostCheck[]; cancelled: boolean } | null>(null);

  const checks = new Map((last.data ?? []).map((check) => [check.host.toLowerCase(), check]));
  const queues = new Map((lastQueues.data ?? []).map((state) => [state.host.toLowerCase(), state]));
  const allHosts = hosts.data ?? [];
  const bySite = new Map<string, Host[]>();
  for (const host of allHosts) bySite.set(host.site, [...(bySite.get(host.site) ?? []), host]);
  const healths = allHosts.map((host) => healthOf(checks.get(host.name.toLowerCase())));
  const count = (...which: string[]) => healths.filter((h) => which.includes(h)).length;

  const checkAll = async () => {
    setFinished(null);
    const results = await status.run({});
    if (results) {
      remember(results);
      setFinished({ checks: results, cancelled: false });
    } else {
      // Hosts checked before a cancel or a failure were stored by the core: show them.
      await last.refetch();
    }
  };
  const cancel = () => {
    status.cancel();
    setFinished({ checks: [], cancelled: true });
    void last.refetch();
  };

  const progress = status.progress;
  const percent = progress?.total ? (progress.done / progress.total) * 100 : 0;
  const finishedProblems = finished?.checks.filter((c) => healthOf(c) !== 'ok').length ?? 0;
  const finishedSummary = (checks: HostCheck[]) => {
    const of = (...which: string[]) => checks.filter((c) => which.includes(healthOf(c))).length;
    const parts = [
      [of('ok'), 'healthy'],
      [of('warning', 'key'), 'need attention'],
      [of('down'), 'unreachable'],
    ] as const;
    const said = parts.filter(([n]) => n > 0).map(([n, label]) => `${n} ${label === 'need attention' && n === 1 ? 'needs attention' : label}`);
    return `Checked ${checks.length} host${checks.length === 1 ? '' : 's'}: ${said.join(', ') || 'nothing to report'}.`;
  };

  return (
    <>
      <PageHeader
        title="Fleet"
        description="Every site and host at a glance: reachability, mail components and disks. A check logs in over SSH and only reads."
        actions={
          <>
            {status.running && (
              <Button variant="default" leftSection={<IconPlayerStop size={16} />} onClick={cancel}>
                Cancel
              </Button>
            )}
            <Button leftSection={<IconPlayerPlay size={16} />} onClick={() => void checkAll()} loading={status.running} disabled={allHosts.length === 0}>
              Check all
            </Button>
          </>
        }
      />

      {(status.running || finished) && (
        <Paper withBorder radius="md" p="md" mb="lg" data-testid="fleet-progress" data-running={status.running}>
          {status.running ? (
            <Stack gap={6}>
              <Group justify="space-between">
                <Text size="sm" fw={600}>
                  {progress?.total ? `Checking hosts: ${progress.done} of ${progress.total}` : 'Starting the checks…'}
                </Text>
                <Text size="sm" c="dimmed">
                  {progress?.message ?? ''}
                </Text>
              </Group>
              <Progress
                value={progress?.total ? percent : 100}
                striped
                animated
                size="lg"
                aria-label="Progress of the fleet check"
              />
            </Stack>
          ) : finished?.cancelled ? (
            <Group justify="space-between" wrap="nowrap">
              <Text size="sm">Check cancelled. Hosts checked before the cancel show their new results.</Text>
              <CloseButton aria-label="Dismiss" onClick={() => setFinished(null)} />
            </Group>
          ) : (
            <Group justify="space-between" wrap="nowrap">
              <Group gap="xs" wrap="nowrap">
                {finishedProblems === 0 ? (
                  <IconCircleCheck size={18} color="var(--mantine-color-teal-6)" aria-hidden />
                ) : (
                  <IconAlertTriangle size={18} color="var(--mantine-color-orange-6)" aria-hidden />
                )}
                <Text size="sm" data-testid="fleet-progress-summary">
                  {finishedSummary(finished?.checks ?? [])}
                </Text>
              </Group>
              <CloseButton aria-label="Dismiss" onClick={() => setFinished(null)} />
            </Group>
          )}
        </Paper>
      )}
      {status.error !== null && (
        <Stack mb="lg">
          <ErrorAlert error={status.error} title="The fleet check failed" />
        </Stack>
      )}

      {allHosts.length > 0 && (
        <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm" mb="lg" data-testid="fleet-stats">
          <Stat label="healthy" value={count('ok')} color="teal" icon={IconCircleCheck} />
          <Stat label="need attention" value={count('warning', 'key')} color="orange" icon={IconAlertTriangle} />
          <Stat label="unreachable" value={count('down')} color="red" icon={IconPlugConnectedX} />
          <Stat label="not checked yet" value={count('unknown')} color="gray" icon={IconHelpCircle} />
        </SimpleGrid>
      )}

      {/* The empty state sits in a frame, like every other page's list; sites bring their own frames. */}
      <Paper withBorder={(sites.data ?? []).length === 0} radius="md" bg="transparent">
        <QueryState
          isPending={sites.isPending || hosts.isPending}
          error={sites.error ?? hosts.error}
          empty={(sites.data ?? []).length === 0}
          emptyTitle="Nothing to watch yet"
          emptyHint={
            <>
              Add a site on the <Anchor href={href('sites')}>Sites</Anchor> page, then its servers on the{' '}
              <Anchor href={href('hosts')}>Hosts</Anchor> page.
            </>
          }
        >
          <Stack gap="lg">
            {(sites.data ?? []).map((site) => (
              <SiteSection key={site.name} site={site} hosts={bySite.get(site.name) ?? []} checks={checks} queues={queues} now={now} />
            ))}
          </Stack>
        </QueryState>
      </Paper>
    </>
  );
}

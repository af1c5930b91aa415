import { useState, type ReactNode } from 'react';
import { Alert, Anchor, Badge, Button, Center, Grid, Group, Loader, Paper, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import {
  IconArrowLeft,
  IconCircleCheck,
  IconClockHour4,
  IconInfoCircle,
  IconMailFast,
  IconPackages,
  IconPencil,
  IconPlayerPlay,
  IconPlayerStop,
  IconShieldCheck,
  IconShieldX,
} from '@tabler/icons-react';
import type { Host, HostCheck, Privilege } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { useTask } from '../../api/useTask';
import { ErrorAlert } from '../../components/ErrorAlert';
import { HostDrawer, type HostDrawerState } from '../inventory/HostDrawer';
import { loginLabels } from '../inventory/HostsPage';
import { hostProvisionHref, hostQueueHref, href } from '../../router';
import { QueueAlertBadges } from '../queue/QueueAlertBadges';
import { useLastQueue } from '../queue/queue-last';
import { formatTime, timeAgo, useNow } from './format';
import { ContainersCard } from './ContainersCard';
import { HostCheckView } from './HostCheckView';
import { BigFingerprint, HostKeyVerifier } from './HostKeyVerifier';
import { checkProblem, mismatchFingerprints, useLastCheck, useRememberChecks } from './last-checks';
import { ReachBadge } from './ReachBadge';
import { TlsExpiryBadge } from '../tls/TlsExpiryBadge';

export const privilegeLabels: Record<Privilege, string> = {
  root: 'root login',
  sudo: 'through sudo -n',
  none: 'no root commands',
};

const privilegeBadges: Record<Privilege, string> = {
  root: 'root login',
  sudo: 'root commands via sudo',
  none: 'no root commands',
};

function Card({ title, badge, actions, children, testId }: { title: string; badge?: ReactNode; actions?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <Paper withBorder radius="md" p="lg" h="100%" data-testid={testId}>
      <Group justify="space-between" mb="md" wrap="wrap" gap="sm">
        <Group gap="xs">
          <Title order={3} size="h4">
            {title}
          </Title>
          {badge}
        </Group>
        {actions && <Group gap="xs">{actions}</Group>}
      </Group>
      {children}
    </Paper>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th w={150} fw={500} c="dimmed" style={{ verticalAlign: 'top' }}>
        {label}
      </Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}

function ConnectionCard({ host }: { host: Host }) {
  return (
    <Card title="Connection" testId="connection-card">
      <Table verticalSpacing={6} horizontalSpacing={0} withRowBorders={false} data-testid="host-facts">
        <Table.Tbody>
          <Row label="SSH">
            <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
              {`${host.ssh.user}@${host.ssh.address}:${host.ssh.port}`}
            </Text>
          </Row>
          <Row label="Login">
            <Text size="sm">{loginLabels[host.auth]}</Text>
          </Row>
          <Row label="Jump host">
            <Text size="sm">{host.jumpHost ?? 'direct'}</Text>
          </Row>
          <Row label="Mode">
            <Text size="sm">{host.mode === 'docker' ? 'Docker (services in containers)' : 'Native (services on the host)'}</Text>
          </Row>
          <Row label="Root commands">
            <Text size="sm">{privilegeLabels[host.privilege]}</Text>
          </Row>
          {(host.mode === 'docker' || host.dockerSocket !== '/var/run/docker.sock') && (
            <Row label="Docker socket">
              <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                {host.dockerSocket}
              </Text>
            </Row>
          )}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

function HostKeyCard({ host, lastCheck }: { host: Host; lastCheck: HostCheck | undefined }) {
  // A mismatch found by the last check is still news only while the same key is pinned; after a re-pin it is history.
  const mismatch =
    lastCheck?.error?.code === 'HOST_KEY_MISMATCH' ? mismatchFingerprints(lastCheck.error.message) : null;
  const showMismatch = mismatch !== null && mismatch.pinned === host.pinnedFingerprint;
  return (
    <Card
      title="Host key"
      testId="host-key-card"
      badge={
        host.pinnedFingerprint ? (
          <Badge color="teal" variant="light" radius="sm" tt="none" leftSection={<IconShieldCheck size={12} />}>
            pinned
          </Badge>
        ) : (
          <Badge color="orange" variant="light" radius="sm" tt="none" leftSection={<IconShieldX size={12} />}>
            not trusted yet
          </Badge>
        )
      }
    >
      <Stack gap="md">
        {host.pinnedFingerprint ? (
          <Stack gap={4}>
            <Text size="sm" c="dimmed">
              The console logs in only if {host.name} presents this key:
            </Text>
            <BigFingerprint value={host.pinnedFingerprint} testId="pinned-fingerprint" />
          </Stack>
        ) : (
          <Text size="sm" data-testid="pinned-fingerprint" data-pinned="false">
            <Text span fw={600}>
              Not trusted yet.
            </Text>{' '}
            The console will not log in to {host.name} until you check the key it presents against the server itself and trust
            it.
          </Text>
        )}
        <HostKeyVerifier host={host} knownMismatch={showMismatch ? mismatch : null} />
      </Stack>
    </Card>
  );
}

function CheckCard({ host, lastCheck }: { host: Host; lastCheck: HostCheck | undefined }) {
  const check = useTask('fleet.check');
  const remember = useRememberChecks();
  const queryClient = useQueryClient();
  const now = useNow();
  const shown = check.output ?? lastCheck;
  const problem = shown ? checkProblem(shown) : null;

  const runCheck = async () => {
    const result = await check.run({ host: host.name });
    if (!result) return;
    remember([result]);
    await queryClient.invalidateQueries({ queryKey: ['docker.containers', { host: host.name }], exact: false });
  };

  return (
    <Card
      title="Health check"
      testId="check-card"
      badge={shown && <ReachBadge check={shown} />}
      actions={
        <>
          {shown && (
            <Tooltip label={formatTime(shown.checkedAt)}>
              <Group gap={4} wrap="nowrap" data-testid="checked-at">
                <IconClockHour4 size={14} color="var(--mantine-color-dimmed)" aria-hidden />
                <Text size="sm" c="dimmed">{`checked ${timeAgo(shown.checkedAt, now)}`}</Text>
              </Group>
            </Tooltip>
          )}
          {check.running ? (
            <Button variant="default" leftSection={<IconPlayerStop size={16} />} onClick={check.cancel}>
              Cancel
            </Button>
          ) : null}
          <Button
            leftSection={<IconPlayerPlay size={16} />}
            onClick={() => void runCheck()}
            loading={check.running}
            // Until the key is trusted the check can only be refused: the key is the step to take first.
            variant={host.pinnedFingerprint ? 'filled' : 'default'}
          >
            Run check
          </Button>
        </>
      }
    >
      <Stack gap="md">
        {check.running && (
          <Group gap="xs" role="status">
            <Loader size="xs" />
            <Text size="sm">Checking {host.name}: reachability, system, disks and mail components…</Text>
          </Group>
        )}
        {check.error !== null && <ErrorAlert error={check.error} title={`Could not check ${host.name}`} />}
        {problem && (
          <div data-testid="check-error" data-code={problem.code}>
            <ErrorAlert error={problem} />
          </div>
        )}
        {problem?.code === 'HOST_KEY_UNKNOWN' && host.pinnedFingerprint === null && (
          <Alert color="blue" variant="light" icon={<IconInfoCircle size={20} />}>
            Use <Text span fw={600}>Verify host key</Text> above: compare the key with the server, trust it, then run the check again.
          </Alert>
        )}
        {shown ? (
          <HostCheckView check={shown} />
        ) : (
          !check.running && (
            <Text size="sm" c="dimmed" data-testid="never-checked">
              {host.name} was never checked. A check logs in over SSH and reads the system, the disks and the mail components;
              it changes nothing.
            </Text>
          )
        )}
      </Stack>
    </Card>
  );
}

/** One host: how the console reaches it, its host key, its last check, and (in Docker mode) its containers. */
export function HostPage({ name }: { name: string }) {
  const host = useCopperQuery('inventory.hosts.get', { name }, { staleTime: 0 });
  const lastCheck = useLastCheck(name);
  const lastQueue = useLastQueue(name);
  const [drawer, setDrawer] = useState<HostDrawerState>(null);

  if (host.isPending) {
    return (
      <Center py="xl">
        <Loader size="sm" aria-label="Loading" />
      </Center>
    );
  }
  if (!host.data) {
    return (
      <Stack gap="md" maw={720}>
        <Anchor href={href('hosts')} size="sm">
          <Group gap={4}>
            <IconArrowLeft size={14} /> All hosts
          </Group>
        </Anchor>
        <Title order={2} tabIndex={-1} data-page-title style={{ outline: 'none' }}>
          {name}
        </Title>
        <ErrorAlert error={host.error} title="This host cannot be shown" />
      </Stack>
    );
  }

  const data = host.data;
  const dockerPresent = lastCheck?.components.some((c) => c.name === 'docker' && c.present === 'yes') ?? false;

  return (
    <>
      <Stack gap={6} mb="lg">
        <Anchor href={href('hosts')} size="sm" w="fit-content">
          <Group gap={4} wrap="nowrap">
            <IconArrowLeft size={14} aria-hidden /> All hosts
          </Group>
        </Anchor>
        <Group justify="space-between" align="flex-end" wrap="wrap" gap="md">
          <Stack gap={4}>
            <Group gap="sm" align="center">
              <Title order={2} tabIndex={-1} data-page-title style={{ outline: 'none' }}>
                {data.name}
              </Title>
              {data.pinnedFingerprint ? (
                <Badge color="teal" variant="light" radius="sm" tt="none" leftSection={<IconCircleCheck size={12} />}>
                  key pinned
                </Badge>
              ) : (
                <Badge color="orange" variant="light" radius="sm" tt="none">
                  not trusted
                </Badge>
              )}
            </Group>
            <Group gap="xs" wrap="wrap" data-testid="host-summary">
              <Text size="sm" c="dimmed">
                Site {data.site}
              </Text>
              <Text size="sm" c="dimmed" aria-hidden>
                ·
              </Text>
              <Text size="sm" ff="monospace" data-testid="host-endpoint">
                {`${data.ssh.user}@${data.ssh.address}:${data.ssh.port}`}
              </Text>
              <Badge variant="light" color={data.mode === 'docker' ? 'blue' : 'gray'} radius="sm" tt="none">
                {data.mode === 'docker' ? 'Docker mode' : 'Native mode'}
              </Badge>
              <Badge variant="outline" color="gray" radius="sm" tt="none">
                {privilegeBadges[data.privilege]}
              </Badge>
              <QueueAlertBadges alerts={lastQueue?.summary?.alerts ?? []} />
              <TlsExpiryBadge host={data.name} always />
            </Group>
          </Stack>
          <Group gap="sm">
            <Button component="a" href={hostQueueHref(data.name)} variant="default" leftSection={<IconMailFast size={16} />}>
              Mail queue
            </Button>
            <Button component="a" href={hostProvisionHref(data.name)} variant="default" leftSection={<IconPackages size={16} />}>
              Provisioning
            </Button>
            <Button variant="default" leftSection={<IconPencil size={16} />} onClick={() => setDrawer({ mode: 'edit', name: data.name })}>
              Edit host
            </Button>
          </Group>
        </Group>
      </Stack>

      <Stack gap="lg">
        <Grid gutter="lg">
          <Grid.Col span={{ base: 12, md: 5 }}>
            <ConnectionCard host={data} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 7 }}>
            <HostKeyCard host={data} lastCheck={lastCheck} />
          </Grid.Col>
        </Grid>
        <CheckCard host={data} lastCheck={lastCheck} />
        {(data.mode === 'docker' || dockerPresent) && <ContainersCard host={data} />}
      </Stack>
      <HostDrawer state={drawer} onClose={() => setDrawer(null)} />
    </>
  );
}

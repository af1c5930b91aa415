import { useState } from 'react';
import { Badge, Button, Group, Paper, Table, Text, Title, Tooltip, VisuallyHidden } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { IconFileText, IconPlayerStop, IconRefresh, IconRotateClockwise2 } from '@tabler/icons-react';
import type { Container, Host } from '../../../shared/contract';
import { queryKey, useCopperQuery } from '../../api/client-context';
import { useCommand } from '../../api/useCommand';
import { PlanDialog } from '../../components/PlanDialog';
import { QueryState } from '../../components/QueryState';
import { bundleVersionOf, imageLabel } from '../provision/provision-format';
import { ContainerLogs } from './ContainerLogs';
import { formatTime } from './format';

const stateColors: Record<string, string> = {
  running: 'teal',
  restarting: 'orange',
  paused: 'yellow',
  created: 'gray',
  exited: 'red',
  dead: 'red',
  removing: 'gray',
};

const healthLook: Record<Container['health'], { label: string; color: string }> = {
  healthy: { label: 'healthy', color: 'teal' },
  unhealthy: { label: 'unhealthy', color: 'red' },
  starting: { label: 'starting', color: 'orange' },
  none: { label: 'no health check', color: 'gray' },
};

/** States in which a container has something to stop. */
const STOPPABLE = new Set(['running', 'restarting', 'paused']);

/** The containers of a Docker host, their state, health and bundle version, with their logs and a confirmed restart or stop. */
export function ContainersCard({ host }: { host: Host }) {
  const trusted = host.pinnedFingerprint !== null;
  const input = { host: host.name, all: true };
  const containers = useCopperQuery('docker.containers', input, { enabled: trusted, staleTime: 10_000 });
  const queryClient = useQueryClient();
  const restart = useCommand();
  const [restarting, setRestarting] = useState<string | null>(null);
  const stop = useCommand();
  const [stopping, setStopping] = useState<string | null>(null);
  const [logsOf, setLogsOf] = useState<string | null>(null);
  const rows = containers.data ?? [];

  const startRestart = async (container: string) => {
    setRestarting(container);
    const outcome = await restart.run('docker.restart', { host: host.name, container }, {
      success: (output) => `Restarted ${output.container}: ${output.state}${output.health !== 'none' ? `, ${output.health}` : ''}`,
    });
    setRestarting(null);
    if (outcome.ok) await queryClient.invalidateQueries({ queryKey: queryKey('docker.containers', input) });
  };

  const startStop = async (container: string) => {
    setStopping(container);
    const outcome = await stop.run('docker.stop', { host: host.name, container }, {
      success: (output) =>
        output.alreadyStopped
          ? `${output.container} was not running`
          : `Stopped ${output.container}: ${output.state}${output.exitCode !== null ? ` (exit code ${output.exitCode})` : ''}`,
    });
    setStopping(null);
    if (outcome.ok) await queryClient.invalidateQueries({ queryKey: queryKey('docker.containers', input) });
  };

  return (
    <Paper withBorder radius="md" p="lg" data-testid="containers-card">
      <Group justify="space-between" mb="md" wrap="wrap">
        <Group gap="xs">
          <Title order={3} size="h4">
            Containers
          </Title>
          {containers.data && (
            <Badge variant="light" color="gray" radius="sm">
              {rows.length}
            </Badge>
          )}
        </Group>
        <Button
          variant="default"
          size="xs"
          leftSection={<IconRefresh size={14} />}
          onClick={() => void containers.refetch()}
          loading={containers.isFetching}
          disabled={!trusted}
        >
          Refresh
        </Button>
      </Group>
      {!trusted ? (
        <Text size="sm" c="dimmed">
          Trust the host key first: the console does not talk to {host.name} until then.
        </Text>
      ) : (
        <QueryState
          isPending={containers.isPending}
          error={containers.error}
          empty={rows.length === 0}
          emptyTitle="No containers"
          emptyHint={`The Docker engine on ${host.name} has no containers.`}
        >
          <Table.ScrollContainer minWidth={1020} type="native">
            <Table verticalSpacing="sm" horizontalSpacing="sm" highlightOnHover aria-label="Containers" data-testid="containers-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Image</Table.Th>
                  <Table.Th>Bundle version</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Health</Table.Th>
                  <Table.Th ta="right">Restarts</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th w={290}>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((container) => {
                  const health = healthLook[container.health];
                  return (
                    <Table.Tr key={container.id} data-testid={`container-row-${container.name}`} data-state={container.state}>
                      <Table.Td>
                        <Tooltip label={`Created ${formatTime(container.createdAt)} · ${container.id.slice(0, 12)}`}>
                          <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                            {container.name}
                          </Text>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        {imageLabel(container.image) === container.image ? (
                          <Text size="sm" ff="monospace" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                            {container.image}
                          </Text>
                        ) : (
                          <Tooltip label={container.image}>
                            <Text size="sm" ff="monospace" c="dimmed" style={{ whiteSpace: 'nowrap' }} tabIndex={0} w="fit-content">
                              {imageLabel(container.image)}
                            </Text>
                          </Tooltip>
                        )}
                      </Table.Td>
                      <Table.Td data-testid="container-version">
                        <Text size="sm" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                          {bundleVersionOf(container)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={stateColors[container.state] ?? 'gray'} variant="light" radius="sm" tt="none" data-testid="container-state">
                          {container.state}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={health.color} variant={container.health === 'none' ? 'outline' : 'light'} radius="sm" tt="none">
                          {health.label}
                        </Badge>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Text size="sm" c={container.restartCount ? 'orange.8' : undefined}>
                          {container.restartCount ?? '?'}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                          {container.status}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={6} justify="flex-end" wrap="nowrap">
                          <Button
                            size="xs"
                            variant="default"
                            leftSection={<IconFileText size={14} />}
                            onClick={() => setLogsOf(container.name)}
                            aria-label={`Logs of ${container.name}`}
                          >
                            Logs
                          </Button>
                          <Button
                            size="xs"
                            variant="light"
                            color="orange"
                            leftSection={<IconRotateClockwise2 size={14} />}
                            onClick={() => void startRestart(container.name)}
                            loading={restart.planning && restarting === container.name}
                            aria-label={`Restart ${container.name}`}
                          >
                            Restart
                          </Button>
                          <Button
                            size="xs"
                            variant="light"
                            color="red"
                            leftSection={<IconPlayerStop size={14} />}
                            onClick={() => void startStop(container.name)}
                            loading={stop.planning && stopping === container.name}
                            disabled={!STOPPABLE.has(container.state)}
                            aria-label={`Stop ${container.name}`}
                          >
                            Stop
                          </Button>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </QueryState>
      )}
      <ContainerLogs host={host.name} container={logsOf} onClose={() => setLogsOf(null)} />
      <PlanDialog controller={restart} />
      <PlanDialog controller={stop} />
    </Paper>
  );
}

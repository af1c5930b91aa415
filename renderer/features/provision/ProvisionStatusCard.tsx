import { Alert, Badge, Group, List, Paper, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { ProvisionRun, ProvisionStatus } from '../../../shared/contract';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatTime } from '../fleet/format';
import { ServerText } from '../queue/ServerText';
import { HEALTH_LOOK, RUN_OUTCOME_LOOK } from './provision-format';

const stateColors: Record<string, string> = { running: 'teal', restarting: 'orange', paused: 'yellow', created: 'gray', exited: 'red', dead: 'red' };

function RunSteps({ run }: { run: ProvisionRun }) {
  if (run.steps.length === 0) return null;
  return (
    <List size="sm" spacing={2} data-testid="provision-run-steps">
      {run.steps.map((step, index) => (
        <List.Item key={index}>
          <Text span size="xs" c="dimmed" mr={6}>
            {formatTime(step.at)}
          </Text>
          <ServerText text={step.text} />
        </List.Item>
      ))}
    </List>
  );
}

/** One apply in a line: when, who, from which version to which, and how it ended. */
export function RunLine({ run }: { run: ProvisionRun }) {
  const look = RUN_OUTCOME_LOOK[run.outcome];
  return (
    <Group gap="xs" wrap="wrap">
      <Badge color={look.color} variant="light" radius="sm" tt="none" data-testid="provision-run-outcome">
        {look.label}
      </Badge>
      <Text size="sm">
        {`#${run.id} · ${run.previousVersion ? `${run.previousVersion} → ` : ''}${run.stackVersion} · by ${run.actor} · ${formatTime(run.startedAt)}`}
        {run.finishedAt ? '' : ' · never finished'}
      </Text>
    </Group>
  );
}

/** What the console provisioned on the host: its containers, the last apply and its steps, and an interrupted apply. */
export function ProvisionStatusCard({ host, status, error }: { host: string; status: ProvisionStatus | undefined; error: unknown }) {
  return (
    <Paper withBorder radius="md" p="lg" data-testid="provision-status" data-running-version={status?.runningVersion ?? ''}>
      <Group justify="space-between" mb="md" wrap="wrap" gap="sm">
        <Group gap="xs">
          <Title order={3} size="h4">
            Status
          </Title>
          {status && (
            <Badge color={status.runningVersion ? 'teal' : 'gray'} variant="light" radius="sm" tt="none" data-testid="provision-running-version">
              {status.runningVersion ? `runs ${status.runningVersion}` : 'not provisioned'}
            </Badge>
          )}
        </Group>
      </Group>
      <Stack gap="md">
        {error ? <ErrorAlert error={error} title={`Could not read what runs on ${host}`} /> : null}
        {status?.interrupted && (
          <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={20} />} title="The last apply was interrupted" data-testid="provision-interrupted">
            {`The console stopped while it applied${status.lastRun ? ` ${status.lastRun.stackVersion}` : ''}, so ${host} may run a mix of versions. Apply again to converge: the plan settles what the interrupted apply left.`}
          </Alert>
        )}
        {status && status.containers.length === 0 && (
          <Text size="sm" c="dimmed" data-testid="provision-no-containers">
            {`The console has no containers on ${host} yet.`}
          </Text>
        )}
        {status && status.containers.length > 0 && (
          <Table.ScrollContainer minWidth={820} type="native">
            <Table withTableBorder verticalSpacing="xs" aria-label="Provisioned containers" data-testid="provision-containers">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Service</Table.Th>
                  <Table.Th>Container</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Health</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>As the pushed bundle asks</Table.Th>
                  <Table.Th ta="right">Restarts</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {status.containers.map((container) => {
                  const health = HEALTH_LOOK[container.health];
                  return (
                    <Table.Tr
                      key={container.id}
                      data-testid={`provision-container-${container.service}`}
                      data-state={container.state}
                      data-health={container.health}
                      data-version={container.version}
                    >
                      <Table.Td>
                        <Text size="sm" fw={600}>
                          {container.service}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Tooltip label={`${container.image} · ${container.imageId.slice(0, 19)}…`}>
                          <Text size="sm" ff="monospace" tabIndex={0} w="fit-content" style={{ overflowWrap: 'anywhere' }}>
                            {container.container}
                          </Text>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={stateColors[container.state] ?? 'gray'} variant="light" radius="sm" tt="none">
                          {container.state}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={health.color} variant={container.health === 'none' ? 'outline' : 'light'} radius="sm" tt="none">
                          {health.label}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" ff="monospace">
                          {container.version}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c={container.matchesBundle === false ? 'orange.8' : undefined}>
                          {container.matchesBundle === null ? '— (no bundle pushed)' : container.matchesBundle ? 'yes' : 'no: apply to bring it in line'}
                        </Text>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Text size="sm" c={container.restartCount ? 'orange.8' : undefined}>
                          {container.restartCount ?? '?'}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {status?.lastRun && (
          <Stack gap={6} data-testid="provision-last-run" data-outcome={status.lastRun.outcome}>
            <Text size="sm" fw={600}>
              Last apply
            </Text>
            <RunLine run={status.lastRun} />
            {status.lastRun.message && (
              <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                <ServerText text={status.lastRun.message} />
              </Text>
            )}
            <RunSteps run={status.lastRun} />
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

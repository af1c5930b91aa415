import { Alert, Badge, Group, List, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { IconArrowBackUp, IconCircleCheck, IconCircleX } from '@tabler/icons-react';
import type { ProvisionResult } from '../../../shared/contract';
import { ServerText } from '../queue/ServerText';
import { ACTION_LOOK, checkTarget, durationText, HEALTH_LOOK, restoredText, type RollbackReport } from './provision-format';

/** What an apply did: the services with their new containers and health, and the checks made from outside. */
export function ProvisionResultView({ result }: { result: ProvisionResult }) {
  const failedChecks = result.checks.filter((check) => !check.ok).length;
  return (
    <Paper withBorder radius="md" p="lg" data-testid="provision-result" data-outcome={result.outcome}>
      <Group justify="space-between" mb="md" wrap="wrap" gap="sm">
        <Group gap="xs">
          <Title order={3} size="h4">
            Result
          </Title>
          <Badge color={result.outcome === 'applied' ? 'teal' : 'gray'} variant="light" radius="sm" tt="none" data-testid="provision-outcome">
            {result.outcome === 'applied' ? `applied ${result.stackVersion}` : `unchanged at ${result.stackVersion}`}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {`Run #${result.runId}${result.previousVersion ? ` · was ${result.previousVersion}` : ''} · ${durationText(result.durationMs)}`}
        </Text>
      </Group>
      <Stack gap="md">
        <Table withTableBorder verticalSpacing="xs" aria-label="Services after the apply" data-testid="provision-result-services">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Service</Table.Th>
              <Table.Th>Container</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>Health</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {result.services.map((service) => {
              const health = HEALTH_LOOK[service.health];
              return (
                <Table.Tr key={service.service} data-testid={`provision-result-${service.service}`} data-health={service.health}>
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {service.service}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                      {`${service.container} (${service.containerId.slice(0, 12)})`}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={ACTION_LOOK[service.action].color} variant="light" radius="sm" tt="none">
                      {ACTION_LOOK[service.action].label}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={health.color} variant={service.health === 'none' ? 'outline' : 'light'} radius="sm" tt="none">
                      {health.label}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>

        <Stack gap={6}>
          <Text size="sm" fw={600}>
            {result.checks.length === 0
              ? 'No checks from outside: the bundle declares none.'
              : failedChecks === 0
                ? `Checked from outside the containers: ${result.checks.length} of ${result.checks.length} passed.`
                : `Checked from outside the containers: ${failedChecks} of ${result.checks.length} failed.`}
          </Text>
          {result.checks.length > 0 && (
            <Table withTableBorder verticalSpacing="xs" aria-label="Checks from outside" data-testid="provision-checks">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Service</Table.Th>
                  <Table.Th>Check</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>Seen</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.checks.map((check, index) => (
                  <Table.Tr key={index} data-testid={`provision-check-${check.kind}`} data-ok={check.ok}>
                    <Table.Td>{check.service}</Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {checkTarget(check)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {check.ok ? (
                        <Badge color="teal" variant="light" radius="sm" tt="none" leftSection={<IconCircleCheck size={12} />}>
                          ok
                        </Badge>
                      ) : (
                        <Badge color="red" variant="light" radius="sm" tt="none" leftSection={<IconCircleX size={12} />}>
                          failed
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }} data-testid="provision-check-detail">
                        <ServerText text={check.detail} />
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      </Stack>
    </Paper>
  );
}

/** A failed apply that was rolled back: which service failed, why, and that the previous containers run again. */
export function RollbackAlert({ report, onClose }: { report: RollbackReport; onClose?: () => void }) {
  return (
    <Alert
      color="orange"
      variant="light"
      icon={<IconArrowBackUp size={20} />}
      title={report.failedService ? `Apply failed at ${report.failedService} and was rolled back` : 'Apply failed and was rolled back'}
      role="alert"
      data-testid="provision-rolled-back"
      data-service={report.failedService ?? ''}
      withCloseButton={onClose !== undefined}
      closeButtonLabel="Dismiss"
      {...(onClose ? { onClose } : {})}
    >
      <Stack gap={6}>
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          <ServerText text={report.message} />
        </Text>
        {report.reason && report.reason !== report.message && (
          <Text size="sm" style={{ overflowWrap: 'anywhere' }} data-testid="provision-rollback-reason">
            <Text span fw={600}>
              Reason:{' '}
            </Text>
            <ServerText text={report.reason} />
          </Text>
        )}
        <Text size="sm" data-testid="provision-rollback-restored">
          {restoredText(report.restored)}
        </Text>
        {report.steps.length > 0 && (
          <List size="sm" spacing={2} data-testid="provision-rollback-steps">
            {report.steps.map((step, index) => (
              <List.Item key={index}>
                <ServerText text={step} />
              </List.Item>
            ))}
          </List>
        )}
        <Text size="sm" c="dimmed">
          Fix what the reason names (a newer bundle from the publisher, or the host&apos;s resources), then plan and apply again.
          The status below shows what runs now.
        </Text>
      </Stack>
    </Alert>
  );
}

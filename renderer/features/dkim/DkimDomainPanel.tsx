import { useState } from 'react';
import { Alert, Badge, Button, Code, CopyButton, Group, Paper, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { IconCheck, IconCopy, IconInfoCircle, IconRotateClockwise } from '@tabler/icons-react';
import type { OutputOf } from '../../../shared/client/client';
import type { BasicPlan, DkimAlgorithm, DkimDomainStatus } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { useCommand } from '../../api/useCommand';
import { PlanDialog } from '../../components/PlanDialog';
import { ErrorAlert } from '../../components/ErrorAlert';
import { day, stateColor, stepLabel } from './dkim-format';

type Rotation = OutputOf<'dkim.rotate'>;

/** The plan's own part: what the operator must do after this step. */
function RotatePlanDetails({ plan }: { plan: BasicPlan }) {
  const nextAction = (plan as BasicPlan & { nextAction?: string }).nextAction;
  if (!nextAction) return null;
  return (
    <Alert color="blue" variant="light" icon={<IconInfoCircle size={18} />} title="After this step" data-testid="dkim-plan-next">
      {nextAction}
    </Alert>
  );
}

/** One domain: its keys, the records to publish (as text to copy), and the rotate button for the next safe step. */
export function DkimDomainPanel({ status, onChanged }: { status: DkimDomainStatus; onChanged: () => void }) {
  const command = useCommand();
  const [algorithm, setAlgorithm] = useState<DkimAlgorithm>(status.policy.algorithm);
  const [result, setResult] = useState<Rotation | null>(null);
  const records = useCopperQuery('dkim.record', { domain: status.domain }, { staleTime: 0 });
  const { refetch } = records;
  const step = status.interrupted ? 'resume' : status.nextStep;

  const rotate = async () => {
    const outcome = await command.run('dkim.rotate', { domain: status.domain, ...(step === 'prepare' ? { algorithm } : {}) }, { success: (output) => output.message });
    if (!outcome.ok) return;
    setResult(outcome.output);
    void refetch();
    onChanged();
  };

  const toPublish = (records.data?.records ?? []).filter((r) => r.publish);
  const toDelete = (records.data?.records ?? []).filter((r) => !r.publish);

  return (
    <Paper withBorder radius="md" p="lg" data-testid="dkim-domain">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Title order={3} size="h4">
              {status.domain}
            </Title>
            <Text size="sm" c="dimmed" data-testid="dkim-next-action">
              {status.nextAction}
            </Text>
          </Stack>
          <Group gap="sm">
            {step === 'prepare' && (
              <SegmentedControl
                size="xs"
                aria-label="Key type"
                value={algorithm}
                onChange={(value) => setAlgorithm(value as DkimAlgorithm)}
                data={[
                  { value: 'rsa2048', label: 'RSA-2048' },
                  { value: 'ed25519', label: 'Ed25519' },
                ]}
              />
            )}
            <Button leftSection={<IconRotateClockwise size={16} />} onClick={() => void rotate()} loading={command.planning} disabled={step === 'wait'} data-testid="dkim-rotate">
              {stepLabel[step]}
            </Button>
          </Group>
        </Group>

        {result && (
          <Alert color={result.advanced ? 'teal' : 'orange'} variant="light" title={result.message} data-testid="dkim-result" withCloseButton onClose={() => setResult(null)}>
            <Stack gap={4}>
              {result.found.map((found, index) => (
                <Text key={index} size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                  found: {found}
                </Text>
              ))}
              <Text size="sm">Next: {result.nextAction}</Text>
            </Stack>
          </Alert>
        )}
        {status.recordsError && <ErrorAlert error={status.recordsError} title="The records could not be checked" />}

        <Table.ScrollContainer minWidth={640} type="native">
          <Table verticalSpacing="xs" aria-label={`DKIM keys of ${status.domain}`} data-testid="dkim-keys">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Selector</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Record</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {status.keys.map((key) => {
                const record = status.records.find((r) => r.selector === key.selector);
                return (
                  <Table.Tr key={key.selector} data-testid={`dkim-key-${key.selector}`}>
                    <Table.Td>
                      <Text ff="monospace" size="sm">
                        {key.selector}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={stateColor[key.state]} variant="light" radius="sm" tt="none">
                        {key.state}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{key.algorithm === 'rsa2048' ? 'RSA-2048' : 'Ed25519'}</Table.Td>
                    <Table.Td>{day.format(new Date(key.createdAt))}</Table.Td>
                    <Table.Td>
                      {record ? (
                        <Badge color={record.status === 'ok' ? 'teal' : record.status === 'unchecked' ? 'gray' : 'red'} variant="light" radius="sm" tt="none" title={record.message}>
                          {record.status}
                        </Badge>
                      ) : (
                        '—'
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>

        {records.error && <ErrorAlert error={records.error} title="Could not read the records" />}
        {toPublish.map((record) => (
          <Stack key={record.selector} gap={4} data-testid={`dkim-record-${record.selector}`}>
            <Group justify="space-between">
              <Text size="sm" fw={600}>
                TXT at {record.name}
              </Text>
              <CopyButton value={record.text}>
                {({ copied, copy }) => (
                  <Button variant="default" size="xs" leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />} onClick={copy}>
                    {copied ? 'Copied' : 'Copy the text'}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} data-testid="dkim-record-text">
              {record.text}
            </Code>
          </Stack>
        ))}
        {toDelete.length > 0 && (
          <Text size="sm" c="dimmed">
            Retired, may be deleted from DNS: {toDelete.map((r) => r.name).join(', ')}
          </Text>
        )}
      </Stack>
      <PlanDialog controller={command} details={(plan) => <RotatePlanDetails plan={plan} />} />
    </Paper>
  );
}

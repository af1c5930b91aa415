import { Alert, Stack, Table, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { TlsDeployPlan, type BasicPlan, type TlsFinding } from '../../../shared/contract';
import { ServerText } from '../queue/ServerText';
import { LISTENER_LABEL, shortFingerprint } from './tls-format';

export function FindingsList({ findings }: { findings: TlsFinding[] }) {
  if (!findings.length) return null;
  return (
    <Alert color={findings.some((f) => f.severity === 'error') ? 'red' : 'yellow'} variant="light" icon={<IconAlertTriangle size={20} />} title="Validation" data-testid="tls-findings">
      <Stack gap={4}>
        {findings.map((finding, index) => (
          <Text key={index} size="sm" data-code={finding.code}>
            {finding.severity === 'error' ? 'Error: ' : 'Warning: '}
            {finding.message}
          </Text>
        ))}
      </Stack>
    </Alert>
  );
}

/** The deployment plan beyond its changes: what each port serves now and will be checked for afterwards. */
export function DeployPlanDetails({ plan }: { plan: BasicPlan }) {
  const parsed = TlsDeployPlan.safeParse(plan);
  if (!parsed.success) return null;
  const { listeners, certificate, current } = parsed.data;
  return (
    <Stack gap="sm" data-testid="tls-deploy-details">
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        New certificate SHA-256 <Text span ff="monospace">{certificate.fingerprintSha256}</Text>
        {current ? (
          <>
            {' '}
            replaces <Text span ff="monospace">{current.fingerprintSha256}</Text> (valid until {current.notAfter.slice(0, 10)}).
          </>
        ) : (
          '.'
        )}
      </Text>
      <Table withTableBorder verticalSpacing={4} aria-label="Ports checked after the deployment" data-testid="tls-deploy-listeners">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Port</Table.Th>
            <Table.Th>Serves now</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {listeners.map((check) => (
            <Table.Tr key={check.listener} data-listener={check.listener}>
              <Table.Td>{`${LISTENER_LABEL[check.listener]} ${check.address}:${check.port}`}</Table.Td>
              <Table.Td>
                {check.servedFingerprintSha256 ? (
                  <Text size="sm" ff="monospace">
                    {shortFingerprint(check.servedFingerprintSha256)}
                  </Text>
                ) : (
                  <Text size="sm" c="red">
                    <ServerText text={check.problem ?? 'no answer'} />
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <FindingsList findings={parsed.data.findings.filter((f) => f.severity === 'warning')} />
    </Stack>
  );
}

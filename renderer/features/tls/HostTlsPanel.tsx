import { useState } from 'react';
import { Alert, Badge, Button, Code, Group, Modal, Paper, Select, Stack, Table, Text, Textarea, TextInput, Title, Tooltip } from '@mantine/core';
import { IconCertificate, IconFileImport, IconRocket, IconShieldPlus, IconSignature } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import type { BasicPlan, TlsHostStatus, TlsKeyAlgorithm } from '../../../shared/contract';
import { tlsImport } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { useCommand } from '../../api/useCommand';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PlanDialog } from '../../components/PlanDialog';
import { ServerText } from '../queue/ServerText';
import { DeployPlanDetails, FindingsList } from './DeployPlanDetails';
import { day, moment, shortFingerprint, STATE_LOOK } from './tls-format';

const ALGORITHMS: Array<{ value: TlsKeyAlgorithm; label: string }> = [
  { value: 'ecdsa-p256', label: 'ECDSA P-256 (recommended)' },
  { value: 'ecdsa-p384', label: 'ECDSA P-384' },
  { value: 'rsa-2048', label: 'RSA 2048-bit' },
  { value: 'rsa-3072', label: 'RSA 3072-bit' },
  { value: 'rsa-4096', label: 'RSA 4096-bit' },
];

/** One host's certificates: request, import, issue, deploy, and what its deployments did. */
export function HostTlsPanel({ status }: { status: TlsHostStatus }) {
  const host = status.host;
  const names = status.mailNames;
  const queryClient = useQueryClient();
  const certificates = useCopperQuery('tls.list', { host });
  const deployments = useCopperQuery('tls.deployments', { host, limit: 10 });
  const authorities = useCopperQuery('tls.ca.list', {});
  const command = useCommand();
  const [algorithm, setAlgorithm] = useState<TlsKeyAlgorithm>('ecdsa-p256');
  const [authority, setAuthority] = useState<string | null>(null);
  const [csrPem, setCsrPem] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);
  const [chainPem, setChainPem] = useState('');
  const [keyPem, setKeyPem] = useState('');
  const [caForm, setCaForm] = useState<{ name: string; commonName: string } | null>(null);

  const refresh = () => void queryClient.invalidateQueries({ predicate: (query) => String(query.queryKey[0]).startsWith('tls.') });
  const internal = (authorities.data ?? []).filter((a) => a.kind === 'internal');
  const chosenAuthority = authority ?? internal[0]?.name ?? null;
  const noNames = names.length === 0;

  const requestCsr = async () => {
    const outcome = await command.run('tls.csr', { host, names, algorithm }, { success: () => `Certificate request for ${host} created` });
    if (outcome.ok) setCsrPem(outcome.output.csrPem);
    refresh();
  };
  const issue = async () => {
    if (!chosenAuthority) return;
    await command.run('tls.issue', { host, names, authority: chosenAuthority, algorithm });
    refresh();
  };
  const importChain = async () => {
    const outcome = await command.run('tls.import', { host, names, chainPem, ...(keyPem.trim() ? { privateKeyPem: keyPem } : {}) });
    if (outcome.ok) {
      setImporting(false);
      setChainPem('');
      setKeyPem('');
    }
    refresh();
  };
  const deploy = async (certificate: string) => {
    await command.run('tls.deploy', { host, certificate }, { success: (output) => `Deployed to ${host}: every port serves ${shortFingerprint(output.fingerprintSha256)}` });
    refresh();
  };
  const createAuthority = async () => {
    if (!caForm) return;
    const outcome = await command.run('tls.ca.create', { name: caForm.name, commonName: caForm.commonName });
    if (outcome.ok) setCaForm(null);
    refresh();
  };

  return (
    <Paper withBorder radius="md" p="lg" data-testid="tls-host-panel">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Title order={3}>Certificates of {host}</Title>
            <Text size="sm" c="dimmed">
              {noNames ? 'Set the host’s mail names first (Hosts → edit): certificates are checked against them.' : `For ${names.join(', ')}`}
            </Text>
          </Stack>
          <Select label="Key algorithm" data={ALGORITHMS} value={algorithm} onChange={(value) => value && setAlgorithm(value as TlsKeyAlgorithm)} allowDeselect={false} w={230} />
        </Group>

        <Group gap="sm" align="flex-end">
          <Button leftSection={<IconSignature size={16} />} variant="default" disabled={noNames} loading={command.planning} onClick={() => void requestCsr()}>
            Request from your CA (CSR)
          </Button>
          <Button leftSection={<IconFileImport size={16} />} variant="default" disabled={noNames} onClick={() => setImporting(true)}>
            Import certificate…
          </Button>
          {internal.length > 0 ? (
            <>
              <Select aria-label="Internal CA" data={internal.map((a) => a.name)} value={chosenAuthority} onChange={setAuthority} allowDeselect={false} w={180} />
              <Button leftSection={<IconCertificate size={16} />} disabled={noNames || !chosenAuthority} onClick={() => void issue()}>
                Issue from internal CA
              </Button>
            </>
          ) : (
            <Button leftSection={<IconShieldPlus size={16} />} variant="subtle" onClick={() => setCaForm({ name: '', commonName: '' })}>
              Create an internal CA…
            </Button>
          )}
        </Group>

        {csrPem && (
          <Alert color="blue" variant="light" title="Send this request to your CA, then import the certificate it issues" withCloseButton onClose={() => setCsrPem(null)}>
            <Code block data-testid="tls-csr-pem">
              {csrPem}
            </Code>
          </Alert>
        )}

        {certificates.error !== null && <ErrorAlert error={certificates.error} />}
        <Table.ScrollContainer minWidth={760} type="native">
          <Table verticalSpacing="xs" aria-label={`Certificates kept for ${host}`} data-testid="tls-certificates">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Certificate</Table.Th>
                <Table.Th>Source</Table.Th>
                <Table.Th>Valid until</Table.Th>
                <Table.Th>Validation</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(certificates.data ?? [])
                .slice()
                .reverse()
                .map((record) => {
                  const errors = record.findings.filter((f) => f.severity === 'error');
                  const deployed = record.certificate?.fingerprintSha256 === status.deployed?.fingerprintSha256;
                  return (
                    <Table.Tr key={record.id} data-testid={`tls-certificate-${record.id}`}>
                      <Table.Td>
                        <Text size="sm" ff="monospace">
                          {record.id}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {record.certificate ? <ServerText text={record.certificate.subject} /> : 'waiting for the CA'}
                        </Text>
                      </Table.Td>
                      <Table.Td>{record.source === 'internal-ca' ? `CA ${record.authority ?? ''}` : record.source === 'request' ? 'request' : 'imported'}</Table.Td>
                      <Table.Td>{record.certificate ? day.format(new Date(record.certificate.notAfter)) : '—'}</Table.Td>
                      <Table.Td>
                        {record.state === 'awaiting-certificate' ? (
                          <Badge color="blue" variant="light" radius="sm" tt="none">
                            awaiting certificate
                          </Badge>
                        ) : errors.length ? (
                          <Tooltip label={errors.map((f) => f.message).join(' ')} multiline w={420}>
                            <Badge color="red" variant="light" radius="sm" tt="none" data-testid="tls-certificate-errors">
                              {errors.map((f) => f.code.replace(/^TLS_/, '').toLowerCase().replace(/_/g, ' ')).join(', ')}
                            </Badge>
                          </Tooltip>
                        ) : (
                          <Badge color="teal" variant="light" radius="sm" tt="none">
                            {deployed ? 'deployed' : 'ready'}
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        {record.state === 'ready' && record.hasPrivateKey && (
                          <Button size="xs" leftSection={<IconRocket size={14} />} variant={deployed ? 'default' : 'filled'} onClick={() => void deploy(record.id)} aria-label={`Deploy ${record.id}`}>
                            {deployed ? 'Deploy again' : 'Deploy'}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>

        <Title order={4}>Deployments</Title>
        {(deployments.data ?? []).length === 0 ? (
          <Text size="sm" c="dimmed">
            Nothing deployed from the console yet.
          </Text>
        ) : (
          <Stack gap="xs" data-testid="tls-deployments">
            {(deployments.data ?? []).map((d) => (
              <Group key={d.id} gap="sm" align="flex-start" wrap="nowrap" data-testid={`tls-deployment-${d.id}`} data-state={d.state}>
                <Badge color={STATE_LOOK[d.state].color} variant="light" radius="sm" tt="none" w={120}>
                  {STATE_LOOK[d.state].label}
                </Badge>
                <Stack gap={0} style={{ minWidth: 0 }}>
                  <Text size="sm">
                    #{d.id} · {moment.format(new Date(d.startedAt))} · by {d.actor} ·{' '}
                    <Text span ff="monospace" size="sm">
                      {shortFingerprint(d.fingerprintSha256)}
                    </Text>
                    {d.checks.length > 0 && ` · ${d.checks.filter((c) => c.ok).length}/${d.checks.length} checks passed`}
                  </Text>
                  {d.problem && (
                    <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }} data-testid="tls-deployment-problem">
                      <ServerText text={d.problem} />
                    </Text>
                  )}
                </Stack>
              </Group>
            ))}
          </Stack>
        )}
      </Stack>

      <Modal opened={importing} onClose={() => setImporting(false)} title={`Import a certificate for ${host}`} size="lg">
        <Stack gap="sm">
          <Textarea
            label="Certificate chain (PEM)"
            description="The server certificate and its intermediates, as your CA sent them. The key may follow in the same text."
            autosize
            minRows={6}
            maxRows={14}
            styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }}
            value={chainPem}
            onChange={(event) => setChainPem(event.currentTarget.value)}
          />
          <Textarea
            label="Private key (PEM, unencrypted)"
            description="Leave empty when the certificate answers a request made here: the console already holds its key."
            autosize
            minRows={3}
            maxRows={8}
            styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }}
            value={keyPem}
            onChange={(event) => setKeyPem(event.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setImporting(false)}>
              Cancel
            </Button>
            <Button disabled={!chainPem.trim()} loading={command.planning} onClick={() => void importChain()}>
              Check and import
            </Button>
          </Group>
        </Stack>
      </Modal>

      <Modal opened={caForm !== null} onClose={() => setCaForm(null)} title="Create an internal CA">
        <Stack gap="sm">
          <TextInput label="Name in the console" placeholder="copper-ca" value={caForm?.name ?? ''} onChange={(event) => setCaForm((f) => f && { ...f, name: event.currentTarget.value })} />
          <TextInput label="Common name" placeholder="Example Org Mail CA" value={caForm?.commonName ?? ''} onChange={(event) => setCaForm((f) => f && { ...f, commonName: event.currentTarget.value })} />
          <Group justify="flex-end">
            <Button disabled={!caForm?.name || !caForm.commonName} onClick={() => void createAuthority()}>
              Continue
            </Button>
          </Group>
        </Stack>
      </Modal>

      <PlanDialog
        controller={command}
        details={(plan: BasicPlan) => {
          const imported = tlsImport.plan.safeParse(plan);
          if (imported.success) return <FindingsList findings={imported.data.validation.findings} />;
          return <DeployPlanDetails plan={plan} />;
        }}
      />
    </Paper>
  );
}

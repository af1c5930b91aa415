import { useEffect, useState } from 'react';
import { Anchor, Badge, Button, Paper, Table, Text, Tooltip } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import type { TlsHostStatus } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { parseTlsHost, tlsHostHref } from '../../router';
import { HostTlsPanel } from './HostTlsPanel';
import { day, daysText, LEVEL_LOOK, shortFingerprint } from './tls-format';

/** What the operator should do next for a host, in one line. */
function nextStep(row: TlsHostStatus): string {
  if (row.interrupted) return `Deployment #${row.interrupted.id} was interrupted: deploy again`;
  if (row.pending) return `A certificate until ${row.pending.notAfter.slice(0, 10)} is ready to deploy`;
  if (row.level === 'none') return 'Issue or import a certificate';
  if (row.level === 'ok') return '—';
  return 'Renew: request, issue or import a new certificate';
}

function useTlsHost(): string | null {
  const [host, setHost] = useState(() => parseTlsHost(window.location.hash));
  useEffect(() => {
    const onChange = () => setHost(parseTlsHost(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return host;
}

/** Certificates across the fleet: what each host serves (as its last verified deployment recorded) and when it ends. */
export function TlsPage() {
  const status = useCopperQuery('tls.status', {});
  const selected = useTlsHost();
  const rows = status.data?.hosts ?? [];
  const current = rows.find((r) => r.host.toLowerCase() === selected?.toLowerCase()) ?? null;

  return (
    <>
      <PageHeader
        title="TLS"
        description="The certificate each host serves for SMTP, submission, IMAP and its reverse proxy, and how long it has left. Warnings at 30, 14 and 7 days."
        actions={
          <Button variant="default" leftSection={<IconRefresh size={16} />} loading={status.isFetching} onClick={() => void status.refetch()}>
            Refresh
          </Button>
        }
      />
      <Paper withBorder radius="md" mb="lg">
        <QueryState isPending={status.isPending} error={status.error} empty={rows.length === 0} emptyTitle="No hosts yet" emptyHint="Add a host with its mail names, then issue or import its certificate here.">
          <Table.ScrollContainer minWidth={820} type="native">
            <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover aria-label="Certificates per host" data-testid="tls-hosts">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Host</Table.Th>
                  <Table.Th>Site</Table.Th>
                  <Table.Th>Certificate</Table.Th>
                  <Table.Th>Days left</Table.Th>
                  <Table.Th>Valid until</Table.Th>
                  <Table.Th>Fingerprint (SHA-256)</Table.Th>
                  <Table.Th>Next</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row) => {
                  const look = LEVEL_LOOK[row.level];
                  return (
                    <Table.Tr key={row.host} data-testid={`tls-host-${row.host}`} data-level={row.level} aria-selected={row === current}>
                      <Table.Td>
                        <Anchor href={tlsHostHref(row.host)} fw={600} size="sm">
                          {row.host}
                        </Anchor>
                        <Text size="xs" c="dimmed">
                          {row.mailNames.join(', ') || 'no mail names'}
                        </Text>
                      </Table.Td>
                      <Table.Td>{row.site}</Table.Td>
                      <Table.Td>
                        <Badge color={look.color} variant="light" radius="sm" tt="none" data-testid="tls-level">
                          {look.label}
                        </Badge>
                      </Table.Td>
                      <Table.Td data-testid="tls-days">{row.deployed ? daysText(row.daysLeft) : '—'}</Table.Td>
                      <Table.Td>{row.deployed ? day.format(new Date(row.deployed.notAfter)) : '—'}</Table.Td>
                      <Table.Td>
                        {row.deployed ? (
                          <Tooltip label={row.deployed.fingerprintSha256}>
                            <Text size="sm" ff="monospace">
                              {shortFingerprint(row.deployed.fingerprintSha256)}
                            </Text>
                          </Tooltip>
                        ) : (
                          '—'
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{nextStep(row)}</Text>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </QueryState>
      </Paper>
      {current && <HostTlsPanel key={current.host} status={current} />}
    </>
  );
}

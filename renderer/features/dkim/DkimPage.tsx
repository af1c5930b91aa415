import { useEffect, useState } from 'react';
import { Anchor, Badge, Button, Group, Paper, Progress, Table, Text } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useTask } from '../../api/useTask';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { DkimDomainPanel } from './DkimDomainPanel';
import { day, recordsInWords, stepLabel } from './dkim-format';

/** DKIM across the fleet's domains: which selector signs, how old its key is, when the next rotation is due. */
export function DkimPage() {
  const status = useTask('dkim.status');
  const [selected, setSelected] = useState<string | null>(null);
  const { run } = status;
  useEffect(() => {
    void run({ checkDns: true });
  }, [run]);
  const rows = status.output?.domains ?? [];
  const current = rows.find((r) => r.domain === selected) ?? null;

  return (
    <>
      <PageHeader
        title="DKIM"
        description="Signing keys per mail domain, rotated in safe steps: prepared, published (seen through the site’s resolver), active, retiring, retired."
        actions={
          <Button variant="default" leftSection={<IconRefresh size={16} />} loading={status.running} onClick={() => void run({ checkDns: true })}>
            Check again
          </Button>
        }
      />
      {status.running && status.progress?.total ? <Progress value={(100 * status.progress.done) / status.progress.total} mb="md" aria-label="Checking DKIM records" /> : null}
      {status.error !== null && <ErrorAlert error={status.error} title="Could not read the DKIM status" />}
      <Paper withBorder radius="md" mb="lg">
        <QueryState
          isPending={status.running && !status.output}
          error={null}
          empty={rows.length === 0}
          emptyTitle="No mail domains yet"
          emptyHint="Add a domain to a site (copper domain add), then prepare its first DKIM key here."
        >
          <Table.ScrollContainer minWidth={820} type="native">
            <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover aria-label="DKIM per domain" data-testid="dkim-domains">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Domain</Table.Th>
                  <Table.Th>Site</Table.Th>
                  <Table.Th>Active selector</Table.Th>
                  <Table.Th>Key age</Table.Th>
                  <Table.Th>Next rotation</Table.Th>
                  <Table.Th>Records</Table.Th>
                  <Table.Th>Next step</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row) => {
                  const records = recordsInWords(row);
                  return (
                    <Table.Tr key={row.domain} data-testid={`dkim-domain-${row.domain}`} aria-selected={row.domain === selected}>
                      <Table.Td>
                        <Anchor component="button" type="button" fw={600} onClick={() => setSelected(row.domain)}>
                          {row.domain}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{row.site}</Table.Td>
                      <Table.Td>
                        <Text ff="monospace" size="sm">
                          {row.activeSelector ?? '—'}
                        </Text>
                      </Table.Td>
                      <Table.Td>{row.activeKeyAgeDays === null ? '—' : `${row.activeKeyAgeDays} days`}</Table.Td>
                      <Table.Td>
                        {row.nextRotationDue ? (
                          <Group gap={6}>
                            <Text size="sm">{day.format(new Date(row.nextRotationDue))}</Text>
                            {row.rotationOverdue && (
                              <Badge color="red" variant="light" radius="sm" tt="none">
                                overdue
                              </Badge>
                            )}
                          </Group>
                        ) : (
                          '—'
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Badge color={records.color} variant="light" radius="sm" tt="none">
                          {records.text}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{row.interrupted ? `Finish the interrupted ${row.interrupted.step}` : stepLabel[row.nextStep]}</Text>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </QueryState>
      </Paper>
      {current && <DkimDomainPanel key={current.domain} status={current} onChanged={() => void run({ checkDns: true })} />}
    </>
  );
}

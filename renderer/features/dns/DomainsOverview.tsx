import { Anchor, Badge, Paper, Table, Text } from '@mantine/core';
import { useCopperQuery } from '../../api/client-context';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { dnsDomainHref } from '../../router';
import { allOk, checkedAt, countsInWords } from './dns-format';

/** Every mail domain with its site's resolver and its last check; nothing here asks a resolver. */
export function DomainsOverview() {
  const domains = useCopperQuery('dns.domains', {}, { staleTime: 0 });
  const rows = domains.data ?? [];
  return (
    <>
      <PageHeader
        title="DNS"
        description="The records each mail domain needs — MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, TLSA — checked only through the site’s own resolver."
      />
      <Paper withBorder radius="md">
        <QueryState
          isPending={domains.isPending}
          error={domains.error}
          empty={rows.length === 0}
          emptyTitle="No mail domains yet"
          emptyHint="Add a domain to a site (Sites page, or copper domain add), then check its records here."
        >
          <Table.ScrollContainer minWidth={720} type="native">
            <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover aria-label="Mail domains" data-testid="dns-domains">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Domain</Table.Th>
                  <Table.Th>Site</Table.Th>
                  <Table.Th>Resolver</Table.Th>
                  <Table.Th>Last check</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row) => (
                  <Table.Tr key={row.domain} data-testid={`dns-domain-${row.domain}`}>
                    <Table.Td>
                      <Anchor href={dnsDomainHref(row.domain)} fw={600}>
                        {row.domain}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{row.site}</Table.Td>
                    <Table.Td>
                      {row.resolver ? (
                        <Text ff="monospace" size="sm">
                          {row.resolver}
                        </Text>
                      ) : (
                        <Badge color="orange" variant="light" radius="sm" tt="none">
                          no resolver set
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {row.lastCheck ? (
                        <Badge color={allOk(row.lastCheck.counts) ? 'teal' : 'red'} variant="light" radius="sm" tt="none" title={checkedAt.format(new Date(row.lastCheck.checkedAt))}>
                          {countsInWords(row.lastCheck.counts)}
                        </Badge>
                      ) : (
                        <Text size="sm" c="dimmed">
                          never checked
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </QueryState>
      </Paper>
    </>
  );
}

import { useState } from 'react';
import { Badge, Button, Group, Paper, Table, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData } from '@tanstack/react-query';
import { IconPlus } from '@tabler/icons-react';
import type { Site } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { useCommand } from '../../api/useCommand';
import { PageHeader } from '../../components/PageHeader';
import { PlanDialog } from '../../components/PlanDialog';
import { RowActions } from '../../components/RowActions';
import { QueryState } from '../../components/QueryState';
import { SearchInput } from '../../components/SearchInput';
import { SiteDrawer, type SiteDrawerState } from './SiteDrawer';
import { dnsDomainHref } from '../../router';

const MAX_DOMAIN_BADGES = 3;

function Domains({ domains }: { domains: string[] }) {
  if (domains.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        none
      </Text>
    );
  }
  const rest = domains.length - MAX_DOMAIN_BADGES;
  return (
    <Group gap={4}>
      {domains.slice(0, MAX_DOMAIN_BADGES).map((domain) => (
        <Badge key={domain} component="a" href={dnsDomainHref(domain)} variant="light" color="gray" radius="sm" tt="none" style={{ cursor: 'pointer' }} aria-label={`DNS of ${domain}`}>
          {domain}
        </Badge>
      ))}
      {rest > 0 && (
        <Tooltip label={domains.slice(MAX_DOMAIN_BADGES).join(', ')}>
          <Badge variant="outline" color="gray" radius="sm" tt="none">
            +{rest}
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}

/** Sites: a location or network with its own hosts, mail domains and internal DNS resolver. */
export function SitesPage() {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 200);
  const sites = useCopperQuery('inventory.sites.list', debounced ? { search: debounced } : {}, { placeholderData: keepPreviousData });
  const [drawer, setDrawer] = useState<SiteDrawerState>(null);
  const remove = useCommand();
  const [removing, setRemoving] = useState<string | null>(null);
  const startRemove = (name: string) => {
    setRemoving(name);
    void remove.run('inventory.sites.delete', { name }).finally(() => setRemoving(null));
  };
  const rows = sites.data ?? [];

  return (
    <>
      <PageHeader
        title="Sites"
        description="Locations or networks, each with its own hosts, mail domains and internal DNS resolver."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => setDrawer({ mode: 'create' })}>
            Add site
          </Button>
        }
      />
      <Group mb="md">
        <SearchInput value={search} onChange={setSearch} label="Search sites" placeholder="Name, resolver, domain…" />
      </Group>
      <Paper withBorder radius="md">
        <QueryState
          isPending={sites.isPending}
          error={sites.error}
          empty={rows.length === 0}
          emptyTitle={debounced ? 'No site matches this search' : 'No sites yet'}
          emptyHint={debounced ? 'Try another word, or clear the search.' : 'Add the first site, then its hosts and mail domains.'}
        >
          <Table.ScrollContainer minWidth={760} type="native">
            <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md" aria-label="Sites" data-testid="sites-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Resolver</Table.Th>
                  <Table.Th>Domains</Table.Th>
                  <Table.Th ta="right">Hosts</Table.Th>
                  <Table.Th>Description</Table.Th>
                  <Table.Th w={96}>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((site: Site) => (
                  <Table.Tr key={site.name} data-testid={`site-row-${site.name}`}>
                    <Table.Td>
                      <Text fw={600} size="sm">
                        {site.name}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {site.resolver ? (
                        <Text size="sm" ff="monospace">
                          {site.resolver}
                        </Text>
                      ) : (
                        <Text size="sm" c="dimmed">
                          not set
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Domains domains={site.domains} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Text size="sm">{site.hostCount}</Text>
                    </Table.Td>
                    <Table.Td maw={360}>
                      <Text size="sm" lineClamp={2} title={site.description} style={{ overflowWrap: 'anywhere' }} data-testid="site-description">
                        {site.description}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <RowActions
                        kind="site"
                        name={site.name}
                        editTooltip="Edit site and domains"
                        deleting={remove.planning && removing === site.name}
                        onEdit={() => setDrawer({ mode: 'edit', name: site.name })}
                        onDelete={() => startRemove(site.name)}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </QueryState>
      </Paper>
      <SiteDrawer state={drawer} onClose={() => setDrawer(null)} />
      <PlanDialog controller={remove} />
    </>
  );
}

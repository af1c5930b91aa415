import { useState } from 'react';
import { Anchor, Badge, Button, Group, Paper, Select, Stack, Table, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData } from '@tanstack/react-query';
import { IconAlertTriangle, IconKey, IconLock, IconPlus, IconShieldCheck, IconShieldX, IconUserShield } from '@tabler/icons-react';
import type { AuthMethod, Host, HostCheck } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { useCommand } from '../../api/useCommand';
import { PageHeader } from '../../components/PageHeader';
import { PlanDialog } from '../../components/PlanDialog';
import { RowActions } from '../../components/RowActions';
import { QueryState } from '../../components/QueryState';
import { SearchInput } from '../../components/SearchInput';
import { hostHref } from '../../router';
import { formatTime, timeAgo, useNow } from '../fleet/format';
import { useLastChecks } from '../fleet/last-checks';
import { ReachBadge } from '../fleet/ReachBadge';
import { HostDrawer, type HostDrawerState } from './HostDrawer';

export const loginLabels: Record<AuthMethod, string> = { password: 'Password', key: 'Private key', agent: 'SSH agent' };
const loginIcons: Record<AuthMethod, typeof IconKey> = { password: IconLock, key: IconKey, agent: IconUserShield };

/** A password or key login with nothing stored cannot work yet: say so in the table, not only at the first failure. */
function missingSecret(host: Host): string | null {
  if (host.auth === 'password' && !host.storedSecrets.includes('password')) return 'No password stored';
  if (host.auth === 'key' && !host.storedSecrets.includes('privateKey')) return 'No private key stored';
  return null;
}

function Login({ host }: { host: Host }) {
  const Icon = loginIcons[host.auth];
  const missing = missingSecret(host);
  return (
    <Group gap={6} wrap="nowrap">
      <Icon size={16} aria-hidden />
      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
        {loginLabels[host.auth]}
      </Text>
      {missing && (
        <Tooltip label={`${missing}: the console cannot log in until you add it.`}>
          <IconAlertTriangle size={16} color="var(--mantine-color-orange-6)" aria-label={missing} role="img" />
        </Tooltip>
      )}
    </Group>
  );
}

function HostKey({ fingerprint }: { fingerprint: string | null }) {
  if (!fingerprint) {
    return (
      <Tooltip label="The console will not log in until you verify and trust the key: open the host page." maw={320} multiline>
        <Badge variant="light" color="orange" radius="sm" tt="none" leftSection={<IconShieldX size={12} />}>
          not trusted
        </Badge>
      </Tooltip>
    );
  }
  return (
    <Tooltip label={fingerprint} maw={480} multiline>
      <Badge variant="light" color="teal" radius="sm" tt="none" leftSection={<IconShieldCheck size={12} />}>
        key pinned
      </Badge>
    </Tooltip>
  );
}

function LastCheck({ check, now }: { check: HostCheck | undefined; now: number }) {
  if (!check) {
    return (
      <Text size="sm" c="dimmed">
        not checked
      </Text>
    );
  }
  return (
    <Tooltip label={`${check.error ? `${check.error.message} · ` : ''}checked ${formatTime(check.checkedAt)}`} maw={420} multiline>
      <Stack gap={2} align="flex-start">
        <ReachBadge check={check} size="sm" />
        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
          {timeAgo(check.checkedAt, now)}
        </Text>
      </Stack>
    </Tooltip>
  );
}

/** Hosts: the servers the console reaches over SSH, each in a site. */
export function HostsPage() {
  const [search, setSearch] = useState('');
  const [site, setSite] = useState<string | null>(null);
  const [debounced] = useDebouncedValue(search.trim(), 200);
  const hosts = useCopperQuery(
    'inventory.hosts.list',
    { ...(debounced ? { search: debounced } : {}), ...(site ? { site } : {}) },
    { placeholderData: keepPreviousData },
  );
  const sites = useCopperQuery('inventory.sites.list', {});
  const [drawer, setDrawer] = useState<HostDrawerState>(null);
  const remove = useCommand();
  const [removing, setRemoving] = useState<string | null>(null);
  const rows = hosts.data ?? [];
  const last = useLastChecks();
  const checks = new Map((last.data ?? []).map((check) => [check.host.toLowerCase(), check]));
  const now = useNow();
  const noSites = sites.data !== undefined && sites.data.length === 0;
  const filtered = Boolean(debounced || site);

  const startRemove = (name: string) => {
    setRemoving(name);
    void remove.run('inventory.hosts.delete', { name }).finally(() => setRemoving(null));
  };

  return (
    <>
      <PageHeader
        title="Hosts"
        description="The servers the console reaches over SSH. Passwords and keys stay in the secret store and never come back to this window."
        actions={
          <Tooltip label="Add a site first" disabled={!noSites}>
            <Button leftSection={<IconPlus size={16} />} onClick={() => setDrawer({ mode: 'create', site })} disabled={noSites}>
              Add host
            </Button>
          </Tooltip>
        }
      />
      <Group mb="md" gap="sm" align="flex-end">
        <SearchInput value={search} onChange={setSearch} label="Search hosts" placeholder="Name, address, tag, notes…" />
        <Select
          aria-label="Filter by site"
          placeholder="All sites"
          data={(sites.data ?? []).map((s) => s.name)}
          value={site}
          onChange={setSite}
          clearable
          searchable
          w={{ base: '100%', sm: 220 }}
          comboboxProps={{ withinPortal: true }}
        />
      </Group>
      <Paper withBorder radius="md">
        <QueryState
          isPending={hosts.isPending}
          error={hosts.error}
          empty={rows.length === 0}
          emptyTitle={filtered ? 'No host matches' : 'No hosts yet'}
          emptyHint={
            filtered
              ? 'Try another word or site, or clear the filters.'
              : noSites
                ? 'Hosts belong to a site: add a site on the Sites page first.'
                : 'Add the first host: its SSH address, login and site.'
          }
        >
          <Table.ScrollContainer minWidth={1180} type="native">
            <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md" aria-label="Hosts" data-testid="hosts-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Site</Table.Th>
                  <Table.Th>SSH</Table.Th>
                  <Table.Th>Login</Table.Th>
                  <Table.Th>Mode</Table.Th>
                  <Table.Th>Jump host</Table.Th>
                  <Table.Th>Host key</Table.Th>
                  <Table.Th>Last check</Table.Th>
                  <Table.Th>Tags</Table.Th>
                  <Table.Th w={96}>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((host) => (
                  <Table.Tr key={host.name} data-testid={`host-row-${host.name}`}>
                    <Table.Td>
                      <Anchor href={hostHref(host.name)} fw={600} size="sm">
                        {host.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{host.site}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                        {`${host.ssh.user}@${host.ssh.address}:${host.ssh.port}`}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Login host={host} />
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={host.mode === 'docker' ? 'blue' : 'gray'} radius="sm" tt="none">
                        {host.mode === 'docker' ? 'Docker' : 'Native'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {host.jumpHost ? (
                        <Text size="sm">{host.jumpHost}</Text>
                      ) : (
                        <Text size="sm" c="dimmed">
                          direct
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <HostKey fingerprint={host.pinnedFingerprint} />
                    </Table.Td>
                    <Table.Td>
                      <LastCheck check={checks.get(host.name.toLowerCase())} now={now} />
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {host.tags.map((tag) => (
                          <Badge key={tag} variant="outline" color="gray" radius="sm" tt="none">
                            {tag}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <RowActions
                        kind="host"
                        name={host.name}
                        deleting={remove.planning && removing === host.name}
                        onEdit={() => setDrawer({ mode: 'edit', name: host.name })}
                        onDelete={() => startRemove(host.name)}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </QueryState>
      </Paper>
      <HostDrawer state={drawer} onClose={() => setDrawer(null)} />
      <PlanDialog controller={remove} />
    </>
  );
}

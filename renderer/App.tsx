import { useEffect, useRef, type ReactNode } from 'react';
import {
  ActionIcon,
  AppShell,
  Burger,
  Group,
  NavLink,
  Text,
  ThemeIcon,
  Title,
  Tooltip,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBuildingCommunity,
  IconHeartbeat,
  IconListDetails,
  IconMailFast,
  IconMailCog,
  IconMoon,
  IconServer2,
  IconSettings,
  IconSun,
  IconWorldWww,
  IconSignature,
  IconCertificate,
} from '@tabler/icons-react';
import { useCopperQuery } from './api/client-context';
import { ConnectionBanner } from './components/ConnectionBanner';
import { AuditPage } from './features/audit/AuditPage';
import { FleetPage } from './features/fleet/FleetPage';
import { HostPage } from './features/fleet/HostPage';
import { HostsPage } from './features/inventory/HostsPage';
import { SitesPage } from './features/inventory/SitesPage';
import { FleetQueuePage } from './features/queue/FleetQueuePage';
import { DnsPage } from './features/dns/DnsPage';
import { DkimPage } from './features/dkim/DkimPage';
import { TlsPage } from './features/tls/TlsPage';
import { QueuePage } from './features/queue/QueuePage';
import { ProvisionPage } from './features/provision/ProvisionPage';
import { SettingsPage } from './features/settings/SettingsPage';
import { TasksIndicator } from './features/tasks/TasksIndicator';
import { href, useLocation, type HostView, type Route } from './router';

const pages: Record<Route, { label: string; icon: typeof IconServer2; render: () => ReactNode }> = {
  fleet: { label: 'Fleet', icon: IconHeartbeat, render: () => <FleetPage /> },
  queue: { label: 'Queues', icon: IconMailFast, render: () => <FleetQueuePage /> },
  dns: { label: 'DNS', icon: IconWorldWww, render: () => <DnsPage /> },
  dkim: { label: 'DKIM', icon: IconSignature, render: () => <DkimPage /> },
  tls: { label: 'TLS', icon: IconCertificate, render: () => <TlsPage /> },
  sites: { label: 'Sites', icon: IconBuildingCommunity, render: () => <SitesPage /> },
  hosts: { label: 'Hosts', icon: IconServer2, render: () => <HostsPage /> },
  audit: { label: 'Audit trail', icon: IconListDetails, render: () => <AuditPage /> },
  settings: { label: 'Settings', icon: IconSettings, render: () => <SettingsPage /> },
};

function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light');
  const next = computed === 'dark' ? 'light' : 'dark';
  const label = `Switch to ${next} theme`;
  return (
    <Tooltip label={label}>
      <ActionIcon variant="default" size="lg" aria-label={label} onClick={() => setColorScheme(next)} data-testid="theme-toggle">
        {computed === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
      </ActionIcon>
    </Tooltip>
  );
}

const HOST_VIEW_TITLES: Record<HostView, string> = { overview: 'Hosts', queue: 'Queue', provision: 'Provisioning' };

export function App() {
  const { route, host, hostView } = useLocation();
  const [navOpened, { toggle: toggleNav, close: closeNav }] = useDisclosure(false);
  const info = useCopperQuery('app.info', {}, { staleTime: Infinity });
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After navigating, move focus to the new page's title so keyboard and screen-reader users start from the top.
  useEffect(() => {
    document.title = host
      ? `${host} · ${HOST_VIEW_TITLES[hostView]} · Copper Console`
      : `${pages[route].label} · Copper Console`;
    closeNav();
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.querySelector<HTMLElement>('[data-page-title]')?.focus();
  }, [route, host, hostView, closeNav]);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !navOpened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={navOpened} onClick={toggleNav} hiddenFrom="sm" size="sm" aria-label="Show navigation" />
            <ThemeIcon size={32} radius="md" variant="filled" color="copper.8" aria-hidden>
              <IconMailCog size={20} />
            </ThemeIcon>
            <Title order={1} size="h4" style={{ whiteSpace: 'nowrap' }}>
              Copper Console
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <TasksIndicator />
            <ThemeToggle />
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label="Main">
        <AppShell.Section grow>
          {(Object.keys(pages) as Route[]).map((name) => {
            const page = pages[name];
            const Icon = page.icon;
            return (
              <NavLink
                key={name}
                href={href(name)}
                label={page.label}
                leftSection={<Icon size={18} stroke={1.7} />}
                active={route === name}
                aria-current={route === name && !host ? 'page' : undefined}
                variant="light"
                style={{ borderRadius: 'var(--mantine-radius-md)' }}
                mb={2}
              />
            );
          })}
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="sm" pb={4}>
            {info.data ? `Version ${info.data.version} · ${info.data.shell} shell` : '\u00a0'}
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main ref={mainRef}>
        <ConnectionBanner />
        {host ? (
          hostView === 'queue' ? (
            <QueuePage key={`queue:${host}`} host={host} />
          ) : hostView === 'provision' ? (
            <ProvisionPage key={`provision:${host}`} host={host} />
          ) : (
            <HostPage key={`host:${host}`} name={host} />
          )
        ) : (
          <div key={route}>{pages[route].render()}</div>
        )}
      </AppShell.Main>
    </AppShell>
  );
}

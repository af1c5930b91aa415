import { Alert, Badge, Code, Group, Paper, SegmentedControl, Skeleton, Stack, Table, Text, Title, useMantineColorScheme, type MantineColorScheme } from '@mantine/core';
import type { ReactNode } from 'react';
import { IconDeviceDesktop, IconLock, IconMoon, IconSun } from '@tabler/icons-react';
import type { SecretStoreStatus } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';

const storeKinds: Record<SecretStoreStatus['kind'], string> = {
  vault: 'Passphrase vault',
  os: 'Operating system keychain',
  memory: 'Memory only (nothing is kept)',
};
const storeStates: Record<SecretStoreStatus['state'], { label: string; color: string }> = {
  unlocked: { label: 'unlocked', color: 'teal' },
  locked: { label: 'locked', color: 'orange' },
  absent: { label: 'not created yet', color: 'gray' },
  unavailable: { label: 'unavailable', color: 'red' },
};
const shells = { desktop: 'Desktop app', browser: 'Browser (copper serve)', cli: 'Command line' } as const;

function SchemeLabel({ icon: Icon, label }: { icon: typeof IconSun; label: string }) {
  return (
    <Group gap={6} wrap="nowrap" justify="center">
      <Icon size={16} aria-hidden />
      <span>{label}</span>
    </Group>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder radius="md" p="lg">
      <Stack gap="md">
        <Title order={3} size="h4">
          {title}
        </Title>
        {children}
      </Stack>
    </Paper>
  );
}

export function SettingsPage() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const info = useCopperQuery('app.info', {}, { staleTime: 0 });
  const store = info.data?.secretStore;

  const rows: Array<[string, ReactNode]> = info.data
    ? [
        ['Version', info.data.version],
        ['Shell', shells[info.data.shell]],
        ['Data folder', <Code key="dir">{info.data.dataDir}</Code>],
        ['Platform', info.data.platform],
      ]
    : [];

  return (
    <>
      <PageHeader title="Settings" description="How the console looks, and what it runs on." />
      <Stack gap="lg" maw={860}>
        <Section title="Appearance">
          <Stack gap={6}>
            <Text size="sm" fw={500} id="theme-label">
              Theme
            </Text>
            <SegmentedControl
              role="radiogroup"
              aria-labelledby="theme-label"
              value={colorScheme}
              onChange={(value) => setColorScheme(value as MantineColorScheme)}
              data={[
                { value: 'light', label: <SchemeLabel icon={IconSun} label="Light" /> },
                { value: 'dark', label: <SchemeLabel icon={IconMoon} label="Dark" /> },
                { value: 'auto', label: <SchemeLabel icon={IconDeviceDesktop} label="Same as the system" /> },
              ]}
              w={{ base: '100%', sm: 460 }}
              data-testid="theme-choice"
            />
          </Stack>
        </Section>

        <Section title="About this console">
          {info.error ? (
            <ErrorAlert error={info.error} title="Could not read the console's details" />
          ) : !info.data ? (
            <Stack gap="xs">
              <Skeleton h={18} />
              <Skeleton h={18} />
              <Skeleton h={18} />
            </Stack>
          ) : (
            <Table variant="vertical" layout="fixed" withTableBorder={false} data-testid="about-table">
              <Table.Tbody>
                {rows.map(([label, value]) => (
                  <Table.Tr key={label}>
                    <Table.Th w={180}>{label}</Table.Th>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{value}</Table.Td>
                  </Table.Tr>
                ))}
                {store && (
                  <Table.Tr>
                    <Table.Th w={180}>Secret store</Table.Th>
                    <Table.Td>
                      <Stack gap={4}>
                        <Group gap="xs">
                          <Text size="sm">{storeKinds[store.kind]}</Text>
                          <Badge variant="light" radius="sm" color={storeStates[store.state].color} tt="none" data-testid="secret-store-state">
                            {storeStates[store.state].label}
                          </Badge>
                        </Group>
                        <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                          {store.description}
                        </Text>
                      </Stack>
                    </Table.Td>
                  </Table.Tr>
                )}
              </Table.Tbody>
            </Table>
          )}
          <Alert variant="light" color="blue" icon={<IconLock size={18} />} title="Secrets never reach this window">
            Passwords, private keys and passphrases you enter go straight to the secret store. The console never sends them
            back here, never writes them to the audit trail, and never keeps them in its database in plain text.
          </Alert>
        </Section>
      </Stack>
    </>
  );
}

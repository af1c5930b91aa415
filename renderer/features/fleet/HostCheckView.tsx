import { useState, type ReactNode } from 'react';
import {
  Accordion,
  Alert,
  Badge,
  Box,
  Code,
  Group,
  List,
  Paper,
  Progress,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { IconAlertTriangle, IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import type { ComponentStatus, HostCheck, TriState } from '../../../shared/contract';
import { formatBytes, formatUptime, usageColor } from './format';
import { visibleText } from './visible-text';

export const componentLabels: Record<ComponentStatus['name'], string> = {
  postfix: 'Postfix',
  dovecot: 'Dovecot',
  rspamd: 'Rspamd',
  clamd: 'ClamAV',
  slapd: 'OpenLDAP',
  redis: 'Redis',
  mariadb: 'MariaDB',
  webmail: 'Webmail',
  docker: 'Docker',
};

const triLook: Record<TriState, { label: string; color: string }> = {
  yes: { label: 'yes', color: 'teal' },
  no: { label: 'no', color: 'red' },
  unknown: { label: 'unknown', color: 'gray' },
};

/** A yes / no / unknown badge. `calmNo` for a "no" that is not a fault (a component that is simply not installed). */
function Tri({ value, yes, no, calmNo = false }: { value: TriState; yes: string; no: string; calmNo?: boolean }) {
  const look = triLook[value];
  return (
    <Badge color={value === 'no' && calmNo ? 'gray' : look.color} variant="light" radius="sm" tt="none">
      {value === 'yes' ? yes : value === 'no' ? no : look.label}
    </Badge>
  );
}

function SectionTitle({ children }: { children: ReactNode }) {
  return (
    <Title order={4} size="h6" tt="uppercase" c="dimmed" style={{ letterSpacing: '0.04em' }}>
      {children}
    </Title>
  );
}

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Paper withBorder radius="md" p="sm" data-testid={testId}>
      <Text size="xs" c="dimmed" mb={2}>
        {label}
      </Text>
      {children}
    </Paper>
  );
}

const unknown = (
  <Text size="sm" c="dimmed">
    unknown
  </Text>
);

function Facts({ check }: { check: HostCheck }) {
  const memoryUsed = check.memory ? check.memory.totalBytes - check.memory.availableBytes : 0;
  const memoryPercent = check.memory && check.memory.totalBytes > 0 ? Math.round((memoryUsed / check.memory.totalBytes) * 100) : 0;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, lg: 5 }} spacing="sm">
      <Fact label="Operating system" testId="fact-os">
        {check.os ? (
          <Text size="sm" fw={600}>
            {check.os}
          </Text>
        ) : (
          unknown
        )}
      </Fact>
      <Fact label="Kernel" testId="fact-kernel">
        {check.kernel ? (
          <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
            {check.kernel}
          </Text>
        ) : (
          unknown
        )}
      </Fact>
      <Fact label="Up for">{check.uptimeSeconds !== null ? <Text size="sm">{formatUptime(check.uptimeSeconds)}</Text> : unknown}</Fact>
      <Fact label="Load (1, 5, 15 min)">
        {check.load ? (
          <Text size="sm" ff="monospace">
            {check.load.map((value) => value.toFixed(2)).join('  ')}
          </Text>
        ) : (
          unknown
        )}
      </Fact>
      <Fact label="Memory">
        {check.memory ? (
          <Stack gap={4}>
            <Text size="sm">
              {`${formatBytes(check.memory.availableBytes)} free of ${formatBytes(check.memory.totalBytes)}`}
            </Text>
            <Progress value={memoryPercent} color={usageColor(memoryPercent)} size="sm" aria-label={`Memory ${memoryPercent}% used`} />
          </Stack>
        ) : (
          unknown
        )}
      </Fact>
    </SimpleGrid>
  );
}

function Disks({ check }: { check: HostCheck }) {
  if (check.disks.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No disk usage was reported.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={640} type="native">
      <Table verticalSpacing={6} horizontalSpacing="sm" aria-label="Disks" data-testid="disks-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Mounted on</Table.Th>
            <Table.Th>Filesystem</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th ta="right">Size</Table.Th>
            <Table.Th ta="right">Free</Table.Th>
            <Table.Th w={220}>Used</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {check.disks.map((disk) => {
            const color = usageColor(disk.usePercent);
            return (
              <Table.Tr key={`${disk.mount}:${disk.filesystem}`} data-testid={`disk-${disk.mount}`}>
                <Table.Td>
                  <Text size="sm" ff="monospace" fw={600}>
                    {disk.mount}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                    {disk.filesystem}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{disk.type}</Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                    {formatBytes(disk.sizeBytes)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                    {formatBytes(disk.availableBytes)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    <Progress value={disk.usePercent} color={color} size="md" style={{ flex: 1 }} aria-label={`${disk.mount} ${disk.usePercent}% used`} />
                    <Text size="sm" fw={disk.usePercent >= 90 ? 700 : 400} c={disk.usePercent >= 80 ? `${color}.8` : undefined} w={44} ta="right">
                      {`${disk.usePercent}%`}
                    </Text>
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Output the console could not interpret, verbatim but as text: control characters show as visible markers. */
function RawBlock({ text, testId }: { text: string; testId?: string }) {
  return (
    <Code block data-testid={testId} style={{ maxHeight: 280, overflow: 'auto', whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
      {visibleText(text)}
    </Code>
  );
}

function ComponentRow({ component }: { component: ComponentStatus }) {
  const [open, setOpen] = useState(false);
  const hasRaw = component.raw !== null && component.raw !== '';
  const absent = component.present === 'no';
  return (
    <>
      <Table.Tr data-testid={`component-${component.name}`} data-present={component.present} data-running={component.running}>
        <Table.Td>
          <Text size="sm" fw={600} c={absent ? 'dimmed' : undefined}>
            {componentLabels[component.name]}
          </Text>
        </Table.Td>
        <Table.Td>
          <Tri value={component.present} yes="present" no="absent" calmNo />
        </Table.Td>
        <Table.Td>{absent ? <Text size="sm" c="dimmed">—</Text> : <Tri value={component.running} yes="running" no="stopped" />}</Table.Td>
        <Table.Td>
          <Text size="sm" ff="monospace">
            {component.version ?? ''}
          </Text>
        </Table.Td>
        <Table.Td>
          <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            {component.detail}
          </Text>
        </Table.Td>
        <Table.Td>
          {hasRaw && (
            <UnstyledButton
              onClick={() => setOpen((value) => !value)}
              aria-expanded={open}
              aria-label={`${open ? 'Hide' : 'Show'} the raw output for ${componentLabels[component.name]}`}
            >
              <Group gap={4} wrap="nowrap">
                {open ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
                <Text size="xs" c="dimmed">
                  raw output
                </Text>
              </Group>
            </UnstyledButton>
          )}
        </Table.Td>
      </Table.Tr>
      {hasRaw && open && (
        <Table.Tr>
          <Table.Td colSpan={6}>
            <RawBlock text={component.raw ?? ''} testId={`component-raw-${component.name}`} />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

function Components({ check }: { check: HostCheck }) {
  // Present ones first: the operator looks for what runs, then for what is missing.
  const order: Record<TriState, number> = { yes: 0, unknown: 1, no: 2 };
  const rows = [...check.components].sort((a, b) => order[a.present] - order[b.present]);
  return (
    <Table.ScrollContainer minWidth={720} type="native">
      <Table verticalSpacing={6} horizontalSpacing="sm" aria-label="Components" data-testid="components-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Component</Table.Th>
            <Table.Th>Installed</Table.Th>
            <Table.Th>Running</Table.Th>
            <Table.Th>Version</Table.Th>
            <Table.Th>Found as</Table.Th>
            <Table.Th w={120} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((component) => (
            <ComponentRow key={component.name} component={component} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Everything a host check found, for the host page. Every value from the server is rendered as text. */
export function HostCheckView({ check }: { check: HostCheck }) {
  // A check that failed lists its error among the warnings too; the error is already shown above it.
  const warnings = check.warnings.filter((warning) => warning !== check.error?.message);
  return (
    <Stack gap="lg" data-testid="check-result">
      {warnings.length > 0 && (
        <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={20} />} title="Needs attention" data-testid="check-warnings">
          {warnings.length === 1 ? (
            <Text size="sm">{warnings[0]}</Text>
          ) : (
            <List size="sm" spacing={2}>
              {warnings.map((warning, index) => (
                <List.Item key={index}>{warning}</List.Item>
              ))}
            </List>
          )}
        </Alert>
      )}
      {check.reachable && (
        <>
          <Facts check={check} />
          <Stack gap="xs">
            <SectionTitle>Disks</SectionTitle>
            <Disks check={check} />
          </Stack>
        </>
      )}
      {check.components.length > 0 && (
        <Stack gap="xs">
          <SectionTitle>Mail components</SectionTitle>
          <Components check={check} />
        </Stack>
      )}
      {check.unparsed.length > 0 && (
        <Stack gap="xs">
          <Group gap="xs">
            <SectionTitle>Output not understood</SectionTitle>
            <Tooltip label="Shown verbatim so nothing the server said is hidden. Control characters appear as \x.. markers." multiline maw={320}>
              <Badge variant="light" color="gray" radius="sm" tt="none">
                {check.unparsed.length}
              </Badge>
            </Tooltip>
          </Group>
          <Accordion variant="separated" radius="md" multiple data-testid="unparsed">
            {check.unparsed.map((section, index) => (
              <Accordion.Item key={index} value={String(index)}>
                <Accordion.Control>
                  <Text size="sm" ff="monospace">
                    {visibleText(section.section)}
                  </Text>
                </Accordion.Control>
                <Accordion.Panel>
                  <Box>
                    <RawBlock text={section.raw} />
                  </Box>
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
        </Stack>
      )}
    </Stack>
  );
}

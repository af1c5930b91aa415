import { useState } from 'react';
import { Button, Code, Collapse, CopyButton, Group, Paper, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { IconCheck, IconChevronDown, IconChevronRight, IconCopy } from '@tabler/icons-react';
import { useCopperQuery } from '../../api/client-context';
import { ErrorAlert } from '../../components/ErrorAlert';

/** The records the domain needs as a BIND zone-file fragment, to copy and hand to the DNS team. */
export function ZoneExport({ domain }: { domain: string }) {
  const [open, setOpen] = useState(false);
  const zone = useCopperQuery('dns.zone', { domain }, { enabled: open, staleTime: 0 });
  return (
    <Paper withBorder radius="md" p="lg" data-testid="dns-zone">
      <UnstyledButton onClick={() => setOpen((was) => !was)} aria-expanded={open} aria-controls="dns-zone-fragment" w="100%">
        <Group gap="xs">
          {open ? <IconChevronDown size={18} aria-hidden /> : <IconChevronRight size={18} aria-hidden />}
          <Title order={3} size="h4">
            Zone-file fragment for the DNS team
          </Title>
        </Group>
      </UnstyledButton>
      <Collapse in={open} id="dns-zone-fragment">
        <Stack gap="sm" mt="md">
          <Text size="sm" c="dimmed">
            Every record {domain} needs, in BIND syntax with absolute names. Long TXT records (DKIM keys) are split into strings of at most 255 bytes.
          </Text>
          {zone.error && <ErrorAlert error={zone.error} title="Could not build the zone fragment" />}
          {zone.data && (
            <>
              <Group>
                <CopyButton value={zone.data.zone}>
                  {({ copied, copy }) => (
                    <Button variant="default" size="xs" leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />} onClick={copy}>
                      {copied ? 'Copied' : 'Copy'}
                    </Button>
                  )}
                </CopyButton>
              </Group>
              <Code block style={{ whiteSpace: 'pre', overflowX: 'auto' }} data-testid="dns-zone-text">
                {zone.data.zone}
              </Code>
            </>
          )}
        </Stack>
      </Collapse>
    </Paper>
  );
}

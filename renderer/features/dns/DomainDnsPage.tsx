import { Alert, Anchor, Button, Group, Paper, Progress as ProgressBar, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { IconArrowLeft, IconInfoCircle, IconPlayerStop, IconRefresh } from '@tabler/icons-react';
import type { Progress } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { useTask } from '../../api/useTask';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { href } from '../../router';
import { DnsResults } from './DnsResults';
import { PolicyForm } from './PolicyForm';
import { ZoneExport } from './ZoneExport';

function CheckProgress({ progress }: { progress: Progress | null }) {
  const total = progress?.total ?? null;
  const done = progress?.done ?? 0;
  return (
    <Paper withBorder radius="md" p="md" data-testid="dns-progress">
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Text size="sm" fw={600}>
            {total ? `Checking records: ${done} of ${total}` : 'Checking records…'}
          </Text>
          <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            {progress?.message ?? ''}
          </Text>
        </Group>
        <ProgressBar value={total ? Math.min(100, (done / total) * 100) : 100} striped animated size="lg" aria-label="Progress of the DNS check" />
      </Stack>
    </Paper>
  );
}

/** One domain: check its records through the site's resolver, see found against expected, export, change the policy. */
export function DomainDnsPage({ domain }: { domain: string }) {
  const queryClient = useQueryClient();
  const domains = useCopperQuery('dns.domains', {}, { staleTime: 0 });
  const last = useCopperQuery('dns.last', { domain }, { staleTime: 0 });
  const check = useTask('dns.check');
  const state = domains.data?.find((d) => d.domain === domain);
  const result = check.output ?? last.data ?? null;

  const run = async () => {
    const answer = await check.run({ domain });
    if (answer) void queryClient.invalidateQueries({ predicate: (q) => typeof q.queryKey[0] === 'string' && q.queryKey[0].startsWith('dns.') });
  };
  const refreshZone = () => void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'dns.zone' });

  return (
    <>
      <Anchor href={href('dns')} size="sm" mb="xs" display="inline-flex" style={{ alignItems: 'center', gap: 4 }}>
        <IconArrowLeft size={14} aria-hidden /> All domains
      </Anchor>
      <PageHeader
        title={`DNS of ${domain}`}
        description={
          state
            ? state.resolver
              ? `Asked only of the resolver of site ${state.site}, ${state.resolver} — never the system’s or a public one.`
              : `Site ${state.site} has no resolver set, so nothing can be checked yet.`
            : 'The records this mail domain needs, and what the site’s resolver says about them.'
        }
        actions={
          check.running ? (
            <Button variant="default" color="red" leftSection={<IconPlayerStop size={16} />} onClick={check.cancel}>
              Cancel
            </Button>
          ) : (
            <Button leftSection={<IconRefresh size={16} />} onClick={() => void run()} disabled={domains.isSuccess && !state}>
              Check now
            </Button>
          )
        }
      />
      <Stack gap="md">
        {domains.isSuccess && !state && (
          <Alert color="red" variant="light" icon={<IconInfoCircle size={20} />} title={`There is no mail domain named ${domain}`} data-testid="dns-unknown-domain">
            Check the address, or add the domain to a site first (Sites page, or copper domain add).
          </Alert>
        )}
        {state && !state.resolver && (
          <Alert color="orange" variant="light" icon={<IconInfoCircle size={20} />} title="Set the site’s resolver first">
            {`The console checks DNS only through the site’s own internal resolver. Set it on the Sites page, or: copper site edit ${state.site} --resolver IP[:PORT]`}
          </Alert>
        )}
        {check.running && <CheckProgress progress={check.progress} />}
        {check.error !== null && check.error !== undefined && <ErrorAlert error={check.error} title="The check could not finish" />}
        {result ? (
          <DnsResults result={result} />
        ) : (
          state &&
          !check.running && (
            <Text size="sm" c="dimmed" data-testid="dns-never-checked">
              Not checked yet. Check now to ask the resolver for every record the domain needs.
            </Text>
          )
        )}
        {state && <ZoneExport domain={domain} />}
        {state && <PolicyForm domain={domain} site={state.site} onSaved={refreshZone} />}
      </Stack>
    </>
  );
}

import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Box, Button, Code, Group, List, Loader, Paper, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertOctagon, IconCircleCheck, IconFingerprint, IconShieldCheck, IconShieldLock } from '@tabler/icons-react';
import { contract, Fingerprint, type BasicPlan, type Host, type HostKeyReport } from '../../../shared/contract';
import { useCommand, type CommandController } from '../../api/useCommand';
import { useTask } from '../../api/useTask';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PlanDialog } from '../../components/PlanDialog';

/** The public key file `ssh-keygen -lf` should read on the server, for the type of key it presented. */
export function hostKeyFile(keyType: string): string {
  if (keyType.startsWith('ecdsa-')) return '/etc/ssh/ssh_host_ecdsa_key.pub';
  if (keyType === 'ssh-rsa' || keyType.startsWith('rsa-')) return '/etc/ssh/ssh_host_rsa_key.pub';
  return '/etc/ssh/ssh_host_ed25519_key.pub';
}

/** A fingerprint large enough to compare character by character, and selectable to copy. */
export function BigFingerprint({ value, testId, compact = false }: { value: string; testId?: string; compact?: boolean }) {
  return (
    <Text
      component="div"
      ff="monospace"
      fw={600}
      fz={compact ? { base: 14, sm: 16 } : { base: 14, sm: 17 }}
      lh={1.5}
      data-testid={testId}
      style={{ overflowWrap: 'anywhere', userSelect: 'all' }}
    >
      {value}
    </Text>
  );
}

/** Both keys of a changed host key, side by side in words, with the only safe way forward. */
export function KeyMismatchAlert({ host, pinned, presented }: { host: string; pinned: string; presented: string }) {
  return (
    <Alert color="red" variant="light" icon={<IconAlertOctagon size={20} />} title={`The host key of ${host} changed`} role="alert" data-testid="key-mismatch">
      <Stack gap={6}>
        <Text size="sm">The console refused to connect: the server presents a different key from the one you trusted.</Text>
        <Box>
          <Text size="xs" c="dimmed">
            Pinned (trusted)
          </Text>
          <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }} data-testid="mismatch-pinned">
            {pinned}
          </Text>
        </Box>
        <Box>
          <Text size="xs" c="dimmed">
            Presented now
          </Text>
          <Text size="sm" ff="monospace" fw={600} style={{ overflowWrap: 'anywhere' }} data-testid="mismatch-presented">
            {presented}
          </Text>
        </Box>
        <Text size="sm">
          If the server was reinstalled or its key replaced, verify the new key on the server itself, then trust it here. Otherwise do
          not: someone may be intercepting the connection. Tell your security officer.
        </Text>
      </Stack>
    </Alert>
  );
}

function Instructions({ report }: { report: HostKeyReport }) {
  return (
    <Stack gap={6}>
      <Text size="sm" fw={600}>
        Before you trust it, make sure it is really {report.host}:
      </Text>
      <List type="ordered" size="sm" spacing={4}>
        <List.Item>
          On the server itself (its console, or ask its administrator), run{' '}
          <Code style={{ whiteSpace: 'nowrap' }}>{`ssh-keygen -lf ${hostKeyFile(report.keyType)}`}</Code>
        </List.Item>
        <List.Item>Compare every character with the fingerprint above, or paste it below.</List.Item>
        <List.Item>Only if they are the same, trust the key. If they differ, do not: someone may be intercepting the connection.</List.Item>
      </List>
    </Stack>
  );
}

function PresentedKey({ report }: { report: HostKeyReport }) {
  return (
    <Paper withBorder radius="md" p="md" bg="var(--mantine-color-default-hover)" data-testid="presented-key">
      <Group gap={6} mb={6} wrap="nowrap">
        <IconFingerprint size={18} aria-hidden />
        <Text size="sm" c="dimmed">
          {report.host} presents this <Text span ff="monospace" size="sm">{report.keyType}</Text> key
        </Text>
      </Group>
      <BigFingerprint value={report.presentedFingerprint} testId="presented-fingerprint" />
    </Paper>
  );
}

/** The key about to be pinned, in the plan dialog, so the confirmation is made looking at it. */
function trustDetails(plan: BasicPlan): ReactNode {
  const parsed = contract['ssh.trust'].plan.safeParse(plan);
  if (!parsed.success) return null;
  return (
    <Paper withBorder radius="md" p="sm" bg="var(--mantine-color-default-hover)">
      <Text size="xs" c="dimmed" mb={4}>
        Fingerprint to pin ({parsed.data.presented.keyType})
      </Text>
      <BigFingerprint value={parsed.data.presented.presentedFingerprint} testId="plan-fingerprint" compact />
    </Paper>
  );
}

/**
 * Shows the key a server presents and walks the operator through comparing it before trusting it. Trusting goes through
 * the plan dialog; the pasted fingerprint, when given, is sent along so the core pins only that exact key.
 */
export function HostKeyVerifier({
  host,
  autoProbe = false,
  onTrusted,
  secondary,
  trust: sharedTrust,
  knownMismatch = null,
}: {
  host: Host;
  /** Ask the server for its key as soon as this is shown (the add-host step), rather than on a button. */
  autoProbe?: boolean;
  onTrusted?: (pinnedFingerprint: string) => void;
  /** Extra buttons next to the main ones (e.g. "Later" in the add-host drawer). */
  secondary?: ReactNode;
  /** The trust command's controller, when the caller must know whether its dialog is open (a drawer's Escape key). */
  trust?: CommandController;
  /** A changed key found by the last check; shown until the operator asks the server again (which shows it anew). */
  knownMismatch?: { pinned: string; presented: string } | null;
}) {
  const probe = useTask('ssh.probe');
  const ownTrust = useCommand();
  const trust = sharedTrust ?? ownTrust;
  const [expected, setExpected] = useState('');
  const report = probe.output?.host.toLowerCase() === host.name.toLowerCase() ? probe.output : undefined;
  const { run } = probe;

  useEffect(() => {
    if (autoProbe) void run({ host: host.name });
  }, [autoProbe, run, host.name]);

  const pasted = expected.trim();
  const pastedValid = pasted === '' || Fingerprint.safeParse(pasted).success;
  const pastedMatches = report !== undefined && pasted !== '' && pastedValid && pasted === report.presentedFingerprint;
  const pastedDiffers = report !== undefined && pasted !== '' && pastedValid && !pastedMatches;
  const changed = report !== undefined && report.pinnedFingerprint !== null && !report.matches;

  const startTrust = async () => {
    const outcome = await trust.run('ssh.trust', { host: host.name, ...(pasted ? { fingerprint: pasted } : {}) }, {
      success: (output) => `Pinned the host key of ${output.host}`,
    });
    if (outcome.ok) {
      setExpected('');
      probe.reset();
      onTrusted?.(outcome.output.pinnedFingerprint);
    }
  };

  return (
    <Stack gap="md">
      {probe.running && (
        <Group gap="xs" role="status">
          <Loader size="xs" />
          <Text size="sm">Asking {host.name} for its host key…</Text>
        </Group>
      )}
      {probe.error !== null && <ErrorAlert error={probe.error} title={`Could not get the host key of ${host.name}`} />}
      {!report && knownMismatch && <KeyMismatchAlert host={host.name} pinned={knownMismatch.pinned} presented={knownMismatch.presented} />}

      {report && (
        <>
          <PresentedKey report={report} />
          {report.matches ? (
            <Alert color="teal" variant="light" icon={<IconCircleCheck size={20} />} title="This is the trusted key" data-testid="key-matches">
              {host.name} presents the key you pinned. Nothing to do.
            </Alert>
          ) : changed ? (
            <KeyMismatchAlert host={host.name} pinned={report.pinnedFingerprint ?? ''} presented={report.presentedFingerprint} />
          ) : (
            <Instructions report={report} />
          )}
          {!report.matches && (
            <TextInput
              label="Fingerprint printed on the server (optional)"
              description="Paste it here and the console compares it for you, and pins the key only if the server presents exactly this one."
              placeholder="SHA256:…"
              value={expected}
              onChange={(event) => setExpected(event.currentTarget.value)}
              error={
                !pastedValid
                  ? 'A fingerprint looks like SHA256: followed by 43 characters, as ssh-keygen -lf prints it.'
                  : pastedDiffers
                    ? 'This is not the key the server presents. Do not trust it until you know why.'
                    : undefined
              }
              autoComplete="off"
              spellCheck={false}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              {...(pastedMatches
                ? { rightSection: <IconCircleCheck size={18} color="var(--mantine-color-teal-6)" aria-label="Matches the presented key" role="img" /> }
                : {})}
            />
          )}
          {pastedMatches && (
            <Text size="sm" c="teal.8" data-testid="pasted-matches">
              Same fingerprint: this is the key the server presents.
            </Text>
          )}
        </>
      )}

      <Group gap="sm">
        {report && !report.matches ? (
          <Button
            color={changed ? 'red' : undefined}
            leftSection={<IconShieldCheck size={16} />}
            onClick={() => void startTrust()}
            loading={trust.planning}
            disabled={!pastedValid || pastedDiffers}
          >
            {changed ? 'Trust the new key' : 'Trust this key'}
          </Button>
        ) : null}
        <Button
          variant={report && !report.matches ? 'default' : host.pinnedFingerprint ? 'default' : 'filled'}
          leftSection={<IconShieldLock size={16} />}
          onClick={() => void probe.run({ host: host.name })}
          loading={probe.running}
        >
          {report || probe.error !== null ? 'Ask again' : 'Verify host key'}
        </Button>
        {secondary}
      </Group>
      <PlanDialog controller={trust} details={trustDetails} />
    </Stack>
  );
}

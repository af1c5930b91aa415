import { useState, type ReactNode } from 'react';
import { Alert, Button, Group, Loader, Paper, Progress as ProgressBar, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { IconCloudUpload, IconPlayerStop, IconRosetteDiscountCheck, IconShieldCheck } from '@tabler/icons-react';
import type { Progress, ProvisionStatus } from '../../../shared/contract';
import { useTask } from '../../api/useTask';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatTime } from '../fleet/format';
import { ServerText } from '../queue/ServerText';
import { progressPercent, shortKeyId, sizeText } from './provision-format';

function TaskProgress({ progress, label }: { progress: Progress | null; label: string }) {
  const percent = progressPercent(progress);
  return (
    <Stack gap={4} data-testid="bundle-progress" data-step={progress?.step ?? ''}>
      <ProgressBar value={percent ?? 100} striped animated size="lg" aria-label={label} />
      <Group justify="space-between" gap="sm" wrap="nowrap">
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {progress ? <ServerText text={progress.message} /> : 'Starting…'}
        </Text>
        {percent !== null && (
          <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
            {`${percent}%`}
          </Text>
        )}
      </Group>
    </Stack>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th w={170} fw={500} c="dimmed" style={{ verticalAlign: 'top' }}>
        {label}
      </Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}

/**
 * The bundle side of provisioning: what was last pushed to the host, and a bundle folder or tar on this machine to
 * verify (signature, trusted publisher, every digest) and push (SFTP, resumable, verified on the server, images loaded).
 */
export function BundleCard({
  host,
  pushed,
  path,
  onPathChange,
  onPushed,
}: {
  host: string;
  pushed: ProvisionStatus['pushed'] | undefined;
  path: string;
  onPathChange: (path: string) => void;
  onPushed: () => void;
}) {
  const verify = useTask('provision.bundle.verify');
  const push = useTask('provision.bundle.push');
  const [verifiedPath, setVerifiedPath] = useState<string | null>(null);
  const trimmed = path.trim();
  const verdict = verify.output && verifiedPath === trimmed ? verify.output : null;

  const runVerify = async () => {
    push.reset();
    const result = await verify.run({ path: trimmed });
    if (result) setVerifiedPath(trimmed);
  };
  const runPush = async () => {
    const result = await push.run({ host, path: trimmed });
    if (result) onPushed();
  };

  return (
    <Paper withBorder radius="md" p="lg" data-testid="bundle-card">
      <Title order={3} size="h4" mb="md">
        Bundle
      </Title>
      <Stack gap="md">
        {pushed === undefined ? null : pushed === null ? (
          <Text size="sm" c="dimmed" data-testid="pushed-bundle" data-version="">
            {`No bundle was pushed to ${host} yet. Verify one from removable media below, then push it.`}
          </Text>
        ) : (
          <Table verticalSpacing={4} horizontalSpacing={0} withRowBorders={false} data-testid="pushed-bundle" data-version={pushed.stackVersion}>
            <Table.Tbody>
              <Fact label="Pushed to the host">
                <Text size="sm" fw={600}>{`${pushed.stackName} ${pushed.stackVersion}`}</Text>
              </Fact>
              <Fact label="Publisher key">
                <Tooltip label={pushed.publisherKeyId}>
                  <Text size="sm" ff="monospace" tabIndex={0} w="fit-content">
                    {shortKeyId(pushed.publisherKeyId)}
                  </Text>
                </Tooltip>
              </Fact>
              <Fact label="Pushed at">
                <Text size="sm">{formatTime(pushed.pushedAt)}</Text>
              </Fact>
              <Fact label="Bundle made">
                <Text size="sm">{formatTime(pushed.createdAt)}</Text>
              </Fact>
            </Table.Tbody>
          </Table>
        )}

        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (trimmed && !verify.running && !push.running) void runVerify();
          }}
        >
          <Group align="flex-end" gap="sm" wrap="wrap">
            <TextInput
              label="Bundle on this machine"
              description="A bundle folder or .tar (e.g. on the removable media), as the console's machine sees it."
              placeholder="/media/usb/copper-1.0.0"
              value={path}
              onChange={(event) => onPathChange(event.currentTarget.value)}
              style={{ flex: 1, minWidth: 280 }}
              spellCheck={false}
              autoComplete="off"
            />
            <Button type="submit" variant="default" leftSection={<IconRosetteDiscountCheck size={16} />} loading={verify.running} disabled={!trimmed || push.running}>
              Verify
            </Button>
            <Button
              leftSection={<IconCloudUpload size={16} />}
              onClick={() => void runPush()}
              loading={push.running}
              disabled={!verdict || verify.running}
              title={verdict ? undefined : 'Verify the bundle first'}
            >
              Push to host
            </Button>
            {push.running && (
              <Button variant="default" leftSection={<IconPlayerStop size={16} />} onClick={push.cancel}>
                Cancel
              </Button>
            )}
          </Group>
        </form>

        {verify.running && (
          <Group gap="xs" role="status">
            <Loader size="xs" />
            <Text size="sm">Checking the signature, the publisher and every file's SHA-256…</Text>
          </Group>
        )}
        {verify.error !== null && <ErrorAlert error={verify.error} title="The bundle did not verify" />}
        {verdict && (
          <Alert color="teal" variant="light" icon={<IconShieldCheck size={20} />} title="Verified" data-testid="bundle-verdict" data-version={verdict.manifest.stackVersion}>
            <Text size="sm">
              {`${verdict.manifest.stackName} ${verdict.manifest.stackVersion}, signed by ${verdict.publisher.name || 'a trusted publisher'} (${shortKeyId(verdict.publisher.keyId)}), made ${formatTime(verdict.manifest.createdAt)}.`}
            </Text>
            <Text size="sm">
              {`${verdict.fileCount} files, ${sizeText(verdict.totalBytes)}, ${verdict.manifest.images.length} image${verdict.manifest.images.length === 1 ? '' : 's'}; services: ${Object.keys(verdict.stack.services).join(', ')}.`}
            </Text>
          </Alert>
        )}

        {push.running && <TaskProgress progress={push.progress} label={`Progress of the push to ${host}`} />}
        {push.error !== null && <ErrorAlert error={push.error} title={`The bundle was not pushed to ${host}`} />}
        {push.output && !push.running && (
          <Alert color="teal" variant="light" title="Pushed" data-testid="bundle-pushed" data-version={push.output.stackVersion}>
            <Text size="sm">
              {`${push.output.stackVersion} is staged on ${push.output.host} (${sizeText(push.output.bytesSent)} sent); `}
              {push.output.images.map((image) => `${image.tags.join(', ') || image.file} ${image.loaded ? 'loaded' : 'already loaded'}`).join('; ')}
              {'. Plan the apply below.'}
            </Text>
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
